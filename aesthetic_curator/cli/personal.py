"""``rate``, ``suggest`` and ``train``: teaching the app a user's taste."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..catalog import Catalog
from .args import album_path, existing_file, user_name, whole
from .common import ProgressBar, device_option, known_user, print_skipped, roots_of, scan, scan_options


def cmd_rate(args: argparse.Namespace) -> int:
    from ..personal.service import parse_stars, rate_files, read_ratings_csv

    items: list[tuple[Path, float | None]] = []
    problems: list[str] = []
    if args.csv_file is not None:
        rows, problems = read_ratings_csv(args.csv_file)
        items.extend(rows)
    if args.stars is not None:
        stars = parse_stars(args.stars)  # before anything is read: "rate 7 photo.jpg" is refused at once
        if not args.photos:
            print("error: name the photo(s) to give these stars", file=sys.stderr)
            return 2
        items.extend((Path(os.path.abspath(p)), stars) for p in args.photos)
    if not items and not problems:
        print("error: nothing to rate: give STARS PHOTO... or --csv FILE", file=sys.stderr)
        return 2
    with Catalog(args.catalog) as catalog:
        done, skipped = rate_files(catalog, args.user, items)
        total = len(catalog.ratings(args.user))
    for line in problems:
        print(f"  {line}", file=sys.stderr)
    print_skipped(skipped)
    print(f"{len(done)} rating(s) recorded for {args.user}; {total} in all", file=sys.stderr)
    return 0 if done or not items else 1


def cmd_suggest(args: argparse.Namespace) -> int:
    from ..personal.service import suggest_photos

    roots = roots_of(args)
    if roots is None:
        return 2
    with Catalog(args.catalog) as catalog:
        report = scan(args, catalog, roots, ProgressBar(enabled=not args.quiet))
        picks = suggest_photos(catalog, args.user, report, args.n, method=args.method, seed=args.seed)
        n_rated = len(catalog.ratings(args.user))
    if args.json:
        json.dump({"user": args.user, "method": args.method, "ratings_so_far": n_rated,
                   "suggestions": [str(s.path) for s in picks]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for s in picks:
            print(s.path)
        print(f"{len(picks)} photo(s) to rate next for {args.user} ({n_rated} rated so far); rate them with "
              f"'aesthetic-curator rate --user {args.user} STARS PHOTO...'", file=sys.stderr)
    print_skipped(report.skipped)
    return 0 if picks else 1


class TrainingBar:
    """Progress of personal training on stderr: decoding, then one line per epoch."""

    def __init__(self, enabled: bool = True, stream=sys.stderr):
        self.enabled = enabled
        self.stream = stream

    def __call__(self, p) -> None:
        from ..personal.service import Preparing

        if not self.enabled:
            return
        if isinstance(p, Preparing):
            if p.done == p.total or self.stream.isatty():
                end = "\n" if p.done == p.total else ""
                self.stream.write(f"\rreading rated photos {p.done}/{p.total}{end}")
        else:
            width = 20
            filled = int(width * p.epoch / p.epochs)
            stage = (f"check {p.run}/{p.runs - 1} (adapters on ratings they do not see)" if p.run < p.runs
                     else "final run on every rating")
            self.stream.write(f"[{'#' * filled}{'-' * (width - filled)}] {p.epoch:>2}/{p.epochs}  {stage}  "
                              f"loss {p.train_loss:.3f}  ETA {p.eta_s:.0f}s\n")
        self.stream.flush()


def cmd_train(args: argparse.Namespace) -> int:
    from ..personal.service import NotEnoughRatings, train_user
    from ..personal.training import TrainConfig, TrainingCancelled

    config = TrainConfig(epochs=args.epochs, seed=args.seed)
    with Catalog(args.catalog) as catalog:
        known_user(catalog, args.user)
        try:
            outcome = train_user(catalog, args.user, config=config, device=args.device,
                                 progress=TrainingBar(enabled=not args.quiet))
        except NotEnoughRatings as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except (KeyboardInterrupt, TrainingCancelled):
            print("\ninterrupted: the previous profile (if any) is unchanged", file=sys.stderr)
            return 130
    cv = outcome.result
    print_skipped(outcome.skipped)
    from ..personal.agreement import adapters_sentence, describe

    print(f"trained {args.user} on {outcome.n_ratings} ratings in {outcome.seconds:.0f}s on {cv.result.device}; "
          f"profile: {outcome.path}", file=sys.stderr)
    if outcome.agreement is not None:
        print(adapters_sentence(outcome.agreement, cv.epochs), file=sys.stderr)
        print(describe(outcome.agreement), file=sys.stderr)
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("rate", help="record your star ratings of photos",
                       description="Record USER's ratings (1-5 stars; 0 clears). Ratings follow the photo's "
                                   "content, so they survive moves and renames.")
    p.add_argument("--user", type=user_name, required=True)
    p.add_argument("stars", nargs="?", help="1 to 5 stars, 0 to clear")
    p.add_argument("photos", nargs="*", help="the photo file(s) to give these stars")
    p.add_argument("--csv", dest="csv_file", type=existing_file, default=None, metavar="FILE",
                   help="import 'path,rating' rows (relative paths are relative to the CSV)")
    p.set_defaults(func=cmd_rate)

    p = sub.add_parser("suggest", help="the photos to rate next",
                       description="Suggest photos of ALBUM to rate next: by default a seeded random draw "
                                   "of unrated photos, which taught the personal score as much as or more than "
                                   "Active-PAM (Ren et al. 2017) on real photographs (docs/eval/README.md).")
    p.add_argument("album", nargs="+", type=album_path, help="album folder(s)")
    p.add_argument("--user", type=user_name, required=True)
    p.add_argument("-n", type=whole(1), default=10, help="how many (default 10)")
    p.add_argument("--method", default="random", choices=["random", "active-pam", "coverage", "diversity"],
                   help="random (default), active-pam (Ren et al.'s Algorithm 1), coverage (typical and spread "
                        "photos first) or diversity (farthest first); measured in docs/eval/README.md")
    p.add_argument("--seed", type=int, default=None, help="seed of the random starts (reproducible output)")
    p.add_argument("--json", action="store_true")
    scan_options(p)
    p.set_defaults(func=cmd_suggest)

    p = sub.add_parser("train", help="learn your taste from your ratings",
                       description="Train USER's residual adapters from all their ratings, cross-validated: "
                                   "three runs on two thirds of the ratings judge them on the rest, then a final "
                                   "run on all of them. They become USER's score only if they rank USER's rated "
                                   "photos better than the generic score and the cheap taste models do. The "
                                   "profile is replaced only when training completes.")
    p.add_argument("--user", type=user_name, required=True)
    p.add_argument("--epochs", type=whole(1), default=8,
                   help="epochs of each cross-validation run; the final run keeps the best count (default 8)")
    p.add_argument("--seed", type=int, default=0)
    device_option(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress")
    p.set_defaults(func=cmd_train)
