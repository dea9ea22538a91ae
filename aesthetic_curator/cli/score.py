"""``score``: the album ranked by the generic model, and by a user's own score with ``--user``."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from ..catalog import Catalog
from ..scoring import PhotoScore
from .args import album_path, user_name, whole
from .cluster import add_cluster_options, cluster_scan
from .common import ProgressBar, known_user, print_skipped, relative, roots_of, scan, scan_options


def _result_dict(s: PhotoScore, roots: Sequence[Path]) -> dict:
    return {
        "path": str(s.path),
        "name": relative(s.path, roots),
        "mean": round(s.mean, 4),
        "std": round(s.std, 4),
        "distribution": [round(float(v), 5) for v in s.distribution],
        "model": s.model_id,
        "cached": s.cached,
        "companion": str(s.companion) if s.companion is not None else None,  # the JPEG of a RAW+JPEG pair
    }


def _print_table(rows: list[PhotoScore], roots: Sequence[Path], out, personal: dict[str, float] | None = None
                 ) -> None:
    names = [relative(s.path, roots) + (f" (+{s.companion.suffix.lstrip('.')})" if s.companion else "")
             for s in rows]  # a RAW+JPEG pair: "IMG_0001.CR3 (+JPG)", one photo
    mine = f"  {'yours':>5}" if personal is not None else ""
    out.write(f"{'rank':>4}  {'score':>5}  {'spread':>6}{mine}  photo\n")
    for rank, (s, name) in enumerate(zip(rows, names, strict=True), 1):
        mine = f"  {personal[str(s.path)]:5.2f}" if personal is not None else ""
        out.write(f"{rank:>4}  {s.mean:5.2f}  {s.std:6.2f}{mine}  {name}\n")


def cmd_score(args: argparse.Namespace) -> int:
    roots = roots_of(args)
    if roots is None:
        return 2
    bar = ProgressBar(enabled=not args.quiet)
    personal: dict[str, float] | None = None
    source = None
    agreement = None
    stale = False
    with Catalog(args.catalog) as catalog:
        if args.user:
            known_user(catalog, args.user)  # before the scan: a typo must not cost one
        try:
            report = (cluster_scan if args.cluster else scan)(args, catalog, roots, bar)
            if args.user:
                from ..personal.service import personal_scores

                mine = personal_scores(catalog, args.user, report, device=args.device,
                                       progress=ProgressBar(enabled=not args.quiet))
                source, agreement, stale = mine.source, mine.agreement, mine.adapters_stale
                if source is None and not report.scores:
                    print(f"note: no photo here to give {args.user}'s personal score", file=sys.stderr)
                elif source is None:
                    print(f"note: {args.user} has no ratings yet, so no personal score "
                          f"(rate photos with 'aesthetic-curator rate')", file=sys.stderr)
                else:
                    personal = {str(s.path): float(v) for s, v in zip(report.scores, mine.scores, strict=True)}
                    report.skipped.extend(mine.skipped)
        except KeyboardInterrupt:
            print("\ninterrupted: photos scored so far are kept in the catalog", file=sys.stderr)
            return 130
    rows = report.sorted_scores()
    if personal is not None:  # a user asking for their own scores wants them to lead
        rows.sort(key=lambda s: (-personal[str(s.path)], -s.mean, str(s.path)))
    if args.top:
        rows = rows[: args.top]
    out = sys.stdout
    if args.json:
        results = []
        for s in rows:
            item = _result_dict(s, roots)
            if personal is not None:
                item["personal"] = round(personal[str(s.path)], 4)
            results.append(item)
        doc = {"model": rows[0].model_id if rows else None, "results": results,
               "skipped": [{"path": str(k.path), "reason": k.reason} for k in report.skipped]}
        if args.user:
            doc["user"] = args.user
            doc["personal_source"] = source
            if agreement is not None:
                doc["agreement"] = agreement.to_state()
        json.dump(doc, out, indent=2)
        out.write("\n")
    elif args.csv:
        writer = csv.writer(out)
        extra = ["personal"] if personal is not None else []
        writer.writerow(["rank", "path", "mean", "std", *extra, *[f"p{i}" for i in range(1, 11)], "model"])
        for rank, s in enumerate(rows, 1):
            mine = [f"{personal[str(s.path)]:.4f}"] if personal is not None else []
            writer.writerow([rank, str(s.path), f"{s.mean:.4f}", f"{s.std:.4f}", *mine,
                             *[f"{v:.5f}" for v in s.distribution], s.model_id])
    else:
        _print_table(rows, roots, out, personal)
    if agreement is not None:
        from ..personal.agreement import describe

        print(f"personal scores of {args.user}, in stars. {describe(agreement)}", file=sys.stderr)
        if stale:
            print(f"note: {args.user} rated photos since the adapters were trained; 'aesthetic-curator train "
                  f"--user {args.user}' judges them on the new ratings too", file=sys.stderr)
    print_skipped(report.skipped)
    if not report.scores:
        print("error: no photo could be scored", file=sys.stderr)
        return 1
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("score", help="score every photo in an album (recursively)",
                       description="Score every photo under ALBUM with the generic aesthetic model. "
                                   "Results are cached in the catalog: unchanged photos are not re-scored.")
    p.add_argument("album", nargs="+", type=album_path, help="album folder(s) or photo file(s)")
    p.add_argument("--user", type=user_name, default=None, help="add this user's personal score (and sort by it)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print results as JSON")
    fmt.add_argument("--csv", action="store_true", help="print results as CSV")
    p.add_argument("--top", type=whole(1), default=None, metavar="N", help="only the N best photos")
    scan_options(p)
    add_cluster_options(p)
    p.set_defaults(func=cmd_score)
