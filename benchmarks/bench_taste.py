"""Benchmark of the personal score: from a new rating to updated scores, and the heavy part's training.

What is timed (medians, seconds):

rating -> scores   one more rating stored, then ``service.personal_scores`` for an album of ``--album``
                   photos (catalog-wide taste space, every candidate cross-validated, the choice, stars for
                   the album): what the app runs in the background after each star, at 20, 50 and 100 ratings
fit only           ``taste.fit_taste`` on ready descriptors (the part that grows with the ratings)
heavy              ``heavy.cross_validate_adapters`` on decoded photos: the adapters' cross-validation runs
                   and the final run, at 20, 50 and 100 ratings (Kodak24 crops as 3 MP JPEGs); ``limit`` is
                   the same number of forward + backward passes on ready tensors (the model-only bound)

The album's photos are real Kodak24 crops scanned by the app, repeated with small perturbations of their
stored features to reach the album size (the cost of the taste does not depend on what the pixels were).
Target (issue 11): scores within a second of a rating; 100 ratings trained in 60 s or less on 2 cores.

    .venv/bin/python benchmarks/bench_taste.py                 # about 6 minutes on 2 cores
    .venv/bin/python benchmarks/bench_taste.py --skip-heavy
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from aesthetic_curator.catalog import Catalog, NewScore
from aesthetic_curator.personal import service
from aesthetic_curator.personal.taste import fit_taste
from aesthetic_curator.scoring import PhotoScore, ScanReport, score_album

REPO = Path(__file__).resolve().parents[1]
KODAK = REPO.parent / "shared" / "data" / "kodak24"


def build_album(catalog: Catalog, folder: Path, kodak: Path, size: int, rng: np.random.Generator) -> ScanReport:
    from PIL import Image

    for path in sorted(kodak.glob("*.png")):
        im = Image.open(path).convert("RGB")
        w, h = im.size
        for q, (x, y) in enumerate(((0, 0), (w // 2, 0), (0, h // 2), (w // 2, h // 2))):
            im.crop((x, y, x + w // 2, y + h // 2)).save(folder / f"{path.stem}-{q}.jpg", quality=92)
    real = score_album(folder, catalog).scores
    new = []
    for i in range(size - len(real)):
        s = real[i % len(real)]
        chash = hashlib.sha256(f"synthetic-{i}".encode()).hexdigest()
        new.append(NewScore(f"/nonexistent/synthetic-{i}.jpg", 1, 1, chash, 1, 1, s.mean + rng.normal(0, 0.2),
                            s.std, s.distribution, s.features * rng.uniform(0.9, 1.1, s.features.shape), None,
                            s.look * rng.uniform(0.9, 1.1, s.look.shape)))
    for b in range(0, len(new), 500):
        catalog.add_scores(real[0].model_id, new[b:b + 500])
    ids = catalog.photo_ids(n.content_hash for n in new)
    stored = catalog.scores_for(ids.values(), real[0].model_id)
    return ScanReport(scores=[*real, *(PhotoScore(Path(n.path), n.content_hash, real[0].model_id, n.mean, n.std,
                                                  n.distribution, n.features, True, stored[ids[n.content_hash]].look)
                                      for n in new)])


def latency(args) -> None:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp, Catalog(Path(tmp) / "c.sqlite3") as catalog:
        folder = Path(tmp) / "album"
        folder.mkdir()
        album = build_album(catalog, folder, args.kodak, args.album, rng)
        ids = service.album_photo_ids(catalog, album)
        look = np.array([s.look[:32].sum() for s in album.scores])  # overall first-layer response: a taste
        order = rng.permutation(len(ids))
        print(f"\nrating -> updated personal scores, album of {len(album.scores)} photos (median of {args.repeats}):")
        for k in (20, 50, 100):
            stars = np.clip(np.round(3 + 1.2 * (look[order[:k]] - look.mean()) / look.std()), 1, 5)
            catalog.set_ratings("bench", [(ids[i], float(s)) for i, s in zip(order[:k], stars, strict=True)])
            took, fits = [], []
            for r in range(args.repeats):
                start = time.perf_counter()
                catalog.set_ratings("bench", [(ids[order[k + r]], float(rng.integers(1, 6)))])
                mine = service.personal_scores(catalog, "bench", album)
                took.append(time.perf_counter() - start)
                _, inputs = service.user_taste(catalog, "bench", album=album.scores)
                start = time.perf_counter()
                fit_taste(inputs.descriptors, inputs.generic, inputs.stars, space=inputs.space)
                fits.append(time.perf_counter() - start)
                catalog.set_ratings("bench", [(ids[order[k + r]], None)])
            print(f"  {k:>3} ratings: {statistics.median(took):6.3f} s  (fit only {statistics.median(fits):6.3f} s; "
                  f"method {mine.source}, agreement {mine.agreement.personal:+.2f} vs generic "
                  f"{mine.agreement.generic:+.2f})")


def heavy(args) -> None:
    from bench_training import make_rated_album

    from aesthetic_curator.models import load_generic
    from aesthetic_curator.personal.adapters import PersonalNet
    from aesthetic_curator.personal.heavy import cross_validate_adapters
    from aesthetic_curator.personal.service import training_image
    from aesthetic_curator.personal.training import TrainConfig, as_batch, network_input

    base, _ = load_generic()
    base.eval()
    with tempfile.TemporaryDirectory() as tmp:
        paths, ratings = make_rated_album(Path(tmp), 100, args.kodak)
        images = [training_image(p, base.input_size) for p in paths]
    with torch.inference_mode():
        generic = torch.cat([base.predict(as_batch([network_input(im, 224) for im in images[b:b + 32]],
                                                   torch.device("cpu")))[1] for b in range(0, 100, 32)]).numpy()
    model = PersonalNet(base).train()
    opt = torch.optim.Adam(model.personal_parameters(), lr=1e-3)
    x = torch.rand(8, 3, 224, 224)
    for step in range(5):  # the first pass warms up (allocations): not timed
        if step == 1:
            start = time.perf_counter()
        loss = model.predict(x)[1].mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    per_image = (time.perf_counter() - start) / 32
    print(f"\nheavy part (cross-validated adapters), model-only limit {1000 * per_image:.0f} ms per image-step:")
    for k in args.heavy:
        steps = []
        start = time.perf_counter()
        cv = cross_validate_adapters(base, images[:k], ratings[:k], generic[:k], config=TrainConfig(epochs=8),
                                     progress=steps.append)
        took = time.perf_counter() - start
        passes = sum(round(k * (2 / 3 if p.run < p.runs else 1)) for p in steps)
        print(f"  {k:>3} ratings: {took:6.1f} s, {len(steps)} epochs in all ({cv.epochs} per run), "
              f"{passes} image-steps, {1000 * took / passes:.0f} ms each (limit {1000 * per_image:.0f} ms); "
              f"out-of-fold Spearman {cv.curve[-1]:+.2f} (untrained {cv.curve[0]:+.2f})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kodak", type=Path, default=KODAK)
    p.add_argument("--album", type=int, default=2000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--skip-heavy", action="store_true")
    p.add_argument("--skip-latency", action="store_true")
    p.add_argument("--heavy", nargs="+", type=int, default=[20, 50, 100], help="ratings for the heavy part")
    args = p.parse_args()
    torch.set_num_threads(2)
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, CPU threads 2")
    if not args.skip_latency:
        latency(args)
    if not args.skip_heavy:
        heavy(args)


if __name__ == "__main__":
    main()
