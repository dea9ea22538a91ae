"""Benchmark of a cluster scan (issue 15): the same album scored locally and on 1 and 2 Ray workers, in one run.

What it measures (each scan into a fresh catalog, ``--repeats`` times; medians are reported):

a. local        photos/s of ``score_album`` as ``aesthetic-curator score`` runs it (decode threads and the
                network in this process, torch on every core).
b. ray, N       photos/s of ``score_album(..., infer=RayInference(workers=N))`` on a local Ray started here
                with ``--cpus`` CPUs, each worker one Ray CPU (one torch thread, one decode thread beside
                it), N in ``--workers``. The workers are started (network loaded) by a warm-up scan first;
                their start-up, and Ray's, are reported apart, since a long scan pays them once.
                ``--pin``: each worker pinned to a core of its own (sched_setaffinity), as if each were a
                one-core machine; without it a worker's two threads may use two cores.
c. commit       photos/s the driver's commit stage stores (synthetic results, batches of ``--batch-size``):
                the most a cluster of any size can deliver into one catalog.

The ratios printed are b / a and b(N) / b(first N). The album: ``--photos`` JPEGs of ``--size`` (default 3000x2000,
quality 92) made from the Kodak24 PNGs (LANCZOS upscale; past the first 24 mirrored and/or turned), cached under
``bench-data/`` at the repository root (git-ignored). Say in any figure quoted how many cores the machine
had and whether a GPU was used: on a machine with GPUs, ``--gpu`` gives each worker one GPU instead.

Run from the repository root::

    .venv/bin/python benchmarks/bench_cluster.py                     # about 2 minutes on 2 cores
    .venv/bin/python benchmarks/bench_cluster.py --pin               # one core per worker
    .venv/bin/python benchmarks/bench_cluster.py --workers 1 2 4 --cpus 4 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from aesthetic_curator.catalog import Catalog, NewScore
from aesthetic_curator.cluster import RayInference, generic_factory
from aesthetic_curator.models import DEFAULT_MODEL, DEFAULT_WEIGHTS
from aesthetic_curator.scoring import InferredBatch, ScanReport, Scorer, commit, score_album

REPO = Path(__file__).resolve().parent.parent
KODAK = REPO.parent / "shared" / "data" / "kodak24"


def build_album(folder: Path, photos: int, size: tuple[int, int]) -> Path:
    """``photos`` JPEGs of ``size`` from Kodak24, made once and kept (distinct content: every one is scored)."""
    album = folder / f"cluster-v2-{size[0]}x{size[1]}-n{photos}"
    sources = sorted(KODAK.glob("kodim*.png"))
    if not sources:
        sys.exit(f"Kodak24 not found under {KODAK}")
    album.mkdir(parents=True, exist_ok=True)
    for i in range(photos):
        out = album / f"photo_{i:03d}.jpg"
        if out.exists():
            continue
        with Image.open(sources[i % len(sources)]) as src:
            im = src.convert("RGB")
            variant = i // len(sources)  # the same source again: mirrored, flipped, turned (new content)
            im = im.transpose(Image.Transpose.ROTATE_180) if variant & 2 else im
            im = ImageOps.mirror(im) if variant & 1 else im
            im = ImageOps.fit(im, size, Image.Resampling.LANCZOS)
            tmp = out.with_suffix(".part")
            im.save(tmp, format="JPEG", quality=92)
            os.replace(tmp, out)
    return album


def pinned_factory(slots: str, cores: int, batch_size: int):
    """A worker-side factory that first pins its process to a core no other worker holds (the slot is claimed
    by creating a file in ``slots``, atomically), then builds the generic network."""
    build = generic_factory(DEFAULT_MODEL, None, batch_size)

    def make(device: str):
        for slot in range(1024):
            try:
                os.close(os.open(os.path.join(slots, f"slot-{slot}"), os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                continue
            os.sched_setaffinity(0, {slot % cores})
            break
        return build(device)
    return make


def commit_rate(batch_size: int, photos: int = 4096) -> float:
    """Photos/s the commit stage stores: synthetic results (1024 features, like the shipped network's)."""
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp, Catalog(Path(tmp) / "c.sqlite3") as cat:
        steps = [InferredBatch(scores=[
            NewScore(f"/album/p{i:06d}.jpg", 1, 1, f"{i:032x}", 3000, 2000, 5.0, 1.5,
                     rng.random(10, dtype=np.float32), rng.random(1024, dtype=np.float32), i,
                     rng.random(64, dtype=np.float32)) for i in range(b, min(b + batch_size, photos))])
            for b in range(0, photos, batch_size)]
        start = time.perf_counter()
        for step in steps:
            commit(cat, DEFAULT_WEIGHTS.model_id, step)
        return photos / (time.perf_counter() - start)


def timed_scans(album: Path, repeats: int, scan: Callable[[Catalog], ScanReport]) -> list[float]:
    """Photos/s of ``repeats`` scans of ``album``, each into a fresh catalog (so every photo is scored)."""
    rates = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp, Catalog(Path(tmp) / "c.sqlite3") as cat:
            start = time.perf_counter()
            report = scan(cat)
            elapsed = time.perf_counter() - start
        if report.inferred != len(report.scores) or report.skipped:
            sys.exit(f"a scan scored {report.inferred} of {len(report.scores)} photos, skipped {report.skipped}")
        rates.append(report.inferred / elapsed)
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=96)
    parser.add_argument("--size", type=int, nargs=2, default=(3000, 2000), metavar=("W", "H"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 1, help="CPUs of the local Ray")
    parser.add_argument("--gpu", action="store_true", help="one GPU per worker (a machine with GPUs)")
    parser.add_argument("--pin", action="store_true", help="each worker pinned to a core of its own")
    parser.add_argument("--data", type=Path, default=REPO / "bench-data")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    import ray
    import torch

    album = build_album(args.data, args.photos, tuple(args.size))
    warmup = sorted(album.iterdir())[:2]
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads), ray {ray.__version__}, GPU: "
          f"{torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none'}")
    print(f"album: {args.photos} JPEGs {args.size[0]}x{args.size[1]}, batch {args.batch_size}, "
          f"median of {args.repeats}")
    results: dict[str, object] = {"photos": args.photos, "size": list(args.size), "cores": os.cpu_count(),
                                  "gpu": args.gpu, "pinned": args.pin, "batch_size": args.batch_size}
    results["commit"] = commit_rate(args.batch_size)
    print(f"commit stage            {results['commit']:6.0f} photos/s (the driver's ceiling)")

    scorer = Scorer.generic(device="cuda" if args.gpu else "cpu", batch_size=args.batch_size)
    Scan = Callable[[object, Catalog], ScanReport]  # (photos, catalog) -> report
    scans: dict[str, Scan] = {"local": lambda roots, cat: score_album(roots, cat, scorer=scorer)}
    cpus = max(args.cpus, sum(args.workers))  # every pool started at once (idle actors cost nothing)
    start = time.perf_counter()
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    results["ray_start_s"] = time.perf_counter() - start
    print(f"ray start               {results['ray_start_s']:6.2f} s ({cpus} Ray CPUs)")
    stages: list[RayInference] = []
    try:
        for n in args.workers:
            factory = (pinned_factory(tempfile.mkdtemp(prefix="bench-cluster-"), os.cpu_count() or 1, args.batch_size)
                       if args.pin else generic_factory(DEFAULT_MODEL, None, args.batch_size))
            stage = RayInference(factory, workers=n, cpus_per_worker=1.0, gpus_per_worker=1.0 if args.gpu else 0,
                                 batch_size=args.batch_size, batches_per_task=1)
            stages.append(stage)
            scans[f"ray, {n} worker(s)"] = lambda roots, cat, stage=stage: score_album(
                roots, cat, spec=DEFAULT_WEIGHTS, infer=stage)
        for name, scan in scans.items():  # workers started (network loaded), first-call costs paid
            start = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp, Catalog(Path(tmp) / "c.sqlite3") as cat:
                scan(warmup, cat)
            results[f"{name} ready_s"] = time.perf_counter() - start
        # Rounds of one scan each, in turn: a machine whose load drifts (other jobs) moves every figure alike.
        rates: dict[str, list[float]] = {name: [] for name in scans}
        for _ in range(args.repeats):
            for name, scan in scans.items():
                rates[name].extend(timed_scans(album, 1, lambda cat, scan=scan: scan(album, cat)))
    finally:
        for stage in stages:
            stage.close()
        ray.shutdown()
    local = statistics.median(rates["local"])
    first = None
    for name, r in rates.items():
        rate = statistics.median(r)
        first = first or (rate if name != "local" else None)
        ratio = f"  ({rate / local:.2f} x local, {rate / first:.2f} x {args.workers[0]} worker(s))" if first else ""
        print(f"{name + (' pinned' if args.pin and first else ''):24}{rate:6.2f} photos/s  "
              f"[{min(r):.1f}..{max(r):.1f}]{ratio}; ready in {results[f'{name} ready_s']:.1f} s")
        results[name] = rate
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
