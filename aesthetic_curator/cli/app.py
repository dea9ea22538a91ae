"""The desktop app from the command line: starting it, and its menu entry."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..formats import is_photo_name


def cmd_desktop(args: argparse.Namespace) -> int:
    from .. import desktop

    if args.action == "remove":
        gone = desktop.remove()
        print(f"removed {len(gone)} file(s)" + "".join(f"\n  {p}" for p in gone), file=sys.stderr)
        return 0
    paths = desktop.install()
    print(f"menu entry: {paths['entry']}\nicon: {paths['svg']}\nAesthetic Curator is in your desktop's menu "
          "(Graphics or Photography); 'aesthetic-curator desktop remove' takes it out", file=sys.stderr)
    return 0


def run_app(argv: list[str]) -> int:
    """The desktop app (``aesthetic-curator`` or ``aesthetic-curator PATH``); a photo opens its folder (a photo
    dropped on the menu entry's launcher, ``Exec=... %f``)."""
    if argv and Path(argv[0]).is_file() and is_photo_name(Path(argv[0])):
        argv = [str(Path(argv[0]).resolve().parent), *argv[1:]]
    if argv and not Path(argv[0]).is_dir():
        print(f"error: {argv[0]} is not a folder of photos (or a command; see --help)", file=sys.stderr)
        return 2
    from ..gui.system_libs import display_problem

    problem = display_problem()  # Qt would abort the process instead of saying this
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    try:
        from ..gui.app import run
    except ImportError as exc:
        print(f"error: the desktop app needs PySide6 ({exc}); the commands work without it", file=sys.stderr)
        return 2
    return run(argv)


def add_parsers(sub) -> None:
    p = sub.add_parser("desktop", help="put the app in your desktop's menu (Linux), or take it out",
                       description="install: write a freedesktop menu entry and the app's icon under "
                                   "$XDG_DATA_HOME (~/.local/share), starting this installation's app; run it "
                                   "again if you move the virtual environment. remove: take them away.")
    p.add_argument("action", choices=["install", "remove"])
    p.set_defaults(func=cmd_desktop)
