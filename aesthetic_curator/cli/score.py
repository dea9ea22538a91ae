"""``score``: the album ranked by the generic model, and by a user's own score with ``--user``."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from ..catalog import Catalog
from ..scoring import PhotoScore, ScanReport
from .args import album_path, user_name, user_names, whole
from .cluster import ClusterSession, add_cluster_options
from .common import ProgressBar, known_user, print_skipped, relative, roots_of, scan, scan_options

if TYPE_CHECKING:
    from ..personal.scores import PersonalScores


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


def _print_table(rows: list[PhotoScore], roots: Sequence[Path], out, personal: dict[str, dict[str, float]]) -> None:
    """The ranking; ``personal``: user -> (path -> stars), a column each ("yours" for a lone ``--user``)."""
    names = [relative(s.path, roots) + (f" (+{s.companion.suffix.lstrip('.')})" if s.companion else "")
             for s in rows]  # a RAW+JPEG pair: "IMG_0001.CR3 (+JPG)", one photo
    heads = ["yours"] if len(personal) == 1 and _LONE in personal else [u[:8] for u in personal]
    width = [max(5, len(h)) for h in heads]
    mine = "".join(f"  {h:>{w}}" for h, w in zip(heads, width, strict=True))
    out.write(f"{'rank':>4}  {'score':>5}  {'spread':>6}{mine}  photo\n")
    for rank, (s, name) in enumerate(zip(rows, names, strict=True), 1):
        mine = "".join(f"  {by_path[str(s.path)]:{w}.2f}" for by_path, w in zip(personal.values(), width, strict=True))
        out.write(f"{rank:>4}  {s.mean:5.2f}  {s.std:6.2f}{mine}  {name}\n")


#: The key of a lone ``--user``'s column (shown as "yours", given as "personal" in JSON and CSV).
_LONE = "\0you"


def _users(args: argparse.Namespace, catalog: Catalog) -> list[str]:
    """Whose personal scores are asked for: ``--user``, or ``--users`` (names, or ``all`` of the catalog's)."""
    if args.user:
        return [known_user(catalog, args.user)]
    if not args.users:
        return []
    if args.users == ["all"]:
        return catalog.users()
    return [known_user(catalog, u) for u in dict.fromkeys(args.users)]


def cmd_score(args: argparse.Namespace) -> int:
    roots = roots_of(args)
    if roots is None:
        return 2
    bar = ProgressBar(enabled=not args.quiet)
    mine: dict[str, PersonalScores] = {}
    with Catalog(args.catalog) as catalog, (ClusterSession(args) if args.cluster else nullcontext()) as cluster:
        users = _users(args, catalog)  # before the scan: a typo must not cost one
        try:
            report = cluster.scan(catalog, roots, bar) if cluster else scan(args, catalog, roots, bar)
            from ..personal.service import personal_scores

            # One pass over the photos for everyone: each user's score comes from the scan's features, but for
            # adopted adapters, whose network passes over the album (on the cluster's workers with --cluster).
            for user in users:
                mine[user] = personal_scores(catalog, user, report, device=args.device,
                                             progress=ProgressBar(enabled=not args.quiet),
                                             adapters_stage=cluster.adapters_stage if cluster else None)
                report.skipped.extend(mine[user].skipped)
        except KeyboardInterrupt:
            print("\ninterrupted: photos scored so far are kept in the catalog", file=sys.stderr)
            return 130
    for user, scores in mine.items():
        if scores.source is None:
            print(f"note: no photo here to give {user}'s personal score" if not report.scores else
                  f"note: {user} has no ratings yet, so no personal score (rate photos with 'aesthetic-curator "
                  "rate')", file=sys.stderr)
    personal = {(_LONE if args.user else user): {str(s.path): float(v) for s, v in zip(report.scores, m.scores,
                                                                                        strict=True)}
                for user, m in mine.items() if m.source is not None}
    rows = report.sorted_scores()
    if args.user and personal:  # a user asking for their own scores wants them to lead
        own = personal[_LONE]
        rows.sort(key=lambda s: (-own[str(s.path)], -s.mean, str(s.path)))
    if args.top:
        rows = rows[: args.top]
    _write(args, rows, roots, personal, mine, report)
    for user, scores in mine.items():
        if scores.agreement is not None:
            from ..personal.agreement import describe

            print(f"personal scores of {user}, in stars. {describe(scores.agreement)}", file=sys.stderr)
        if scores.adapters_stale:
            print(f"note: {user} rated photos since the adapters were trained; 'aesthetic-curator train "
                  f"--user {user}' judges them on the new ratings too", file=sys.stderr)
    print_skipped(report.skipped)
    if not report.scores:
        print("error: no photo could be scored", file=sys.stderr)
        return 1
    return 0


def _write(args: argparse.Namespace, rows: list[PhotoScore], roots: Sequence[Path],
           personal: dict[str, dict[str, float]], mine: dict[str, PersonalScores], report: ScanReport) -> None:
    """The ranking on stdout as JSON, CSV or a table; one personal column per user (``personal`` for one
    ``--user``, ``personal:NAME`` with ``--users``)."""
    out = sys.stdout
    names = {key: ("personal" if key == _LONE else f"personal:{key}") for key in personal}
    if args.json:
        results = []
        for s in rows:
            item = _result_dict(s, roots)
            if _LONE in personal:
                item["personal"] = round(personal[_LONE][str(s.path)], 4)
            elif personal:
                item["personal"] = {u: round(by_path[str(s.path)], 4) for u, by_path in personal.items()}
            results.append(item)
        doc = {"model": rows[0].model_id if rows else None, "results": results,
               "skipped": [{"path": str(k.path), "reason": k.reason} for k in report.skipped]}
        if args.user:
            m = mine[args.user]
            doc["user"] = args.user
            doc["personal_source"] = m.source
            if m.agreement is not None:
                doc["agreement"] = m.agreement.to_state()
        elif mine:
            doc["users"] = {u: {"personal_source": m.source,
                                "agreement": m.agreement.to_state() if m.agreement is not None else None}
                            for u, m in mine.items()}
        json.dump(doc, out, indent=2)
        out.write("\n")
    elif args.csv:
        writer = csv.writer(out)
        writer.writerow(["rank", "path", "mean", "std", *names.values(), *[f"p{i}" for i in range(1, 11)], "model"])
        for rank, s in enumerate(rows, 1):
            own = [f"{by_path[str(s.path)]:.4f}" for by_path in personal.values()]
            writer.writerow([rank, str(s.path), f"{s.mean:.4f}", f"{s.std:.4f}", *own,
                             *[f"{v:.5f}" for v in s.distribution], s.model_id])
    else:
        _print_table(rows, roots, out, personal)


def add_parsers(sub) -> None:
    p = sub.add_parser("score", help="score every photo in an album (recursively)",
                       description="Score every photo under ALBUM with the generic aesthetic model. "
                                   "Results are cached in the catalog: unchanged photos are not re-scored.")
    p.add_argument("album", nargs="+", type=album_path, help="album folder(s) or photo file(s)")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--user", type=user_name, default=None, help="add this user's personal score (and sort by it)")
    who.add_argument("--users", type=user_names, default=None, metavar="NAMES",
                     help="add the personal scores of these users (comma-separated, or 'all'), a column each, "
                          "from one pass over the photos")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print results as JSON")
    fmt.add_argument("--csv", action="store_true", help="print results as CSV")
    p.add_argument("--top", type=whole(1), default=None, metavar="N", help="only the N best photos")
    scan_options(p)
    add_cluster_options(p)
    p.set_defaults(func=cmd_score)
