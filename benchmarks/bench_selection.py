"""Benchmark of Active-PAM selection and PAM fitting (medians over ``--repeats`` runs, milliseconds).

Album: random unit-norm features (D = 1024, as the shipped NIMA MobileNet's pooled features), generic
scores N(5.3, 0.4) on the 1..10 scale, ratings uniform 1..5 stars. What is timed:

selection, for N = 1,000 / 10,000 photos, R = 10 / 100 rated, next-1 and next-10 (method "active-pam"):
  one-shot     ``suggest()``: builds the album state (PAM reference, standardised features) every call
  prepared     an ``ActivePAMSelector`` prepared for the album but with no cached distances: all R
               distance columns computed, PAM refitted, Eq. 5 + Eq. 6
  interactive  the selector already holds the columns of R - 1 rated photos; one new rating arrived
  (plus "prepare": the once-per-album preparation of the selector)
PAM: fit on 10 / 100 ratings with a precomputed album reference, fit including the album reference from
10,000 photos, and predict over 10,000 photos.

Run from the repository root::

    .venv/bin/python benchmarks/bench_selection.py            # about a minute on 2 cores
    .venv/bin/python benchmarks/bench_selection.py --repeats 11
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

from aesthetic_curator.personal.active import ActivePAMSelector, suggest
from aesthetic_curator.personal.pam import fit_album_reference, fit_pam

D = 1024


def album(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, D)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x, 5.3 + 0.4 * rng.standard_normal(n)


def median_ms(fn: Callable[[], object], repeats: int, setup: Callable[[], object] | None = None) -> float:
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def selection_row(sel: ActivePAMSelector, rated: list[int], ratings: list[float], k: int,
                  repeats: int) -> tuple[float, float, float]:
    """(one-shot, prepared, interactive) medians in ms for next-``k``."""
    x, g = sel.features, sel.generic

    def warm_all_but_last() -> None:
        sel.clear_cache()
        sel.suggest(rated[:-1], ratings[:-1], 1)

    one_shot = median_ms(lambda: suggest(x, g, rated, ratings, k), max(3, repeats // 2))
    prepared = median_ms(lambda: sel.suggest(rated, ratings, k), repeats, setup=sel.clear_cache)
    interactive = median_ms(lambda: sel.suggest(rated, ratings, k), repeats, setup=warm_all_but_last)
    return one_shot, prepared, interactive


def bench_selection(repeats: int, seed: int) -> None:
    print(f"{'photos':>7} {'rated':>5} {'next':>4} {'one-shot':>9} {'prepared':>9} {'interactive':>11}")
    prepare_ms = {}
    for n_photos in (1_000, 10_000):
        x, g = album(n_photos, seed)
        sel = ActivePAMSelector(x, g)

        def unprepare(sel: ActivePAMSelector = sel) -> None:
            sel._xs = None
            sel._reference = None

        prepare_ms[n_photos] = median_ms(sel._prepare, max(3, repeats // 2), setup=unprepare)
        for n_rated in (10, 100):
            rng = np.random.default_rng(seed + n_rated)
            rated = [int(i) for i in rng.choice(n_photos, n_rated, replace=False)]
            ratings = [float(r) for r in rng.integers(1, 6, n_rated)]
            for k in (1, 10):
                one_shot, prepared, interactive = selection_row(sel, rated, ratings, k, repeats)
                print(f"{n_photos:>7} {n_rated:>5} {k:>4} {one_shot:>9.1f} {prepared:>9.1f} {interactive:>11.1f}")
        if n_photos == 10_000:
            report = sel.balance()
            balance = ", ".join(f"{key}={value:.3f}" for key, value in report.items())
    print("selector preparation, once per album (PAM album reference + standardised features): "
          + ", ".join(f"{n:,} photos {ms:.1f} ms" for n, ms in prepare_ms.items()))
    print(f"visual-vector balance, 10,000 photos: {balance}")


def bench_pam(repeats: int, seed: int) -> None:
    x, g = album(10_000, seed)
    rng = np.random.default_rng(seed)
    reference = fit_album_reference(x, g)
    rows = []
    for n in (10, 100):
        idx = rng.choice(10_000, n, replace=False)
        t = rng.integers(1, 6, n).astype(np.float64)
        rows.append((f"fit, {n} ratings (album reference precomputed)",
                     median_ms(lambda idx=idx, t=t: fit_pam(x[idx], g[idx], t, reference=reference), repeats)))
        rows.append((f"fit, {n} ratings, album reference from 10,000 photos included",
                     median_ms(lambda idx=idx, t=t: fit_pam(x[idx], g[idx], t, album_features=x, album_generic=g),
                               max(3, repeats // 2))))
    model = fit_pam(x[:100], g[:100], rng.integers(1, 6, 100).astype(np.float64), reference=reference)
    rows.append(("album reference alone, 10,000 photos", median_ms(lambda: fit_album_reference(x, g), repeats)))
    rows.append(("predict, 10,000 photos (100-rating model)", median_ms(lambda: model.predict(x, g), repeats)))
    for name, ms in rows:
        print(f"  {name:<62} {ms:8.2f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"load average {load:.2f}, D={D}, medians of {args.repeats} (one-shot/prepare/album-reference fits: "
          f"{max(3, args.repeats // 2)})")
    if load > 0.5 * (os.cpu_count() or 1):
        print("WARNING: the machine is busy; timings include contention from other processes")
    print("\nActive-PAM selection, ms (method active-pam)")
    bench_selection(args.repeats, args.seed)
    print("\nPAM, ms")
    bench_pam(args.repeats, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
