"""How far our resizing and JPEG draft decoding move NIMA's scores from idealo's own pipeline.

idealo trained and evaluated the model on photos loaded with Keras ``load_img(target_size=(224,
224))``: a full decode, then nearest-neighbour squashing to 224x224. This script scores Kodak24
(optionally upscaled, saved as JPEG q92) that way and with the alternatives, and prints the mean
shift, mean absolute difference, largest difference and Spearman correlation against it.

    python benchmarks/preprocessing_fidelity.py [--kodak ../shared/data/kodak24]
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.stats import spearmanr

from aesthetic_curator.scoring import Scorer

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kodak", type=Path, default=REPO.parent / "shared" / "data" / "kodak24")
    args = parser.parse_args()
    scorer = Scorer.generic(device="cpu")
    originals = [Image.open(p).convert("RGB") for p in sorted(args.kodak.glob("kodim*.png"))]

    def means(images: list[Image.Image], resample=Image.Resampling.NEAREST) -> np.ndarray:
        return scorer(np.stack([np.asarray(i.convert("RGB").resize((224, 224), resample)) for i in images])).mean

    print(f"{len(originals)} photos; reference: full decode + nearest (Keras load_img)\n")
    print(f"{'source':<22}{'variant':<34}{'shift':>7}{'mean|d|':>9}{'max|d|':>8}{'spearman':>10}")
    ref500 = means(originals)
    for name, resample in (("bilinear", Image.Resampling.BILINEAR), ("lanczos", Image.Resampling.LANCZOS)):
        _row("PNG 500x500", f"{name} resize", means(originals, resample), ref500)
    for side in (500, 2000, 4000):
        jpegs = []
        for im in originals:
            big = im if side == 500 else im.resize((side, side), Image.Resampling.LANCZOS)
            buf = io.BytesIO()
            big.save(buf, "JPEG", quality=92)
            jpegs.append(buf.getvalue())
        full = [Image.open(io.BytesIO(d)) for d in jpegs]
        ref = means(full)
        for min_size in (448, 224):
            drafted = []
            for d in jpegs:
                im = Image.open(io.BytesIO(d))
                im.draft("RGB", (min_size, min_size))
                drafted.append(im)
            _row(f"JPEG {side}x{side}", f"draft >= {min_size} ({drafted[0].size[0]}px) + nearest",
                 means(drafted), ref)


def _row(source: str, variant: str, values: np.ndarray, ref: np.ndarray) -> None:
    d = values - ref
    rho = spearmanr(values, ref)[0]
    print(f"{source:<22}{variant:<34}{d.mean():>7.3f}{np.abs(d).mean():>9.3f}{np.abs(d).max():>8.3f}{rho:>10.3f}")


if __name__ == "__main__":
    main()
