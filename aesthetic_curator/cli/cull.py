"""The culling and interoperability commands: ``groups``, ``xmp write|import`` and ``export``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from ..catalog import Catalog
from ..pairs import PAIR_CHOICES
from ..xmp import DEFAULT_PICK_LABEL, SIDECAR_STYLES
from .args import album_path, folder_to_fill, new_file, user_name, whole
from .common import (
    ProgressBar,
    count_bar,
    known_user,
    personal_scores_of,
    print_skipped,
    relative,
    roots_of,
    scan,
    scan_options,
)


def cmd_groups(args: argparse.Namespace) -> int:
    from ..album_state import Album
    from ..culling import group_album

    roots = roots_of(args)
    if roots is None:
        return 2
    if args.keep_best and not args.user:
        print("error: --keep-best marks photos for a user: give --user", file=sys.stderr)
        return 2
    with Catalog(args.catalog) as catalog:
        if args.user and not args.keep_best:  # keeping the best marks photos: a new user is welcome
            known_user(catalog, args.user)
        report = scan(args, catalog, roots, ProgressBar(enabled=not args.quiet))
        personal = personal_scores_of(args, catalog, report)
        album = Album.from_scan(report, catalog, args.user) if args.user else None  # rows: report.scores
        stars = (np.array([album.stars.get(s.photo_id, 0) for s in report.scores], np.float64)
                 if album is not None else None)
        groups = group_album(catalog, report, personal=personal, stars=stars)
        changed = album.keep_best(catalog, groups) if album is not None and args.keep_best else []
    scores = report.scores
    if args.json:
        doc = {"groups": [{"best": str(scores[g.best].path),
                           "photos": [{"path": str(scores[i].path), "generic": round(scores[i].mean, 4),
                                       **({"personal": round(float(personal[i]), 4)} if personal is not None
                                          else {})} for i in g.members]} for g in groups],
               "photos": len(scores), "flags_changed": len(changed)}
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for k, g in enumerate(groups, 1):
            print(f"group {k}: {len(g.members)} photos")
            for i in sorted(g.members, key=lambda i: (i != g.best, -scores[i].mean)):
                mine = f"  yours {personal[i]:4.2f}" if personal is not None else ""
                star = "*" if i == g.best else " "
                print(f"  {star} {scores[i].mean:5.2f}{mine}  {relative(scores[i].path, roots)}")
        grouped = sum(len(g.members) for g in groups)
        print(f"{len(groups)} group(s) holding {grouped} of {len(scores)} photos; * marks the best of each"
              + (f"; {len(changed)} flag(s) set for {args.user} (best picked, rest rejected)" if args.keep_best
                 else ""), file=sys.stderr)
    print_skipped(report.skipped)
    return 0


def cmd_xmp_write(args: argparse.Namespace) -> int:
    from ..interop import write_sidecars

    roots = roots_of(args)
    if roots is None:
        return 2
    with Catalog(args.catalog) as catalog:
        known_user(catalog, args.user)  # before the scan: a typo must not cost one
        report = scan(args, catalog, roots, ProgressBar(enabled=not args.quiet))
        personal = personal_scores_of(args, catalog, report)
        by_hash = ({s.content_hash: float(v) for s, v in zip(report.scores, personal, strict=True)
                    if not np.isnan(v)} if personal is not None else None)
        result = write_sidecars(catalog, args.user, report.scores, style=args.style, personal=by_hash,
                                everything=args.all, pick_label=args.pick_label,
                                progress=count_bar(args.quiet, "sidecars"))
    print_skipped(report.skipped + result.skipped)
    print(f"{len(result.written)} sidecar(s) written ({args.style} naming) for {args.user}", file=sys.stderr)
    return 0 if not result.skipped else 1


def cmd_xmp_import(args: argparse.Namespace) -> int:
    from ..album import find_photos
    from ..interop import import_ratings

    roots = roots_of(args)
    if roots is None:
        return 2
    paths: list[Path] = []
    for root in roots:
        paths.extend(find_photos(root))
    with Catalog(args.catalog) as catalog:
        result = import_ratings(catalog, args.user, sorted(set(paths)), style=args.style,
                                pick_label=args.pick_label, overwrite=args.overwrite,
                                progress=count_bar(args.quiet, "reading XMP"))
        total = len(catalog.ratings(args.user))
    print_skipped(result.skipped)
    kept = (f"; {result.kept} kept as rated here (--overwrite replaces them)" if result.kept else "")
    print(f"imported {result.ratings} star rating(s) and {result.flags} flag(s) for {args.user} "
          f"({result.unmarked} photo(s) had none){kept}; {total} rating(s) in all"
          + (f"; train with 'aesthetic-curator train --user {args.user}'" if total >= 5 else ""), file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import threading

    from ..export import choose, export_photos, write_report

    roots = roots_of(args)
    if roots is None:
        return 2
    selection = "picks" if args.picks else "top" if args.top is not None else "stars"
    if selection != "top" and not args.user:
        print("error: picks and stars are a user's: give --user", file=sys.stderr)
        return 2
    dest = args.dest
    if dest in roots:  # copies beside their originals (name-2.jpg), or a move that moves nothing
        print(f"error: {dest} is the album itself: export into another folder (a new one inside the album is "
              "fine)", file=sys.stderr)
        return 2
    cancel = threading.Event()
    with Catalog(args.catalog) as catalog:
        if args.user:
            known_user(catalog, args.user)
        report = scan(args, catalog, roots, ProgressBar(enabled=not args.quiet))
        personal = personal_scores_of(args, catalog, report)
        by_hash = ({s.content_hash: float(v) for s, v in zip(report.scores, personal, strict=True)}
                   if personal is not None else None)
        items = choose(report.scores, catalog, args.user, selection=selection, top=args.top or 0,
                       min_stars=args.min_stars or 0, personal=by_hash)
        if not items:
            print(f"nothing to export: no photo matches --{selection.replace('stars', 'min-stars')}",
                  file=sys.stderr)
            return 1
        try:
            result = export_photos(items, dest, move=args.move, sidecars=None if args.sidecars == "none"
                                   else args.sidecars, user=args.user, pick_label=args.pick_label,
                                   catalog=catalog, progress=count_bar(args.quiet, "exporting"), cancel=cancel,
                                   pairs=args.pairs)
        except KeyboardInterrupt:
            print("\ninterrupted: the photos exported so far are complete; the rest were not touched",
                  file=sys.stderr)
            return 130
    report_path = write_report(result, Path(args.report)) if args.report is not None else None
    for e in result.exported:
        print(e.destination)
        if e.companion is not None:
            print(e.companion)
    print_skipped(report.skipped + result.skipped)
    verb = "moved" if args.move else "copied"
    print(f"{len(result.exported)} photo(s) {verb} to {dest}"
          + (f"; report in {report_path}" if report_path else ""), file=sys.stderr)
    return 0 if not result.skipped else 1


def add_parsers(sub) -> None:
    p = sub.add_parser("groups", help="bursts and near-duplicates, with the best of each",
                       description="Group the photos of ALBUM that are takes of the same shot (features, "
                                   "capture time, perceptual hash) and mark the best of each: the user's "
                                   "stars, else their personal score, else the generic score.")
    p.add_argument("album", nargs="+", type=album_path, help="album folder(s)")
    p.add_argument("--user", type=user_name, default=None, help="choose the best by this user's taste")
    p.add_argument("--keep-best", action="store_true",
                   help="pick the best of each group and reject the rest, for --user (undo in the app)")
    p.add_argument("--json", action="store_true")
    scan_options(p)
    p.set_defaults(func=cmd_groups)

    p = sub.add_parser("xmp", help="star ratings to and from XMP sidecars (Lightroom, darktable, digiKam)",
                       description="Write USER's stars, picks and rejects and the scores to XMP sidecars, or "
                                   "import the star ratings other apps wrote as USER's ratings.")
    xsub = p.add_subparsers(dest="xmp_command", metavar="ACTION", required=True)
    for name, helptext in (("write", "write sidecars beside the photos (the photos are never modified)"),
                           ("import", "import ratings from sidecars, else the XMP inside the photos")):
        x = xsub.add_parser(name, help=helptext, description=helptext)
        x.add_argument("album", nargs="+", type=album_path, help="album folder(s)")
        x.add_argument("--user", type=user_name, required=True)
        x.add_argument("--style", choices=SIDECAR_STYLES, default="darktable",
                       help="sidecar name: darktable (photo.jpg.xmp, default; digiKam's default too) or "
                            "lightroom (photo.xmp); an existing sidecar of either name is used")
        x.add_argument("--pick-label", default=DEFAULT_PICK_LABEL,
                       help=f"colour label that marks a pick (default {DEFAULT_PICK_LABEL}; '' for none)")
        if name == "write":
            x.add_argument("--all", action="store_true", help="a sidecar for every photo, not only marked ones")
            scan_options(x)
            x.set_defaults(func=cmd_xmp_write)
        else:
            x.add_argument("--overwrite", action="store_true",
                           help="replace ratings already made here (default: keep them)")
            x.add_argument("-q", "--quiet", action="store_true", help="no progress")
            x.set_defaults(func=cmd_xmp_import)

    p = sub.add_parser("export", help="copy (or move) the picks, the top N or starred photos",
                       description="Copy the chosen photos of ALBUM to DEST with sidecars. Nothing is ever "
                                   "overwritten (name-2.jpg on a collision); originals are untouched unless "
                                   "--move is given.")
    p.add_argument("album", nargs="+", type=album_path, help="album folder(s)")
    p.add_argument("dest", type=folder_to_fill, help="destination folder (created if needed)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--picks", action="store_true", help="the user's picks")
    which.add_argument("--top", type=whole(1), metavar="N", help="the N best (the user's taste with --user)")
    which.add_argument("--min-stars", type=whole(1, 5), metavar="S", help="photos the user rated S stars (1-5) or more")
    p.add_argument("--user", type=user_name, default=None)
    p.add_argument("--move", action="store_true", help="move instead of copy (the originals leave the album)")
    p.add_argument("--sidecars", choices=(*SIDECAR_STYLES, "none"), default="darktable",
                   help="sidecar naming for the exported photos (default darktable: photo.jpg.xmp)")
    p.add_argument("--pairs", choices=PAIR_CHOICES, default="both",
                   help="of a RAW+JPEG pair, export both files (default), the RAW only, or the JPEG only")
    p.add_argument("--pick-label", default=DEFAULT_PICK_LABEL, help=argparse.SUPPRESS)
    p.add_argument("--report", type=new_file, default=None, metavar="FILE",
                   help="write a report of what went where, with scores and ratings (.csv or .json)")
    scan_options(p)
    p.set_defaults(func=cmd_export)
