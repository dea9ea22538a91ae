"""Build the real-photo evaluation album from Debian packages (see aesthetic_curator/evaluation/real_album.py).

    .venv/bin/python benchmarks/assemble_real_album.py /work/realbed                  # apt-get download each package
    .venv/bin/python benchmarks/assemble_real_album.py DEST --debs DIR                 # offline, from PKG_*.deb in DIR
    .venv/bin/python benchmarks/assemble_real_album.py DEST --kodak ../shared/data/kodak24 --max-side 1024

Kodak24 is added by default when ``../shared/data/kodak24`` (beside the repository) exists; ``--no-kodak`` leaves it
out. Re-running on an existing album rewrites nothing that is already right.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from aesthetic_curator.evaluation.real_album import assemble

DEFAULT_KODAK = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "kodak24"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="album folder (created if missing)")
    parser.add_argument("--debs", type=Path, help="folder of PKG_*.deb to use instead of apt-get download")
    parser.add_argument(
        "--kodak",
        type=Path,
        default=DEFAULT_KODAK if DEFAULT_KODAK.is_dir() else None,
        help=f"folder of kodim*.png to add (default: {DEFAULT_KODAK} when it exists)",
    )
    parser.add_argument("--no-kodak", action="store_true", help="leave Kodak24 out")
    parser.add_argument("--max-side", type=int, default=1024, help="long side of the written JPEGs, in pixels")
    args = parser.parse_args(argv)
    assemble(args.dest, debs=args.debs, kodak=None if args.no_kodak else args.kodak, max_side=args.max_side)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
