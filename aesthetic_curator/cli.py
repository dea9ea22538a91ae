"""The ``aesthetic-curator`` command. Sub-commands work headless; the GUI calls the same core."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .catalog import Catalog, CatalogError, default_catalog_path
from .scoring import PhotoScore, Progress, ScanReport

log = logging.getLogger("aesthetic_curator")


class ProgressBar:
    """A one-line bar on stderr when it is a terminal; a line every few seconds otherwise."""

    def __init__(self, stream=sys.stderr, enabled: bool = True):
        self.stream = stream
        self.enabled = enabled
        self.tty = stream.isatty()
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, p: Progress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        final = p.done >= p.total
        if not self.tty and not final and now - self.last < 5.0:
            return
        self.last = now
        elapsed = now - self.start
        rate = p.scored / elapsed if elapsed > 0 else 0.0
        frac = p.done / p.total if p.total else 1.0
        width = 30
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        eta = (p.total - p.done) / rate if rate > 0 else 0.0
        line = (f"[{bar}] {p.done}/{p.total}  scored {p.scored}, cached {p.cached}, "
                f"skipped {p.skipped}  {rate:.1f} photos/s  ETA {eta:.0f}s")
        if self.tty:
            self.stream.write("\r" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _relative(path: Path, roots: Sequence[Path]) -> str:
    for root in roots:
        try:
            return str(path.relative_to(root)) if root.is_dir() else path.name
        except ValueError:
            continue
    return str(path)


def _result_dict(s: PhotoScore, roots: Sequence[Path]) -> dict:
    return {
        "path": str(s.path),
        "name": _relative(s.path, roots),
        "mean": round(s.mean, 4),
        "std": round(s.std, 4),
        "distribution": [round(float(v), 5) for v in s.distribution],
        "model": s.model_id,
        "cached": s.cached,
    }


def _print_table(rows: list[PhotoScore], roots: Sequence[Path], out) -> None:
    names = [_relative(s.path, roots) for s in rows]
    out.write(f"{'rank':>4}  {'score':>5}  {'spread':>6}  photo\n")
    for rank, (s, name) in enumerate(zip(rows, names, strict=True), 1):
        out.write(f"{rank:>4}  {s.mean:5.2f}  {s.std:6.2f}  {name}\n")


def cmd_score(args: argparse.Namespace) -> int:
    from .scoring import Scorer, score_album

    roots = [Path(os.path.abspath(p)) for p in args.album]
    for root in roots:
        if not root.exists():
            print(f"error: {root} does not exist", file=sys.stderr)
            return 2
    cancel = threading.Event()
    bar = ProgressBar(enabled=not args.quiet)

    def factory() -> Scorer:
        return Scorer.generic(args.model, args.checkpoint, device=args.device, batch_size=args.batch_size)

    scorer: Scorer | None = None
    if args.model != "nima-mobilenet" or args.checkpoint is not None:
        scorer = factory()  # custom checkpoints: the id depends on the file, so build it now
    with Catalog(args.catalog) as catalog:
        try:
            report: ScanReport = score_album(
                roots, catalog, scorer=scorer or factory, progress=bar,
                cancel=cancel, decode_workers=args.workers,
            )
        except KeyboardInterrupt:
            print("\ninterrupted: photos scored so far are kept in the catalog", file=sys.stderr)
            return 130
    rows = report.sorted_scores()
    if args.top:
        rows = rows[: args.top]
    out = sys.stdout
    if args.json:
        json.dump({
            "model": rows[0].model_id if rows else None,
            "results": [_result_dict(s, roots) for s in rows],
            "skipped": [{"path": str(k.path), "reason": k.reason} for k in report.skipped],
        }, out, indent=2)
        out.write("\n")
    elif args.csv:
        writer = csv.writer(out)
        writer.writerow(["rank", "path", "mean", "std", *[f"p{i}" for i in range(1, 11)], "model"])
        for rank, s in enumerate(rows, 1):
            writer.writerow([rank, str(s.path), f"{s.mean:.4f}", f"{s.std:.4f}",
                             *[f"{v:.5f}" for v in s.distribution], s.model_id])
    else:
        _print_table(rows, roots, out)
    if report.skipped:
        print(f"\nskipped {len(report.skipped)} file(s):", file=sys.stderr)
        for k in sorted(report.skipped, key=lambda k: str(k.path)):
            print(f"  {k.path}: {k.reason}", file=sys.stderr)
    if not report.scores:
        print("error: no photo could be scored", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aesthetic-curator",
        description="Score, personalise, cull and export a photo album. "
                    "Sub-commands run headless.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--catalog", type=Path, default=None,
                        help=f"catalog file (default: $AESTHETIC_CURATOR_CATALOG or {default_catalog_path()})")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("score", help="score every photo in an album (recursively)",
                       description="Score every photo under ALBUM with the generic aesthetic model. "
                                   "Results are cached in the catalog: unchanged photos are not re-scored.")
    p.add_argument("album", nargs="+", help="album folder(s) or photo file(s)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print results as JSON")
    fmt.add_argument("--csv", action="store_true", help="print results as CSV")
    p.add_argument("--top", type=int, default=None, metavar="N", help="only the N best photos")
    p.add_argument("--model", default="nima-mobilenet", choices=["nima-mobilenet", "resnet18"],
                   help="generic model architecture (default: the shipped NIMA MobileNet)")
    p.add_argument("--checkpoint", type=Path, default=None,
                   help="state dict of your own generic model (required for resnet18)")
    p.add_argument("--device", default="auto", help="auto (default), cpu, cuda, cuda:1 or mps")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--workers", type=int, default=None, help="decode threads (default: up to 4)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_score)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except BrokenPipeError:  # output piped into head & co.: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from .models.weights import WeightsError

        if isinstance(exc, (WeightsError, ValueError)):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
