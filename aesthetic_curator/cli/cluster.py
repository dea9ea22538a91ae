"""``score --cluster``: the generic scan with its decode-and-score stage on a Ray cluster.

Kept apart from :mod:`.common`'s local :func:`~.common.scan` so that a command without ``--cluster`` never
imports anything of Ray; ``ray`` itself is imported only once a scan has work for the cluster.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..catalog import Catalog
from ..scoring import ScanReport
from .args import whole
from .common import ProgressBar

if TYPE_CHECKING:
    from ..models.weights import WeightsSpec

#: ``--cluster`` values: a local Ray for this run, the cluster this machine belongs to, or an address.
CLUSTER_HELP = ("score on Ray: 'ray' starts a local Ray for this run; 'auto' joins the cluster this machine "
                "is part of (ray start); 'ray://HOST:PORT' (Ray Client) or 'HOST:PORT' joins that cluster. "
                "Every worker must see the photos at the same paths (a shared filesystem)")
_ADDRESS = re.compile(r"(ray://)?[A-Za-z0-9._-]+:\d{1,5}")


def cluster_address(text: str) -> str:
    """The ``address`` of :class:`~aesthetic_curator.cluster.RayInference` for a ``--cluster`` value."""
    if text == "ray":
        return "local"
    if text == "auto" or _ADDRESS.fullmatch(text):
        return text
    raise argparse.ArgumentTypeError(f"{text!r}: use ray, auto, ray://HOST:PORT or HOST:PORT")


cluster_address.__name__ = "cluster"


def add_cluster_options(p: argparse.ArgumentParser) -> None:
    """``--cluster`` and ``--cluster-workers``."""
    p.add_argument("--cluster", type=cluster_address, default=None, metavar="{ray,auto,ray://HOST:PORT}",
                   help=CLUSTER_HELP)
    p.add_argument("--cluster-workers", type=whole(1, 100_000), default=None, metavar="N",
                   help="Ray workers, one network each (default: one per GPU, else one per --workers CPUs)")


class ClusterSession:
    """A command's use of the Ray cluster ``args.cluster``: the generic scan's workers (:meth:`scan`), then a
    pass of each user's personal network whose adopted score needs one (:meth:`adapters_stage`), on the same
    Ray, on workers of its own. Ray started for the command is stopped when the session ends."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.generic: Any = None

    def __enter__(self) -> ClusterSession:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.generic is not None:
            self.generic.close()

    def say(self, line: str) -> None:
        if not self.args.quiet:
            print(line, file=sys.stderr)

    def _stage(self, factory: Any, address: str | None) -> Any:
        from ..cluster import RayInference

        args = self.args
        return RayInference(factory, address=address, workers=args.cluster_workers,
                            cpus_per_worker=float(args.workers or 1),
                            gpus_per_worker=0 if args.device == "cpu" else None, batch_size=args.batch_size,
                            on_event=self.say)

    def scan(self, catalog: Catalog, roots: list[Path], bar: ProgressBar) -> ScanReport:
        """The generic scan, planned and committed here, decoded and scored on the cluster.

        ``--workers`` is each Ray worker's CPUs (its decode threads and the network's threads), default 1;
        ``--device cpu`` keeps the workers off the cluster's GPUs, otherwise each worker takes one GPU when the
        cluster has any."""
        from ..cluster import generic_factory
        from ..models import get_model_weights
        from ..scoring import score_album

        args = self.args
        spec = get_model_weights(args.model)
        if args.checkpoint is not None:  # a checkpoint's id is its hash: read here; the workers read it again
            from ..models import load_generic

            spec = load_generic(args.model, args.checkpoint)[1]
        checkpoint = str(Path(args.checkpoint).resolve()) if args.checkpoint is not None else None
        self.generic = stage = self._stage(generic_factory(args.model, checkpoint, args.batch_size), args.cluster)
        report = score_album(roots, catalog, spec=spec, progress=bar, infer=stage)
        if stage.workers:
            self.say(f"ray: {report.inferred} photo(s) scored on {len(stage.workers)} worker(s)"
                     + (f", {stage.restarts} worker restart(s) survived" if stage.restarts else ""))
        return report

    def adapters_stage(self, profile: Path, spec: WeightsSpec) -> Any:
        """A user's personal-network pass on the cluster (``personal_scores(adapters_stage=...)``): workers that
        read the profile file (on the shared filesystem) and build the network themselves."""
        from ..cluster import personal_factory, require_ray

        address = None if require_ray().is_initialized() else self.args.cluster  # the Ray the scan joined
        return self._stage(personal_factory(str(Path(profile).resolve()), spec, self.args.batch_size), address)


def cluster_scan(args: argparse.Namespace, catalog: Catalog, roots: list[Path], bar: ProgressBar) -> ScanReport:
    """The generic scan on the cluster ``args.cluster``, its Ray stopped after (see :class:`ClusterSession`)."""
    with ClusterSession(args) as session:
        return session.scan(catalog, roots, bar)
