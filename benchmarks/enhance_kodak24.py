"""Enhancement on Kodak24: how often the predicted score rises, and what the edit costs.

For every Kodak24 photo and each mode (FGSM at the default epsilon, natural at the defaults),
with the generic model and with a personal profile (trained here on simulated ratings that
prefer saturated colour): the share of photos whose predicted score rises, the mean rise, the
PSNR against the original, the largest pixel change, and the high-frequency energy of the difference image (mean squared
Laplacian, in squared pixel levels) with its share of the difference's energy (a noise pattern is
high-frequency through and through; a global edit scales the photo's own detail, no more), and
the ratio of the natural edit's high-frequency energy to FGSM's.

    .venv/bin/python benchmarks/enhance_kodak24.py          # a few minutes on a 2-core CPU
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image

from aesthetic_curator.enhance import fgsm, high_frequency_energy, high_frequency_share, load_for_edit, natural, psnr
from aesthetic_curator.evaluation.simulated import measure
from aesthetic_curator.models import load_generic
from aesthetic_curator.personal.adapters import PersonalNet, load_personal_state
from aesthetic_curator.personal.training import TrainConfig, train_personal

KODAK = Path(__file__).resolve().parents[2] / "shared" / "data" / "kodak24"


def personal_model(base, photos: list[np.ndarray]):
    """A profile trained on ratings that follow colour saturation (a simulated user)."""
    sat = np.array([measure(p)["saturation"] for p in photos])
    stars = np.clip(np.round(1 + 4 * (sat - sat.min()) / (np.ptp(sat) + 1e-9)), 1, 5)
    result = train_personal(base, photos, stars, config=TrainConfig(epochs=8), device="cpu")
    model = PersonalNet(base)
    load_personal_state(model, result.state)
    return model


def run(name: str, model, photos: list[np.ndarray]) -> None:
    energy: dict[str, list[float]] = {}
    for mode in ("fgsm", "natural"):
        rises, gains, psnrs, maxd, hf, hfe, secs = 0, [], [], [], [], [], []
        for photo in photos:
            start = time.perf_counter()
            r = fgsm(model, photo, device="cpu") if mode == "fgsm" else natural(model, photo, device="cpu")
            secs.append(time.perf_counter() - start)
            rises += r.after > r.before
            gains.append(r.after - r.before)
            psnrs.append(psnr(photo, r.photo))
            maxd.append(int(np.abs(r.photo.astype(int) - photo.astype(int)).max()))
            hf.append(high_frequency_share(photo, r.photo))
            hfe.append(high_frequency_energy(photo, r.photo))
        print(f"{name:<9} {mode:<8} rises {rises}/{len(photos)} ({100 * rises / len(photos):.0f}%)  "
              f"mean rise {np.mean(gains):+.3f} (min {min(gains):+.3f})  PSNR {np.mean(psnrs):.1f} dB  "
              f"max |change| {max(maxd)}  HF energy {np.mean(hfe):.1f} (median {np.median(hfe):.1f}) "
              f"share {np.mean(hf):.2f}  median {statistics.median(secs):.1f} s/photo",
              flush=True)
        energy[mode] = hfe
    ratio = np.array(energy["natural"]) / np.array(energy["fgsm"])
    print(f"{name:<9} natural / FGSM high-frequency energy, per photo: median {np.median(ratio):.3f}, "
          f"max {ratio.max():.3f}; of the means {np.mean(energy['natural']) / np.mean(energy['fgsm']):.3f}",
          flush=True)


def main() -> None:
    paths = sorted(KODAK.glob("*.png"))
    photos = [load_for_edit(p) for p in paths]
    base, _ = load_generic()
    print(f"{len(photos)} photos, {Image.open(paths[0]).size[0]} px wide")
    run("generic", base, photos)
    run("personal", personal_model(base, photos), photos)


if __name__ == "__main__":
    main()
