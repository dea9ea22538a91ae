"""Benchmark of album scoring: model, decode, end to end, and re-opening an already scored album.

What it measures (each stage repeated ``--repeats`` times; medians are reported):

a. model-only   photos/s of ``Scorer`` on ready uint8 (B, 224, 224, 3) batches (``--batch-size`` B),
                over as many photos as the album has, batched as ``score_album`` batches them.
b. decode-only  photos/s of the decode path alone (read, hash, draft decode at min_size=448,
                nearest-neighbour squash to 224), single-threaded and on ``--workers`` threads.
c. end-to-end   photos/s of ``score_album`` into a fresh catalog, reusing one built scorer;
                reported as ratios to (a) (target >= 0.75) and to (b) on ``--workers`` threads.
d. re-open      seconds to answer an already scored album of ``--reopen`` small JPEGs from the
                catalog, in process (factory scorer, never built) and through the CLI (target < 2 s).

A per-photo breakdown of the decode path (read, hash, draft decode, squash; draft scales) is
printed before the stages. The test album (12 MP JPEGs, 4000x3000, quality 92, 4:2:0) is built
once from the Kodak24 PNGs, upscaled with LANCZOS plus mild Gaussian noise (sigma 4) so it has
camera-like high-frequency content, and cached under ``--data`` (default: ``bench-data/`` at the
repository root, git-ignored). Timings are taken with a warm page cache.

Run from the repository root::

    .venv/bin/python benchmarks/bench_scoring.py            # defaults: about 5 minutes on 2 cores
    .venv/bin/python benchmarks/bench_scoring.py --photos 96 --repeats 5 --workers 4
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import PIL
import torch
from PIL import Image, features

from aesthetic_curator.catalog import Catalog
from aesthetic_curator.imaging import content_hash, decode, network_array, open_image, read_bytes
from aesthetic_curator.models import DEFAULT_WEIGHTS
from aesthetic_curator.scoring import ScanReport, Scorer, score_album
from aesthetic_curator.scoring.infer import decode_photo
from aesthetic_curator.scoring.plan import WorkItem

REPO = Path(__file__).resolve().parent.parent
KODAK = REPO.parent / "shared" / "data" / "kodak24"

WIDTH, HEIGHT = 4000, 3000
QUALITY = 92
NOISE_SIGMA = 4.0
INPUT_SIZE = 224  # the shipped model's input; score_album drafts at twice that
RESAMPLE = "nearest"
DRAFT_MIN = 2 * INPUT_SIZE
REOPEN_SIZE = (64, 48)

E2E_TARGET = 0.75
REOPEN_TARGET_S = 2.0


# -- test data ------------------------------------------------------------------------------------


def _save_jpeg(im: Image.Image, path: Path, **options: object) -> None:
    """Write atomically, so an interrupted build never leaves a truncated file in the cache."""
    tmp = path.with_name(path.name + ".part")
    im.save(tmp, format="JPEG", **options)
    os.replace(tmp, path)


def _make_12mp(src: Image.Image, variant: int, seed: int) -> Image.Image:
    """A 4:3 window of ``src`` (offset and mirror depend on ``variant``), upscaled, with noise."""
    w, h = src.size
    win_h = w * HEIGHT // WIDTH
    top = (variant * 47) % (h - win_h + 1)
    im = src.crop((0, top, w, top + win_h))
    if variant % 2:
        im = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    arr = np.asarray(im.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS), dtype=np.float32)
    rng = np.random.default_rng(seed)
    arr += rng.standard_normal(arr.shape, dtype=np.float32) * np.float32(NOISE_SIGMA)
    np.rint(arr, out=arr)
    np.clip(arr, 0, 255, out=arr)
    return Image.fromarray(arr.astype(np.uint8), "RGB")


def _album_view(pool: list[Path], album: Path) -> None:
    """Make ``album`` hold exactly the files of ``pool`` (as hard links, else copies)."""
    album.mkdir(parents=True, exist_ok=True)
    wanted = {p.name: p for p in pool}
    for stale in album.iterdir():
        if stale.name not in wanted:
            stale.unlink()
    for name, src in wanted.items():
        dst = album / name
        if dst.exists() and dst.stat().st_ino == src.stat().st_ino:
            continue
        dst.unlink(missing_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            dst.write_bytes(src.read_bytes())


def build_12mp_album(data: Path, kodak: Path, count: int) -> Path:
    """``count`` distinct 12 MP JPEGs cycling over Kodak24; generated files are cached in a pool."""
    sources = sorted(kodak.glob("*.png"))
    if not sources:
        raise SystemExit(f"no PNG found in {kodak}")
    pool_dir = data / f"pool-{WIDTH}x{HEIGHT}-q{QUALITY}-s{NOISE_SIGMA:g}"
    pool_dir.mkdir(parents=True, exist_ok=True)
    pool: list[Path] = []
    built = 0
    start = time.perf_counter()
    for i in range(count):
        path = pool_dir / f"photo_{i:04d}.jpg"
        if not path.exists():
            with Image.open(sources[i % len(sources)]) as src:
                im = _make_12mp(src.convert("RGB"), variant=i // len(sources), seed=i)
            _save_jpeg(im, path, quality=QUALITY, subsampling="4:2:0")
            built += 1
        pool.append(path)
    if built:
        print(f"built {built} photo(s) in {time.perf_counter() - start:.1f} s into {pool_dir}", flush=True)
    album = data / f"album-12mp-n{count}"
    _album_view(pool, album)
    return album


def build_reopen_album(data: Path, count: int) -> Path:
    """``count`` tiny random-noise JPEGs (each distinct), cached."""
    album = data / "reopen" / f"n{count}"
    album.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(12345)
    w, h = REOPEN_SIZE
    for i in range(count):
        path = album / f"small_{i:05d}.jpg"
        pixels = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)  # drawn always: stable per index
        if not path.exists():
            _save_jpeg(Image.fromarray(pixels, "RGB"), path, quality=90)
    return album


# -- measurement helpers ------------------------------------------------------------------------


def timed(fn: Callable[[], object], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


@dataclass(frozen=True)
class Throughput:
    label: str
    photos: int
    times: list[float]

    @property
    def seconds(self) -> float:
        return statistics.median(self.times)

    @property
    def rate(self) -> float:
        return statistics.median(self.photos / t for t in self.times)

    def line(self) -> str:
        spread = ", ".join(f"{t:.2f}" for t in self.times)
        return f"{self.label:<28} {self.rate:8.2f} photos/s   median {self.seconds:6.2f} s  [{spread}]"


def decode_for_network(path: Path) -> np.ndarray:
    """The decode path of ``score_album`` for one photo, without the catalog: the scan's own decoder (read,
    hash, decode, squash, perceptual hash; a camera RAW hashed in place and read from one preview)."""
    stat = path.stat()
    return decode_photo(WorkItem(str(path), stat.st_size, stat.st_mtime_ns), DEFAULT_WEIGHTS, {}).array


def decode_all(paths: Sequence[Path], workers: int) -> list[np.ndarray]:
    if workers <= 1:
        return [decode_for_network(p) for p in paths]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(decode_for_network, paths))


def ms(values: Sequence[float]) -> str:
    return f"{1000 * statistics.median(values):7.1f} ms"


def decode_breakdown(paths: Sequence[Path], full_decodes: int) -> list[np.ndarray]:
    """Time each step of the decode path per photo (single thread) and print the medians.

    Also serves as the warm-up (page cache, imports) and returns the network arrays.
    """
    steps: dict[str, list[float]] = {"read": [], "hash": [], "header": [], "decode@448": [], "squash": []}
    arrays: list[np.ndarray] = []
    hashes: set[str] = set()
    sizes: list[int] = []
    for path in paths:
        t0 = time.perf_counter()
        data = read_bytes(path)
        t1 = time.perf_counter()
        hashes.add(content_hash(data))
        t2 = time.perf_counter()
        open_image(data, path)
        t3 = time.perf_counter()
        im = decode(data, path, min_size=DRAFT_MIN)
        t4 = time.perf_counter()
        arrays.append(network_array(im, INPUT_SIZE, RESAMPLE))
        t5 = time.perf_counter()
        for key, dt in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            steps[key].append(dt)
        sizes.append(len(data))
    if len(hashes) != len(paths):
        raise SystemExit(f"album photos are not distinct: {len(hashes)} hashes for {len(paths)} files")

    sample = paths[:full_decodes]
    other: dict[str, list[float]] = {"decode@224": [], "full decode": []}
    drafted: dict[str, tuple[int, int]] = {}
    for path in sample:
        data = read_bytes(path)
        for key, min_size in (("decode@224", INPUT_SIZE), ("full decode", None)):
            start = time.perf_counter()
            im = decode(data, path, min_size=min_size)
            other[key].append(time.perf_counter() - start)
            drafted[key] = im.size
    with Image.open(paths[0]) as probe:
        full_size = probe.size
    drafted["decode@448"] = decode(read_bytes(paths[0]), paths[0], min_size=DRAFT_MIN).size

    print(f"\ndecode breakdown, single thread, median per photo over {len(paths)} photos "
          f"(mean file {statistics.fmean(sizes) / 1e6:.2f} MB):")
    for key, values in steps.items():
        extra = f"  -> {drafted[key][0]}x{drafted[key][1]}" if key in drafted else ""
        print(f"  {key:<12} {ms(values)}{extra}")
    total = [sum(parts) for parts in zip(*(steps[k] for k in ("read", "hash", "decode@448", "squash")), strict=True)]
    print(f"  {'total':<12} {ms(total)}   (header parse is part of decode)")
    for key, values in other.items():
        w, h = drafted[key]
        print(f"  {key:<12} {ms(values)}  -> {w}x{h}  (over {len(sample)} photos; "
              f"full size {full_size[0]}x{full_size[1]})")
    return arrays


# -- stages --------------------------------------------------------------------------------------


def bench_model(scorer: Scorer, arrays: Sequence[np.ndarray], photos: int, repeats: int) -> Throughput:
    """Scorer alone on ready uint8 batches, batched like score_album (full batches, then the rest)."""
    stacked = np.stack([arrays[i % len(arrays)] for i in range(photos)])
    bs = scorer.batch_size
    batches = [np.ascontiguousarray(stacked[i : i + bs]) for i in range(0, photos, bs)]
    scorer(batches[0])  # warm-up

    def run() -> None:
        for b in batches:
            scorer(b)

    return Throughput(f"model-only (B={bs})", photos, timed(run, repeats))


def bench_e2e(scorer: Scorer, album: Path, photos: int, workers: int, repeats: int) -> Throughput:
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
            start = time.perf_counter()
            with Catalog(Path(tmp) / "cat.sqlite3") as cat:
                report = score_album(album, cat, scorer=scorer, decode_workers=workers)
            times.append(time.perf_counter() - start)
        check_report(report, photos, inferred=photos)
    return Throughput(f"end-to-end ({workers} threads)", photos, times)


def check_report(report: ScanReport, photos: int, *, inferred: int) -> None:
    if report.skipped or len(report.scores) != photos or report.inferred != inferred:
        raise SystemExit(f"unexpected scan: {len(report.scores)} scores, {report.inferred} inferred, "
                         f"{len(report.skipped)} skipped (expected {photos} scores, {inferred} inferred)")


def cli_path() -> Path:
    exe = Path(sys.executable).parent / "aesthetic-curator"
    return exe if exe.exists() else REPO / ".venv" / "bin" / "aesthetic-curator"


def bench_reopen(scorer: Scorer, album: Path, count: int, workers: int, repeats: int,
                 tmp: Path) -> tuple[float, list[float], list[float]]:
    """Returns (first scan seconds, re-open times in process, re-open times through the CLI)."""
    cat_path = tmp / "cat.sqlite3"
    start = time.perf_counter()
    with Catalog(cat_path) as cat:
        check_report(score_album(album, cat, scorer=scorer, decode_workers=workers), count, inferred=count)
    first = time.perf_counter() - start

    in_process = []
    for _ in range(repeats):
        start = time.perf_counter()
        with Catalog(cat_path) as cat:
            report = score_album(album, cat, scorer=Scorer.generic, decode_workers=workers)
        in_process.append(time.perf_counter() - start)
        check_report(report, count, inferred=0)
        assert report.inferred == 0

    cmd = [str(cli_path()), "--catalog", str(cat_path), "score", str(album), "-q", "--json"]
    via_cli = []
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, cwd=REPO, check=False)
        via_cli.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"CLI failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
        results = json.loads(proc.stdout)["results"]
        if len(results) != count or not all(r["cached"] for r in results):
            raise SystemExit(f"CLI re-open scored something: {sum(not r['cached'] for r in results)} not cached")
    return first, in_process, via_cli


# -- main ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", type=Path, default=REPO / "bench-data", help="cache folder for generated albums")
    p.add_argument("--kodak", type=Path, default=KODAK, help="folder of the Kodak24 PNGs")
    p.add_argument("--photos", type=int, default=48, help="12 MP photos in the album")
    p.add_argument("--repeats", type=int, default=3, help="runs per measurement (median reported)")
    p.add_argument("--batch-size", type=int, default=32, help="inference batch size")
    p.add_argument("--workers", type=int, default=2, help="decode threads (threaded decode and score_album)")
    p.add_argument("--reopen", type=int, default=1000, help="small photos in the re-open album")
    p.add_argument("--full-decodes", type=int, default=6, help="photos also decoded at 1/8 and full scale")
    args = p.parse_args(argv)
    for name in ("photos", "repeats", "batch_size", "workers", "reopen"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def machine() -> str:
    jpeg = features.version("jpg") or "?"
    turbo = " (libjpeg-turbo)" if features.check_feature("libjpeg_turbo") else ""
    return (f"{platform.platform()}; python {platform.python_version()}; cpu_count {os.cpu_count()}; "
            f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
            f"Pillow {PIL.__version__}, libjpeg {jpeg}{turbo}; numpy {np.__version__}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    print(f"machine: {machine()}", flush=True)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average before start: {load} (other work on these cores skews every number)", flush=True)

    album = build_12mp_album(args.data, args.kodak, args.photos)
    reopen_album = build_reopen_album(args.data, args.reopen)
    paths = sorted(album.glob("*.jpg"))
    mean_mb = statistics.fmean(p.stat().st_size for p in paths) / 1e6
    print(f"album: {len(paths)} x {WIDTH}x{HEIGHT} JPEG q{QUALITY} 4:2:0, mean file size {mean_mb:.2f} MB "
          f"({album})", flush=True)

    start = time.perf_counter()
    scorer = Scorer.generic(device="cpu", batch_size=args.batch_size)
    print(f"scorer {scorer.spec.model_id} built in {time.perf_counter() - start:.2f} s", flush=True)
    if (scorer.spec.input_size, scorer.spec.resample) != (INPUT_SIZE, RESAMPLE):
        raise SystemExit(f"benchmark assumes {RESAMPLE}{INPUT_SIZE} input, model wants "
                         f"{scorer.spec.resample}{scorer.spec.input_size}")

    arrays = decode_breakdown(paths, min(args.full_decodes, len(paths)))
    print(flush=True)

    n = len(paths)
    decode_1 = Throughput("decode-only (1 thread)", n, timed(lambda: decode_all(paths, 1), args.repeats))
    print(decode_1.line(), flush=True)
    decode_n = Throughput(f"decode-only ({args.workers} threads)", n,
                          timed(lambda: decode_all(paths, args.workers), args.repeats))
    print(decode_n.line(), flush=True)
    model = bench_model(scorer, arrays, n, args.repeats)
    print(model.line(), flush=True)
    e2e = bench_e2e(scorer, album, n, args.workers, args.repeats)
    print(e2e.line(), flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-reopen-") as tmp:
        first, in_process, via_cli = bench_reopen(scorer, reopen_album, args.reopen, args.workers,
                                                  args.repeats, Path(tmp))
    print(f"re-open album: first scan {first:.2f} s ({args.reopen / first:.1f} photos/s), "
          f"re-open in process {[round(t, 3) for t in in_process]} s, CLI {[round(t, 3) for t in via_cli]} s",
          flush=True)

    # If decode (N threads) and inference each already use every core, they cannot overlap: costs add up.
    additive = 1 / (1 / decode_n.rate + 1 / model.rate)
    e2e_model = e2e.rate / model.rate
    e2e_decode = e2e.rate / decode_n.rate
    reopen_s = statistics.median(in_process)
    cli_s = statistics.median(via_cli)

    def verdict(ok: bool) -> str:
        return "ok" if ok else "BELOW TARGET"

    print("\n" + "=" * 78)
    print(f"summary: {n} photos {WIDTH}x{HEIGHT} ({mean_mb:.2f} MB), batch {args.batch_size}, "
          f"{args.workers} decode threads, median of {args.repeats}")
    print("-" * 78)
    for t in (model, decode_1, decode_n, e2e):
        print(f"  {t.label:<28} {t.rate:8.2f} photos/s   {1000 / t.rate:7.1f} ms/photo")
    print(f"  {f'1/(1/decode({args.workers})+1/model)':<28} {additive:8.2f} photos/s   "
          f"(costs added: no overlap, for reference)")
    print(f"  {'end-to-end / model-only':<28} {e2e_model:8.2f}            target >= {E2E_TARGET}: "
          f"{verdict(e2e_model >= E2E_TARGET)}")
    print(f"  {f'end-to-end / decode({args.workers})':<28} {e2e_decode:8.2f}")
    print(f"  {f're-open {args.reopen}, in process':<28} {reopen_s:8.3f} s          target < {REOPEN_TARGET_S:g} s: "
          f"{verdict(reopen_s < REOPEN_TARGET_S)}")
    print(f"  {f're-open {args.reopen}, CLI':<28} {cli_s:8.3f} s          target < {REOPEN_TARGET_S:g} s: "
          f"{verdict(cli_s < REOPEN_TARGET_S)}")
    print("-" * 78)
    print(f"machine: {machine()}")
    print(f"benchmark wall time {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
