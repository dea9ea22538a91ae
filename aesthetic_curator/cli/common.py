"""What every sub-command shares: the progress bars, the album scan, users, skipped files and the
options of the generic scan."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..catalog import Catalog
from ..errors import UnknownUserError
from ..scoring import Progress, ScanReport
from .args import device_name, existing_file, whole


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


def relative(path: Path, roots: Sequence[Path]) -> str:
    for root in roots:
        try:
            return str(path.relative_to(root)) if root.is_dir() else path.name
        except ValueError:
            continue
    return str(path)


def scan(args: argparse.Namespace, catalog: Catalog, roots: list[Path], bar: ProgressBar) -> ScanReport:
    """The generic scan every album command starts with (answered from the catalog when it can)."""
    from ..models import get_model_weights
    from ..scoring import Scorer, score_album

    def factory() -> Scorer:
        return Scorer.generic(args.model, args.checkpoint, device=args.device, batch_size=args.batch_size)

    # Shipped weights are known by their spec, so cached scores are found without building the network;
    # a checkpoint of the user's own is known only once read (its id is its hash): build it now.
    spec = get_model_weights(args.model) if args.checkpoint is None else None
    return score_album(roots, catalog, scorer=factory if spec is not None else factory(), spec=spec, progress=bar,
                       decode_workers=args.workers)


def roots_of(args: argparse.Namespace) -> list[Path] | None:
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


def print_skipped(skipped) -> None:
    if skipped:
        print(f"\nskipped {len(skipped)} file(s):", file=sys.stderr)
        for k in sorted(skipped, key=lambda k: str(k.path)):
            print(f"  {k.path}: {k.reason}", file=sys.stderr)


def model_options(p: argparse.ArgumentParser) -> None:
    """``--model`` and ``--checkpoint``, from the registry of generic models: a new backbone
    registered in :mod:`aesthetic_curator.models` is a choice here without touching the CLI."""
    from ..models import DEFAULT_MODEL, GENERIC_MODELS, get_model_weights

    own = [name for name in GENERIC_MODELS if get_model_weights(name) is None]
    p.add_argument("--model", default=DEFAULT_MODEL, choices=GENERIC_MODELS,
                   help=f"generic model architecture (default: {DEFAULT_MODEL}, with its shipped weights)")
    p.add_argument("--checkpoint", type=existing_file, default=None,
                   help="state dict of your own generic model" + (f" (required for {', '.join(own)})" if own else ""))


def device_option(p: argparse.ArgumentParser) -> None:
    """``--device``, named the same way by every command that runs a network (checked when parsed)."""
    p.add_argument("--device", type=device_name, default="auto", help="auto (default), cpu, cuda, cuda:1 or mps")


def scan_options(p: argparse.ArgumentParser) -> None:
    model_options(p)
    device_option(p)
    p.add_argument("--batch-size", type=whole(1, 4096), default=32, help="photos per forward pass (default 32)")
    p.add_argument("--workers", type=whole(1, 64), default=None, help="decode threads (default: up to 4)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def personal_scores_of(args: argparse.Namespace, catalog: Catalog, report: ScanReport) -> np.ndarray | None:
    """The user's personal scores aligned with ``report.scores`` (None without a user or ratings)."""
    if not getattr(args, "user", None):
        return None
    from ..personal.service import personal_scores

    mine = personal_scores(catalog, args.user, report, device=args.device,
                           progress=ProgressBar(enabled=not args.quiet))
    report.skipped.extend(mine.skipped)
    return mine.scores if mine.source is not None else None


def count_bar(quiet: bool, what: str) -> Callable[[int, int], None]:
    """A "what done/total" counter on stderr, for the steps counted in files (sidecars, export)."""

    def tell(done: int, total: int) -> None:
        if not quiet and (done == total or sys.stderr.isatty()):
            sys.stderr.write(f"\r{what} {done}/{total}" + ("\n" if done == total else ""))
            sys.stderr.flush()
    return tell
