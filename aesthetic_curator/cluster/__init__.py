"""Scoring past one machine: the scan's middle stage (decode and network) on a Ray cluster.

The driver keeps the plan and the commit, so a cluster scan and a local one read and fill one catalog
the same way; only where photos are decoded and scored changes (see :mod:`.ray_scan`). Ray is an
optional dependency (``pip install -e '.[cluster]'``): importing this package does not import it.
"""

from __future__ import annotations

from .ray_scan import INSTALL_HINT, RayInference, WorkerInfo, generic_factory, personal_factory, require_ray
from .worker import ScanWorker, ScorerFactory

__all__ = ["INSTALL_HINT", "RayInference", "ScanWorker", "ScorerFactory", "WorkerInfo", "generic_factory",
           "personal_factory", "require_ray"]
