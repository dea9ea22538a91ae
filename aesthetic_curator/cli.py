"""The ``aesthetic-curator`` command. Sub-commands work headless; the GUI calls the same core."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .catalog import Catalog, default_catalog_path
from .cli_args import (
    album_path,
    device_name,
    existing_file,
    existing_folder,
    file_or_folder_to_write,
    new_file,
    number,
    user_name,
    whole,
)
from .errors import UnknownUserError, UserError
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


def _print_table(rows: list[PhotoScore], roots: Sequence[Path], out, personal: dict[str, float] | None = None
                 ) -> None:
    names = [_relative(s.path, roots) for s in rows]
    mine = f"  {'yours':>5}" if personal is not None else ""
    out.write(f"{'rank':>4}  {'score':>5}  {'spread':>6}{mine}  photo\n")
    for rank, (s, name) in enumerate(zip(rows, names, strict=True), 1):
        mine = f"  {personal[str(s.path)]:5.2f}" if personal is not None else ""
        out.write(f"{rank:>4}  {s.mean:5.2f}  {s.std:6.2f}{mine}  {name}\n")


def _scan(args: argparse.Namespace, catalog: Catalog, roots: list[Path], bar: ProgressBar) -> ScanReport:
    """The generic scan every album command starts with (answered from the catalog when it can)."""
    from .scoring import Scorer, score_album

    def factory() -> Scorer:
        return Scorer.generic(args.model, args.checkpoint, device=args.device, batch_size=args.batch_size)

    scorer: Scorer | None = None
    if args.model != "nima-mobilenet" or args.checkpoint is not None:
        scorer = factory()  # custom checkpoints: the id depends on the file, so build it now
    return score_album(roots, catalog, scorer=scorer or factory, progress=bar, decode_workers=args.workers)


def _roots(args: argparse.Namespace) -> list[Path] | None:
    """The album folders (or photos) named, in order, each once; the parser checked they exist,
    so None only when one has gone since."""
    roots = list(dict.fromkeys(Path(os.path.abspath(p)) for p in args.album))
    for root in roots:
        if not root.exists():
            print(f"error: {root}: no such folder or file", file=sys.stderr)
            return None
    return roots


def known_user(catalog: Catalog, user: str) -> str:
    """``user`` when the catalog knows them; else :class:`UnknownUserError` naming who it knows
    (a typo must not read as "that user marked nothing")."""
    users = catalog.users()
    if user not in users:
        known = ", ".join(users) if users else "none yet (rate photos to make one)"
        raise UnknownUserError(f"no user named {user!r} in the catalog; users: {known}")
    return user


def _print_skipped(skipped) -> None:
    if skipped:
        print(f"\nskipped {len(skipped)} file(s):", file=sys.stderr)
        for k in sorted(skipped, key=lambda k: str(k.path)):
            print(f"  {k.path}: {k.reason}", file=sys.stderr)


def cmd_score(args: argparse.Namespace) -> int:
    roots = _roots(args)
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
            report = _scan(args, catalog, roots, bar)
            if args.user:
                from .personal.service import personal_scores

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
        from .personal.agreement import describe

        print(f"personal scores of {args.user}, in stars. {describe(agreement)}", file=sys.stderr)
        if stale:
            print(f"note: {args.user} rated photos since the adapters were trained; 'aesthetic-curator train "
                  f"--user {args.user}' judges them on the new ratings too", file=sys.stderr)
    _print_skipped(report.skipped)
    if not report.scores:
        print("error: no photo could be scored", file=sys.stderr)
        return 1
    return 0


def cmd_rate(args: argparse.Namespace) -> int:
    from .personal.service import parse_stars, rate_files, read_ratings_csv

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
    _print_skipped(skipped)
    print(f"{len(done)} rating(s) recorded for {args.user}; {total} in all", file=sys.stderr)
    return 0 if done or not items else 1


def cmd_suggest(args: argparse.Namespace) -> int:
    from .personal.service import suggest_photos

    roots = _roots(args)
    if roots is None:
        return 2
    with Catalog(args.catalog) as catalog:
        report = _scan(args, catalog, roots, ProgressBar(enabled=not args.quiet))
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
    _print_skipped(report.skipped)
    return 0 if picks else 1


class TrainingBar:
    """Progress of personal training on stderr: decoding, then one line per epoch."""

    def __init__(self, enabled: bool = True, stream=sys.stderr):
        self.enabled = enabled
        self.stream = stream

    def __call__(self, p) -> None:
        from .personal.service import Preparing

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
    from .personal.service import NotEnoughRatings, train_user
    from .personal.training import TrainConfig, TrainingCancelled

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
    _print_skipped(outcome.skipped)
    from .personal.agreement import adapters_sentence, describe

    print(f"trained {args.user} on {outcome.n_ratings} ratings in {outcome.seconds:.0f}s on {cv.result.device}; "
          f"profile: {outcome.path}", file=sys.stderr)
    if outcome.agreement is not None:
        print(adapters_sentence(outcome.agreement, cv.epochs), file=sys.stderr)
        print(describe(outcome.agreement), file=sys.stderr)
    return 0


def cmd_saliency(args: argparse.Namespace) -> int:
    import numpy as np
    from PIL import Image

    from .errors import PhotoError
    from .explain import overlay, smoothgrad
    from .imaging import load_photo

    if args.out.exists() and not args.force:
        print(f"error: {args.out} exists (use --force to replace it)", file=sys.stderr)
        return 2
    if args.out.resolve() == args.photo.resolve():
        print("error: the output would replace the photo itself", file=sys.stderr)
        return 2
    try:
        photo = np.asarray(load_photo(args.photo).convert("RGB"))
    except PhotoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    model = _scoring_model(args)
    heat = smoothgrad(model, photo, samples=args.samples, noise=args.noise, seed=args.seed, device=args.device)
    image = overlay(photo, heat) if not args.map_only else (heat * 255).astype(np.uint8)
    Image.fromarray(image).save(args.out)
    print(f"saliency of {'the personal score of ' + args.user if args.user else 'the generic score'} "
          f"written to {args.out}", file=sys.stderr)
    return 0


def cmd_enhance(args: argparse.Namespace) -> int:
    from .enhance import fgsm, load_for_edit, natural, scores_around
    from .errors import PhotoError
    from .export_edit import export_edited

    if args.out is not None and not args.out.is_dir() and args.out.resolve() == args.photo.resolve():
        print("error: the output would replace the photo itself (the original is never modified)", file=sys.stderr)
        return 2
    try:
        photo = load_for_edit(args.photo)
    except PhotoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    base, personal = _scoring_models(args)
    model = personal if personal is not None else base
    if args.mode == "fgsm":
        result = fgsm(model, photo, epsilon=args.epsilon, steps=args.steps, magnitude=args.magnitude,
                      device=args.device)
    else:
        result = natural(model, photo, strength=args.strength, device=args.device)
    written = export_edited(args.photo, result.apply, args.out)
    scores = [(f"{args.user}'s predicted stars" if personal is not None else "generic score",
               (result.before, result.after))]
    if personal is not None:  # what following the user's taste did to the crowd's score
        scores += scores_around({"generic score": base}, photo, result.photo, args.device).items()
    print("; ".join(f"{whose}: {a:.2f} -> {b:.2f}" for whose, (a, b) in scores)
          + f" ({args.mode}); written to {written}")
    if args.mode == "natural":
        print("  adjustments: " + ", ".join(f"{k} {v:+.3f}" for k, v in result.params.items()))
    return 0


def _scoring_models(args: argparse.Namespace) -> tuple[object, object | None]:
    """The generic network, and the user's personal network when ``--user`` names a trained profile."""
    from .models import load_generic
    from .personal.service import personal_network

    base, spec = load_generic()
    if not getattr(args, "user", None):
        return base, None
    personal = personal_network(args.user, base, spec)
    if personal is None:
        raise UserError(f"{args.user} has no trained personal model yet: run 'aesthetic-curator train --user "
                        f"{args.user}' first")
    return base, personal


def _scoring_model(args: argparse.Namespace):
    """The network whose score a command follows: the user's personal one with ``--user``."""
    base, personal = _scoring_models(args)
    return personal if personal is not None else base


def _eval_output(args: argparse.Namespace, report) -> int:
    from .evaluation.stats import SUMMARY_COLUMNS, format_table

    print(format_table(report.table(), columns=(*SUMMARY_COLUMNS, "gain")))
    if report.curve:
        print("\nmean Spearman of PAM vs number of ratings, by how the photos to rate were chosen:")
        print(report.format_curve())
    if report.seconds:
        print("\nmedian seconds per fit: " + ", ".join(f"{k} {v:.3g}" for k, v in sorted(report.seconds.items())))
    if args.out is not None:
        args.out.write_text(json.dumps(report.to_json(), indent=1))
        print(f"\nwritten to {args.out}", file=sys.stderr)
    return 0


def cmd_eval_simulate(args: argparse.Namespace) -> int:
    from .evaluation.simulated import build_album, run_simulation
    from .models import load_generic

    base, _ = load_generic()
    album = build_album(args.album, base, n_variants=args.variants, seed=args.seed)
    say = (lambda line: print(line, file=sys.stderr, flush=True)) if not args.quiet else (lambda line: None)
    say(f"{len(album.images)} photos ({args.variants} variants of {len(set(album.scene.tolist()))} scenes)")
    report = run_simulation(album, base, strength=args.strength, noise_sd=args.noise, ks=args.k,
                            methods=args.methods, selections=args.selections, trials=args.trials,
                            curve_seeds=args.curve_seeds, seed=args.seed, device=args.device, say=say)
    return _eval_output(args, report)


def cmd_eval_flickr(args: argparse.Namespace) -> int:
    from .evaluation.flickr_aes import THESIS_TRIALS, load_flickr_aes, load_test_workers, split
    from .evaluation.protocol import default_test_workers, run_flickr_aes
    from .models import load_generic

    dataset = load_flickr_aes(args.root)
    workers = load_test_workers(args.test_workers) if args.test_workers else default_test_workers(args.root)
    the_split = split(dataset, workers)
    base, spec = load_generic(args.model, args.checkpoint)
    trials = {k: args.trials or THESIS_TRIALS.get(k, 3) for k in args.k}
    say = (lambda line: print(line, file=sys.stderr, flush=True)) if not args.quiet else (lambda line: None)
    with Catalog(args.catalog) as catalog:
        report = run_flickr_aes(dataset, the_split, catalog, base, spec=spec, ks=args.k, methods=args.methods,
                                selections=args.selections, trials=trials, max_workers=args.max_workers,
                                seed=args.seed, device=args.device, say=say)
    return _eval_output(args, report)


def _eval_options(p: argparse.ArgumentParser) -> None:
    from .evaluation.methods import METHODS, SELECTIONS

    p.add_argument("--k", type=whole(1), nargs="+", default=[10, 100], help="ratings per user (default: 10 100)")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    p.add_argument("--selections", nargs="+", default=list(SELECTIONS), choices=SELECTIONS,
                   help="how the k photos are chosen (default: both)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", type=device_name, default="auto", help="auto (default), cpu, cuda, cuda:1 or mps")
    p.add_argument("--out", type=new_file, default=None, help="also write the full results as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no per-user lines")


def cmd_desktop(args: argparse.Namespace) -> int:
    from . import desktop

    if args.action == "remove":
        gone = desktop.remove()
        print(f"removed {len(gone)} file(s)" + "".join(f"\n  {p}" for p in gone), file=sys.stderr)
        return 0
    paths = desktop.install()
    print(f"menu entry: {paths['entry']}\nicon: {paths['svg']}\nAesthetic Curator is in your desktop's menu "
          "(Graphics or Photography); 'aesthetic-curator desktop remove' takes it out", file=sys.stderr)
    return 0


def _gui(argv: list[str]) -> int:
    """The desktop app (``aesthetic-curator`` or ``aesthetic-curator PATH``)."""
    if argv and not Path(argv[0]).is_dir():
        print(f"error: {argv[0]} is not a folder of photos (or a command; see --help)", file=sys.stderr)
        return 2
    from .gui.system_libs import display_problem

    problem = display_problem()  # Qt would abort the process instead of saying this
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    try:
        from .gui.app import run
    except ImportError as exc:
        print(f"error: the desktop app needs PySide6 ({exc}); the commands work without it", file=sys.stderr)
        return 2
    return run(argv)


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
    p.add_argument("album", nargs="+", type=album_path, help="album folder(s) or photo file(s)")
    p.add_argument("--user", type=user_name, default=None, help="add this user's personal score (and sort by it)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print results as JSON")
    fmt.add_argument("--csv", action="store_true", help="print results as CSV")
    p.add_argument("--top", type=whole(1), default=None, metavar="N", help="only the N best photos")
    _scan_options(p)
    p.set_defaults(func=cmd_score)

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
    _scan_options(p)
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
    p.add_argument("--device", type=device_name, default="auto", help="auto (default), cpu, cuda, cuda:1 or mps")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("saliency", help="show where the model looks (SmoothGrad)",
                       description="Write an image showing which parts of PHOTO the score depends on most "
                                   "(SmoothGrad of the generic score, or of USER's personal score).")
    p.add_argument("photo", type=existing_file)
    p.add_argument("out", type=new_file, help="output image (PNG advised); the photo itself is never touched")
    p.add_argument("--user", type=user_name, default=None,
                   help="explain this user's personal score (needs a trained profile)")
    p.add_argument("--samples", type=whole(1, 1000), default=25, help="noisy copies averaged (default 25)")
    p.add_argument("--noise", type=number(0, 1), default=0.2,
                   help="noise sd as a fraction of the range, 0 to 1 (default 0.2)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--map-only", action="store_true", help="write the grey-level map instead of the overlay")
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")
    p.add_argument("--device", type=device_name, default="auto", help="auto (default), cpu, cuda, cuda:1 or mps")
    p.set_defaults(func=cmd_saliency)

    p = sub.add_parser("enhance", help="raise a photo's score and export the result as a new file",
                       description="Edit PHOTO along the gradient of its score (generic, or USER's) and write "
                                   "the result as a new file (same format, quality, EXIF and ICC profile). "
                                   "The original is never modified.")
    p.add_argument("photo", type=existing_file)
    p.add_argument("out", type=file_or_folder_to_write, nargs="?", default=None,
                   help="file or folder (default: NAME-enhanced.EXT beside the photo; never overwrites)")
    p.add_argument("--mode", choices=["natural", "fgsm"], default="natural",
                   help="natural: global adjustments (default); fgsm: the fast gradient sign step")
    p.add_argument("--epsilon", type=number(0, 255, above=True), default=3.0,
                   help="fgsm: largest change per pixel, more than 0 and up to 255 (default 3)")
    p.add_argument("--steps", type=whole(1, 100), default=1, help="fgsm: iterative steps, 1-100 (default 1)")
    p.add_argument("--magnitude", action="store_true", help="fgsm: scale by the gradient's magnitude (thesis V2)")
    p.add_argument("--strength", type=number(0, 1), default=1.0, help="natural: 0 (none) to 1 (as found) (default 1)")
    p.add_argument("--user", type=user_name, default=None,
                   help="enhance for this user's taste (needs a trained profile)")
    p.add_argument("--device", type=device_name, default="auto", help="auto (default), cpu, cuda, cuda:1 or mps")
    p.set_defaults(func=cmd_enhance)

    p = sub.add_parser("eval", help="measure how well personalisation works",
                       description="Evaluate the personalisation methods (generic, PAM offsets, last-layers "
                                   "fine-tune, residual adapters) with random or Active-PAM selection.")
    esub = p.add_subparsers(dest="eval_command", metavar="PROTOCOL", required=True)
    e = esub.add_parser("simulate", help="simulated raters with hidden preferences on a real album",
                        description="Simulated users rate variants of a real album's photos as the generic "
                                    "score plus a hidden preference (warmth, saturation, brightness, contrast, "
                                    "sharpness, a feature direction) plus noise; see "
                                    "aesthetic_curator/evaluation/simulated.py.")
    e.add_argument("--album", type=existing_folder, default=Path("../shared/data/kodak24"),
                   help="folder of photos to vary (default: ../shared/data/kodak24)")
    e.add_argument("--variants", type=whole(1), default=12, help="variants per photo (default 12)")
    e.add_argument("--strength", type=number(0), default=1.0,
                   help="weight of the hidden preference relative to the generic score (default 1)")
    e.add_argument("--noise", type=number(0), default=0.5, help="sd of the rating noise, in latent sds (default 0.5)")
    e.add_argument("--trials", type=whole(1), default=1, help="trials per user and k (default 1)")
    e.add_argument("--curve-seeds", type=whole(1), default=5, help="random seeds per user for the curve (default 5)")
    _eval_options(e)
    e.set_defaults(func=cmd_eval_simulate)
    e = esub.add_parser("flickr-aes", help="the FLICKR-AES per-worker protocol (thesis Table 6.1)",
                        description="Run the FLICKR-AES protocol on your copy of the dataset: ROOT holds "
                                    "FLICKR-AES_image_labeled_by_each_worker.csv, FLICKR-AES_image_score.txt "
                                    "and 40K/.")
    e.add_argument("root", type=existing_folder)
    e.add_argument("--test-workers", type=existing_file, default=None,
                   help="csv of test worker ids (default: test_workers_ID.csv in or beside ROOT)")
    e.add_argument("--trials", type=whole(1), default=None, help="trials per worker (default: the thesis's, 10 / 3)")
    e.add_argument("--max-workers", type=whole(1), default=None, help="only the first N test workers")
    e.add_argument("--model", default="nima-mobilenet", choices=["nima-mobilenet", "resnet18"])
    e.add_argument("--checkpoint", type=existing_file, default=None, help="a generic checkpoint of your own")
    _eval_options(e)
    e.set_defaults(func=cmd_eval_flickr)
    p = sub.add_parser("desktop", help="put the app in your desktop's menu (Linux), or take it out",
                       description="install: write a freedesktop menu entry and the app's icon under "
                                   "$XDG_DATA_HOME (~/.local/share), starting this installation's app; run it "
                                   "again if you move the virtual environment. remove: take them away.")
    p.add_argument("action", choices=["install", "remove"])
    p.set_defaults(func=cmd_desktop)
    from .cli_cull import add_parsers

    add_parsers(sub, _scan_options)
    parser.command_names = frozenset(sub.choices)  # type: ignore[attr-defined]
    return parser


def _scan_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default="nima-mobilenet", choices=["nima-mobilenet", "resnet18"],
                   help="generic model architecture (default: the shipped NIMA MobileNet)")
    p.add_argument("--checkpoint", type=existing_file, default=None,
                   help="state dict of your own generic model (required for resnet18)")
    p.add_argument("--device", type=device_name, default="auto", help="auto (default), cpu, cuda, cuda:1 or mps")
    p.add_argument("--batch-size", type=whole(1, 4096), default=32, help="photos per forward pass (default 32)")
    p.add_argument("--workers", type=whole(1, 64), default=None, help="decode threads (default: up to 4)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = parser.command_names  # type: ignore[attr-defined]
    if not argv or (len(argv) == 1 and argv[0] not in commands and not argv[0].startswith("-")):
        return _gui(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        return _gui([])
    try:
        if getattr(args, "device", "auto") != "auto":  # a device this machine lacks: say so before any work
            from .devices import resolve_device

            resolve_device(args.device)
        return args.func(args)
    except BrokenPipeError:  # output piped into head & co.: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except UserError as exc:  # anything else escaping is a bug, and its traceback is worth seeing
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
