"""``eval``: how much each personalisation method gains, on simulated raters or FLICKR-AES."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..catalog import Catalog
from .args import existing_file, existing_folder, new_file, number, whole
from .common import device_option, model_options


def _eval_output(args: argparse.Namespace, report) -> int:
    from ..evaluation.stats import SUMMARY_COLUMNS, format_table

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
    from ..evaluation.simulated import build_album, run_simulation
    from ..models import load_generic

    base, _ = load_generic()
    album = build_album(args.album, base, n_variants=args.variants, seed=args.seed)
    say = (lambda line: print(line, file=sys.stderr, flush=True)) if not args.quiet else (lambda line: None)
    say(f"{len(album.images)} photos ({args.variants} variants of {len(set(album.scene.tolist()))} scenes)")
    report = run_simulation(album, base, strength=args.strength, noise_sd=args.noise, ks=args.k,
                            methods=args.methods, selections=args.selections, trials=args.trials,
                            curve_seeds=args.curve_seeds, seed=args.seed, device=args.device, say=say)
    return _eval_output(args, report)


def cmd_eval_flickr(args: argparse.Namespace) -> int:
    from ..evaluation.flickr_aes import THESIS_TRIALS, load_flickr_aes, load_test_workers, split
    from ..evaluation.protocol import default_test_workers, run_flickr_aes
    from ..models import load_generic

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
    from ..evaluation.methods import METHODS, SELECTIONS

    p.add_argument("--k", type=whole(1), nargs="+", default=[10, 100], help="ratings per user (default: 10 100)")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    p.add_argument("--selections", nargs="+", default=list(SELECTIONS), choices=SELECTIONS,
                   help="how the k photos are chosen (default: both)")
    p.add_argument("--seed", type=int, default=0)
    device_option(p)
    p.add_argument("--out", type=new_file, default=None, help="also write the full results as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no per-user lines")


def add_parsers(sub) -> None:
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
    model_options(e)
    _eval_options(e)
    e.set_defaults(func=cmd_eval_flickr)
