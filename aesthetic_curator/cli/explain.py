"""``saliency`` and ``enhance``: why a photo scores as it does, and how it could score higher."""

from __future__ import annotations

import argparse
import sys

from ..errors import UserError
from .args import device_name, existing_file, file_or_folder_to_write, new_file, number, user_name, whole


def cmd_saliency(args: argparse.Namespace) -> int:
    import numpy as np
    from PIL import Image

    from ..errors import PhotoError
    from ..explain import overlay, smoothgrad
    from ..imaging import load_photo

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
    model = scoring_model(args)
    heat = smoothgrad(model, photo, samples=args.samples, noise=args.noise, seed=args.seed, device=args.device)
    image = overlay(photo, heat) if not args.map_only else (heat * 255).astype(np.uint8)
    Image.fromarray(image).save(args.out)
    print(f"saliency of {'the personal score of ' + args.user if args.user else 'the generic score'} "
          f"written to {args.out}", file=sys.stderr)
    return 0


def cmd_enhance(args: argparse.Namespace) -> int:
    from ..enhance import fgsm, load_for_edit, natural, scores_around
    from ..errors import PhotoError
    from ..export_edit import export_edited

    if args.out is not None and not args.out.is_dir() and args.out.resolve() == args.photo.resolve():
        print("error: the output would replace the photo itself (the original is never modified)", file=sys.stderr)
        return 2
    try:
        photo = load_for_edit(args.photo)
    except PhotoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    base, personal = scoring_models(args)
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


def scoring_models(args: argparse.Namespace) -> tuple[object, object | None]:
    """The generic network, and the user's personal network when ``--user`` names a trained profile
    (the loader the app's enhance preview uses too); a ``--user`` without one is an error here."""
    from ..enhance import scoring_models as load_scoring_models

    base, personal = load_scoring_models(getattr(args, "user", None))
    if getattr(args, "user", None) and personal is None:
        raise UserError(f"{args.user} has no trained personal model yet: run 'aesthetic-curator train --user "
                        f"{args.user}' first")
    return base, personal


def scoring_model(args: argparse.Namespace):
    """The network whose score a command follows: the user's personal one with ``--user``."""
    base, personal = scoring_models(args)
    return personal if personal is not None else base


def add_parsers(sub) -> None:
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
