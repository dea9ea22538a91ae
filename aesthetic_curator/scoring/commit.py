"""Stage 3 of a scan, the commit: one step's results written to the catalog, returned with photo ids.

Each step is stored as it arrives, in short transactions (links, remembered bad files, new scores), so a
scan killed at any moment keeps everything committed before. The catalog assigns the photo ids here, and
they travel on with each :class:`~.report.PhotoScore`.
"""

from __future__ import annotations

from pathlib import Path

from ..catalog import Catalog
from .infer import InferredBatch
from .report import PhotoScore


def commit(catalog: Catalog, model_id: str, step: InferredBatch) -> list[PhotoScore]:
    """Store ``step`` (its results are ``model_id``'s) and return its scores: first the linked files' (from
    the catalog, ``cached``), then the new ones, each with its photo id. ``step.skipped`` is the caller's to
    report; only ``step.bad`` is remembered, so unchanged undecodable files are not read again."""
    out: list[PhotoScore] = []
    if step.links:
        catalog.link_files(step.links)
        linked = catalog.scores_for((pid for _, pid, _, _ in step.links), model_id)
        out.extend(PhotoScore.from_stored(path, linked[pid], model_id) for path, pid, _, _ in step.links)
    if step.bad:
        catalog.remember_bad(step.bad)
    if step.scores:
        ids = catalog.add_scores(model_id, step.scores)
        out.extend(PhotoScore(Path(n.path), n.content_hash, model_id, n.mean, n.std, n.distribution, n.features,
                              cached=False, look=n.look, photo_id=pid)
                   for n, pid in zip(step.scores, ids, strict=True))
    return out
