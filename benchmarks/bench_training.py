"""Benchmark of personal training: 100 ratings, end to end, against the network's own limit.

What is timed (medians over ``--repeats`` runs, seconds):

prepare       reading and decoding the rated photos (Kodak24 crops written as 3 MP JPEGs) at
              twice the network size, as ``service.train_user`` does
adapters      ``train_personal`` on the decoded photos: 20 epochs at most (early stop on the
              validation split), batch 8, augmentation on
last-layers   ``train_last_layers`` on cached pooled features
PAM           ``fit_pam`` on the pooled features
limit         the same number of forward + backward passes as the adapter run made, on ready
              tensors (no augmentation, no validation): the model-only bound of adapter training

The ratio ``adapters / limit`` says how much of adapter training is overhead around the network.
Target (issue 3): 100 ratings trained in <= 90 s on a 2-core CPU.

Run from the repository root::

    .venv/bin/python benchmarks/bench_training.py              # about 5 minutes on 2 cores
    .venv/bin/python benchmarks/bench_training.py --repeats 1 --ratings 50
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageEnhance

from aesthetic_curator.devices import describe, resolve_device
from aesthetic_curator.models import load_generic
from aesthetic_curator.personal.adapters import PersonalNet
from aesthetic_curator.personal.pam import fit_pam
from aesthetic_curator.personal.service import training_image
from aesthetic_curator.personal.training import (
    TrainConfig,
    as_batch,
    network_input,
    train_last_layers,
    train_personal,
)

REPO = Path(__file__).resolve().parents[1]
KODAK = REPO.parent / "shared" / "data" / "kodak24"


def make_rated_album(folder: Path, n: int, kodak: Path, seed: int = 0) -> tuple[list[Path], np.ndarray]:
    """``n`` 3 MP JPEGs (Kodak24 crops with varied colour) and ratings that follow their colour."""
    rng = np.random.default_rng(seed)
    sources = sorted(kodak.glob("*.png"))
    if not sources:
        raise SystemExit(f"no Kodak24 PNGs in {kodak}")
    paths, ratings = [], []
    for i in range(n):
        im = Image.open(sources[i % len(sources)]).convert("RGB")
        colour = rng.uniform(0.3, 1.7)
        im = ImageEnhance.Color(im).enhance(colour)
        w, h = im.size
        f = rng.uniform(0.7, 1.0)
        left, top = int(rng.uniform(0, 1 - f) * w), int(rng.uniform(0, 1 - f) * h)
        im = im.crop((left, top, left + int(f * w), top + int(f * h))).resize((2048, 1536), Image.Resampling.BICUBIC)
        path = folder / f"rated_{i:03d}.jpg"
        im.save(path, quality=92)
        paths.append(path)
        ratings.append(float(np.clip(round(1 + 4 * (colour - 0.3) / 1.4 + rng.normal(0, 0.5)), 1, 5)))
    return paths, np.array(ratings)


def median_of(values: Sequence[float]) -> float:
    return statistics.median(values)


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--kodak", type=Path, default=KODAK)
    p.add_argument("--ratings", type=int, default=100)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--device", default="auto")
    args = p.parse_args(argv)

    device = resolve_device(args.device)
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, {describe(device)}")
    base, _ = load_generic()
    base.eval()
    with tempfile.TemporaryDirectory() as tmp:
        paths, ratings = make_rated_album(Path(tmp), args.ratings, args.kodak)
        prepare, images = [], []
        for _ in range(args.repeats):
            start = time.perf_counter()
            images = [training_image(path, base.input_size) for path in paths]
            prepare.append(time.perf_counter() - start)
    with torch.inference_mode():
        out = [base.predict(as_batch([network_input(im, 224) for im in images[b:b + 32]], device))
               for b in range(0, len(images), 32)]
    generic = torch.cat([o[1] for o in out]).cpu().numpy()
    features = torch.cat([o[3] for o in out]).float().cpu().numpy()

    config = TrainConfig(epochs=args.epochs)
    adapters, epochs_run, rho = [], [], []
    for r in range(args.repeats):
        start = time.perf_counter()
        result = train_personal(base, images, ratings, generic_scores=generic, config=config, device=args.device)
        adapters.append(time.perf_counter() - start)
        epochs_run.append(len(result.history))
        rho.append(result.val_spearman)
        print(f"  adapters run {r + 1}: {adapters[-1]:.1f} s, {len(result.history)} epochs, best epoch "
              f"{result.best_epoch}, validation Spearman {result.val_spearman:.3f}", flush=True)

    # The model-only bound: the same forward + backward passes on ready tensors.
    n_train = result.n_train
    passes = int(median_of(epochs_run)) * n_train
    model = PersonalNet(base).to(device).train()
    opt = torch.optim.Adam(model.personal_parameters(), lr=1e-3)
    x = torch.rand(config.batch_size, 3, 224, 224, device=device)
    limit = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        done = 0
        while done < passes:
            loss = model.predict(x)[1].mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            done += config.batch_size
        if device.type == "cuda":
            torch.cuda.synchronize()
        limit.append(time.perf_counter() - start)

    head, pam = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        train_last_layers(base, features, ratings, generic_scores=generic)
        head.append(time.perf_counter() - start)
        start = time.perf_counter()
        fit_pam(features, generic, ratings)
        pam.append(time.perf_counter() - start)

    n = args.ratings
    print(f"\n{n} ratings ({n_train} trained on, {n - n_train} for validation), median of {args.repeats}:")
    print(f"  prepare (decode {n} 3 MP JPEGs)   {median_of(prepare):7.2f} s")
    print(f"  adapters ({median_of(epochs_run):.0f} epochs)          {median_of(adapters):7.2f} s   "
          f"target <= 90 s: {'met' if median_of(adapters) + median_of(prepare) <= 90 else 'NOT met'} "
          f"(with prepare: {median_of(adapters) + median_of(prepare):.1f} s)")
    print(f"  limit (fwd+bwd only, {passes} images) {median_of(limit):7.2f} s   "
          f"adapters / limit = {median_of(adapters) / median_of(limit):.2f}")
    print(f"  per trained image and epoch         {1000 * median_of(adapters) / passes:7.1f} ms "
          f"(limit {1000 * median_of(limit) / passes:.1f} ms)")
    print(f"  last-layers (cached features)       {median_of(head):7.3f} s")
    print(f"  PAM fit                             {1000 * median_of(pam):7.2f} ms")
    print(f"  validation Spearman (adapters)      {median_of(rho):7.3f}")


if __name__ == "__main__":
    main()
