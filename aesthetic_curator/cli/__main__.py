"""``aesthetic-curator``: the parser, made of each command module's sub-commands, and the dispatch.

With no arguments, or one that is a folder, the desktop app starts; otherwise a sub-command runs
headless. What a user can fix (:class:`~aesthetic_curator.errors.UserError`) is printed on one
line with exit status 2; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from ..catalog import default_catalog_path
from ..errors import UserError
from ..models import DEFAULT_MODEL
from . import app, cull, evaluate, explain, personal, score


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
    for commands in (score, personal, explain, evaluate, cull, app):
        commands.add_parsers(sub)
    parser.command_names = frozenset(sub.choices)  # type: ignore[attr-defined]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = parser.command_names  # type: ignore[attr-defined]
    if not argv or (len(argv) == 1 and argv[0] not in commands and not argv[0].startswith("-")):
        return app.run_app(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        return app.run_app([])
    try:
        if getattr(args, "user", None) and (getattr(args, "checkpoint", None) is not None
                                            or getattr(args, "model", DEFAULT_MODEL) != DEFAULT_MODEL):
            raise UserError(f"{args.user}'s personal score is learnt on the default model's features "
                            f"({DEFAULT_MODEL}): leave out --model and --checkpoint with --user")
        if getattr(args, "device", "auto") != "auto":  # a device this machine lacks: say so before any work
            from ..devices import resolve_device

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
