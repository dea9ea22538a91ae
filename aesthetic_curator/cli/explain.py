"""``saliency`` and ``enhance``: why a photo scores as it does, and how it could score higher."""

from __future__ import annotations

import argparse
import sys

from ..errors import UserError
from .args import (
    existing_file,
    file_or_folder_to_write,
    new_image_file,
    number,
    user_name,
    whole,
)
from .common import device_option, known_user


def cmd_saliency(args: argparse.Namespace) -> int:
    import numpy as np
    from PIL import Image

    from ..errors import PhotoError
    from ..explain import overlay, saliency_of_file

    if args.out.exists() and not args.force:
        print(f"error: {args.out} exists (use --force to replace it)", file=sys.stderr)
        return 2
    if args.out.resolve() == args.photo.resolve():
        print("error: the output would replace the photo itself", file=sys.stderr)
        return 2
    base, personal = scoring_models(args)
    model = personal.follow if personal is not None else base
    try:  # a RAW: the map of what the scan's network saw, over its full-size preview or develop
        photo, heat = saliency_of_file(model, args.photo, samples=args.samples, noise=args.noise, seed=args.seed,
                                       device=args.device)
    except PhotoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    image = overlay(photo, heat) if not args.map_only else (heat * 255).astype(np.uint8)
    Image.fromarray(image).save(args.out)
    whose = "the generic score" if personal is None or personal.follows_generic else f"{args.user}'s personal score"
    print(f"saliency of {whose} written to {args.out}", file=sys.stderr)
    if personal is not None:
        print(f"  {args.user}: {personal.description}", file=sys.stderr)
    return 0


def cmd_enhance(args: argparse.Namespace) -> int:
    from ..enhance import edit_scores, fgsm, natural, open_for_edit, shown_models
    from ..errors import PhotoError
    from ..export_edit import edit_target, export_edited

    if args.out is not None and not args.out.is_dir() and args.out.resolve() == args.photo.resolve():
        print("error: the output would replace the photo itself (the original is never modified)", file=sys.stderr)
        return 2
    edit_target(args.photo, args.out)  # a RAW's edit named .png, say: refused before minutes of work
    try:
        source = open_for_edit(args.photo)  # a RAW: developed once, at 16 bits
    except PhotoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    photo = source.photo
    base, personal = scoring_models(args)
    model = personal.follow if personal is not None else base
    if args.mode == "fgsm":
        result = fgsm(model, photo, epsilon=args.epsilon, steps=args.steps, magnitude=args.magnitude,
                      device=args.device)
    else:
        result = natural(model, photo, strength=args.strength, device=args.device)
    written = export_edited(args.photo, result.apply, args.out, developed=source.developed)
    names = {"personal": f"{args.user}'s predicted stars", "generic": "generic score"}
    scores = edit_scores(result, model, shown_models(base, personal), photo, args.device)
    print("; ".join(f"{names[k]}: {a:.2f} -> {b:.2f}" for k, (a, b) in scores.items())
          + f" ({args.mode}); written to {written}")
    if personal is not None:
        print(f"  {args.user}: {personal.description}")
    if args.mode == "natural":
        print("  adjustments: " + ", ".join(f"{k} {v:+.3f}" for k, v in result.params.items()))
    return 0


def scoring_models(args: argparse.Namespace):
    """(the generic network, the user's adopted personal score as networks or None without ``--user``),
    through the loader the app's enhance preview uses too, on the catalog of ``--catalog``. A ``--user``
    with no personal score (no rated photo with a generic score in the catalog) is an error here."""
    from ..catalog import Catalog
    from ..enhance import scoring_models as load_scoring_models

    user = getattr(args, "user", None)
    if not user:
        return load_scoring_models(None)
    with Catalog(args.catalog) as catalog:
        known_user(catalog, user)  # a typo is named as one, before a network is loaded
        base, personal = load_scoring_models(user, catalog)
    if personal is None:
        raise UserError(f"{user} has no personal score yet: rate some scanned photos first "
                        f"('aesthetic-curator rate --user {user} STARS PHOTO...')")
    return base, personal


def add_parsers(sub) -> None:
    p = sub.add_parser("saliency", help="show where the model looks (SmoothGrad)",
                       description="Write an image showing which parts of PHOTO the score depends on most "
                                   "(SmoothGrad of the generic score, or of USER's personal score).")
    p.add_argument("photo", type=existing_file)
    p.add_argument("out", type=new_image_file, help="output image (PNG advised); the photo itself is never touched")
    p.add_argument("--user", type=user_name, default=None,
                   help="explain this user's personal score (the one the app uses for them; needs ratings)")
    p.add_argument("--samples", type=whole(1, 1000), default=25, help="noisy copies averaged (default 25)")
    p.add_argument("--noise", type=number(0, 1), default=0.2,
                   help="noise sd as a fraction of the range, 0 to 1 (default 0.2)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--map-only", action="store_true", help="write the grey-level map instead of the overlay")
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")
    device_option(p)
    p.set_defaults(func=cmd_saliency)

    p = sub.add_parser("enhance", help="raise a photo's score and export the result as a new file",
                       description="Edit PHOTO along the gradient of its score (generic, or USER's) and write "
                                   "the result as a new file (same format, quality, EXIF and ICC profile; a "
                                   "camera RAW's edit is made on its 16-bit develop and written as a 16-bit "
                                   "TIFF, or a JPEG when OUT ends in .jpg, with its EXIF). "
                                   "The original is never modified.")
    p.add_argument("photo", type=existing_file)
    p.add_argument("out", type=file_or_folder_to_write, nargs="?", default=None,
                   help="file or folder (default: NAME-enhanced.EXT beside the photo, NAME-enhanced.tif for a "
                        "RAW; never overwrites)")
    p.add_argument("--mode", choices=["natural", "fgsm"], default="natural",
                   help="natural: global adjustments (default); fgsm: the fast gradient sign step")
    p.add_argument("--epsilon", type=number(0, 255, above=True), default=3.0,
                   help="fgsm: largest change per pixel, more than 0 and up to 255 (default 3)")
    p.add_argument("--steps", type=whole(1, 100), default=1, help="fgsm: iterative steps, 1-100 (default 1)")
    p.add_argument("--magnitude", action="store_true", help="fgsm: scale by the gradient's magnitude (thesis V2)")
    p.add_argument("--strength", type=number(0, 1), default=1.0, help="natural: 0 (none) to 1 (as found) (default 1)")
    p.add_argument("--user", type=user_name, default=None,
                   help="enhance for this user's taste (the personal score the app uses for them; needs ratings)")
    device_option(p)
    p.set_defaults(func=cmd_enhance)
