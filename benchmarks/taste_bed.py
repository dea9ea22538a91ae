"""Personal scores on the real-photo bed: learning curves for many kinds of simulated users.

    .venv/bin/python benchmarks/taste_bed.py ALBUM [--out docs/eval/bed.json] [--methods ...] [--selections ...]

ALBUM: the folder ``benchmarks/assemble_real_album.py`` builds (real photos from Debian packages plus
Kodak24). Prints, per (k, selection, method), the mean Spearman of the held-out photos, the mean gain over
the generic score, the 10th-percentile user's gain and the share of users made worse than generic by more
than 0.05. See ``aesthetic_curator/evaluation/taste_bed.py`` for the users and the protocol.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from aesthetic_curator.evaluation.taste_bed import KS, USERS, build_bed, run_bed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("album", type=Path)
    p.add_argument("--out", type=Path)
    p.add_argument("--methods", nargs="+", default=["generic", "pam", "linear", "taste"])
    p.add_argument("--selections", nargs="+", default=["random", "active-pam", "coverage"])
    p.add_argument("--k", nargs="+", type=int, default=list(KS))
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--users", nargs="+", help="only these users (names)")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--markdown", action="store_true", help="also print the tables of docs/eval/README.md")
    p.add_argument("--report", type=Path, help="print the tables of an earlier --out file and stop")
    args = p.parse_args(argv)
    if args.report:
        from aesthetic_curator.evaluation.taste_bed import report_from_json

        print(report_from_json(json.loads(args.report.read_text())).markdown())
        return 0
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    import torch

    from aesthetic_curator.models import load_generic

    torch.set_num_threads(2)
    base, _ = load_generic()
    start = time.monotonic()
    bed = build_bed(args.album, base, keep_images=any("adapters" in m for m in args.methods), say=print)
    users = [u for u in USERS if not args.users or u.name in args.users]
    report = run_bed(bed, users=users, seeds=args.seeds, ks=args.k, methods=args.methods,
                     selections=args.selections, base=base, say=print if args.verbose else (lambda s: None))
    report.meta["seconds"] = time.monotonic() - start
    print(report.format())
    for k in args.k:
        for method in args.methods[1:]:
            if (k, args.selections[0], method) in report.rho:
                kinds = report.by_kind(k, args.selections[0], method)
                print(f"k={k:<3} {method:<12} by kind: " + "  ".join(f"{n} {v:+.2f}" for n, v in kinds.items()))
    if args.markdown:
        print(report.markdown())
    if args.out:
        args.out.write_text(json.dumps(report.to_json(), indent=1))
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
