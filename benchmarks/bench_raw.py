"""Benchmark of scoring camera RAWs: 24 MP DNGs with embedded JPEG previews, laid out as cameras write them.

What it measures (medians of ``--repeats``, decode stages on ``--workers`` threads, through the scan's own
decoder ``scoring.infer.decode_photo``: hash, preview or develop, squash to 224, perceptual hash):

a. preview path   photos/s on three layouts of the same 24 MP frames:
                  camera   a full-size preview, a 1620x1080 one and a 160x120 thumbnail (Canon CR2/CR3,
                           Sony ARW, Nikon NEF keep a mid-size preview beside the full one);
                  medium   one 1024 px preview (Adobe DNG Converter's default);
                  full     only a full-size preview (DNG Converter's "full size" option);
b. JPEG draft     the same on bench_scoring's 12 MP JPEGs (its cached album).
c. demosaic       the same on DNGs without a preview (LibRaw half-size develop).
d. model-only     photos/s of the shipped model on ready batches (bench_scoring's measure).
e. hashing        ms to read one DNG into memory, to SHA-256 those bytes (what the scan did), and to
                  XXH3-128 it in 1 MiB chunks (``imaging.photo_identity``, what it does; issue 14, point 7).

Target: (a) at least 2x (b). The DNGs are built once with ``tests/dng.py`` from the 12 MP pool
(upscaled to 6000x4000) and cached under ``--data`` (``bench-data/``, git-ignored)::

    .venv/bin/python benchmarks/bench_raw.py --photos 8 --repeats 3

Figures (2-core CPU, shared with other work; 8 photos, 52 MB DNGs) are in the session notes and the
README's performance table.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from bench_scoring import KODAK, REPO, Throughput, bench_model, build_12mp_album, decode_all, timed
from PIL import Image

from aesthetic_curator.imaging import photo_identity, read_bytes
from aesthetic_curator.scoring import Scorer

sys.path.insert(0, str(REPO / "tests"))
from dng import write_dng  # the tests' DNG builder (tests/ is on the path just above)

RAW_SIZE = (6000, 4000)


def build_dngs(data: Path, pool: list[Path], count: int, *, preview: int | None,
               previews: tuple[int, ...] = ()) -> list[Path]:
    """``count`` 24 MP DNGs (cached), each from a 12 MP JPEG upscaled; ``preview``: the longest side of IFD0's
    JPEG; ``previews``: those of further JPEGs in SubIFDs."""
    extra = "".join(f"+{side}" for side in previews)
    folder = data / f"dng-{RAW_SIZE[0]}x{RAW_SIZE[1]}-preview{preview}{extra}"
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        path = folder / f"IMG_{i:04d}.DNG"
        if not path.exists():
            with Image.open(pool[i % len(pool)]) as src:
                rgb = np.asarray(src.convert("RGB").resize(RAW_SIZE, Image.Resampling.BILINEAR))
            part = path.with_suffix(".part")
            write_dng(part, rgb, preview=preview, previews=previews)
            part.rename(path)
        out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=REPO / "bench-data")
    p.add_argument("--photos", type=int, default=8)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)
    start = time.perf_counter()
    jpegs = sorted(build_12mp_album(args.data, KODAK, args.photos).glob("*.jpg"))
    layouts = {
        "camera": build_dngs(args.data, jpegs, args.photos, preview=max(RAW_SIZE), previews=(1620, 160)),
        "medium": build_dngs(args.data, jpegs, args.photos, preview=1024),
        "full": build_dngs(args.data, jpegs, args.photos, preview=max(RAW_SIZE)),
    }
    bare = build_dngs(args.data, jpegs, max(2, args.photos // 4), preview=None)
    print(f"data ready in {time.perf_counter() - start:.0f} s; "
          f"DNG {layouts['camera'][0].stat().st_size / 1e6:.0f} MB each")
    rows = [Throughput(f"JPEG draft 12 MP ({args.workers} thr)", len(jpegs),
                       timed(lambda: decode_all(jpegs, args.workers), args.repeats))]
    for name, paths in layouts.items():
        rows.append(Throughput(f"preview path, {name} ({args.workers} thr)", len(paths),
                               timed(lambda paths=paths: decode_all(paths, args.workers), args.repeats)))
    rows.append(Throughput(f"demosaic half ({args.workers} thr)", len(bare),
                           timed(lambda: decode_all(bare, args.workers), args.repeats)))
    rows.append(bench_model(Scorer.generic(device="cpu"), decode_all(layouts["camera"][:4], 1), 64, args.repeats))
    for row in rows:
        print(row.line())
    for row in rows[1:4]:
        print(f"{row.label} / JPEG draft: {row.rate / rows[0].rate:.2f}x (target >= 2)")
    one = layouts["camera"][0]
    reads = timed(lambda: read_bytes(one), 5)
    data = read_bytes(one)
    hashes = timed(lambda: hashlib.sha256(data).hexdigest(), 5)
    streamed = timed(lambda: photo_identity(one), 5)
    print(f"hashing one {len(data) / 1e6:.0f} MB DNG: read {1000 * statistics.median(reads):.0f} ms (page cache), "
          f"SHA-256 of the bytes {1000 * statistics.median(hashes):.0f} ms "
          f"({len(data) / 1e6 / statistics.median(hashes):.0f} MB/s), "
          f"XXH3-128 streamed from the file (the scan's photo_identity) {1000 * statistics.median(streamed):.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
