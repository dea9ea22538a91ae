"""Stage 1 of a scan, the plan: list the album, ``stat`` every photo and ask the catalog what it knows.

A path whose (size, mtime) match the catalog and whose photo already has a score for this model is
answered from the catalog: re-opening an unchanged album reads no photo and loads no network. A file
remembered as undecodable, unchanged since, is reported again without being read. Everything else is
work for the decode-and-infer stage.

The plan is the only stage besides the commit that touches the catalog, and it reads only: a driver
can plan against its catalog and hand the work to decoders and networks anywhere (threads here, a
cluster later), then commit what comes back.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..album import find_photos
from ..catalog import Catalog
from ..errors import UnreadableFileError
from ..formats import is_photo_name
from ..pairs import pair_files
from .report import PhotoScore, SkippedFile


@dataclass(frozen=True)
class WorkItem:
    """A file the catalog cannot answer for, with the (size, mtime) the plan saw: its results are stored
    against that version of the file, so an edit made during the scan is noticed by the next one."""

    path: str
    size: int
    mtime_ns: int


@dataclass
class ScanPlan:
    """What the catalog answers, what is skipped, and what must be decoded (``todo``, in path order).

    ``known``: content hash -> photo id of every photo already scored by this model (with first-layer
    statistics when the scan requires them), read only when there is work: a file in ``todo`` with such
    content (a moved or copied photo) is linked to its scores without being decoded.
    """

    model_id: str
    total: int
    cached: list[PhotoScore] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    todo: list[WorkItem] = field(default_factory=list)
    known: dict[str, int] = field(default_factory=dict)
    #: RAW+JPEG pairs: RAW path -> its rendering's path, which is not in the plan (see :mod:`..pairs`).
    companions: dict[str, str] = field(default_factory=dict)

    def with_companions(self, scores: Iterable[PhotoScore]) -> list[PhotoScore]:
        """``scores`` with each pair's rendering attached (the commit stage knows nothing of pairs)."""
        return [replace(s, companion=Path(self.companions[str(s.path)])) if str(s.path) in self.companions else s
                for s in scores]


def plan_scan(roots: Sequence[Path | str], catalog: Catalog, model_id: str, *,
              require_look: bool = True) -> ScanPlan:
    """Plan a scan of ``roots`` (folders or files) for ``model_id`` against ``catalog`` (read only).

    ``require_look``: a stored score without first-layer statistics (an earlier release's) is not an
    answer; the photo is scored again once.
    """
    skipped: list[SkippedFile] = []

    def on_skip(path: Path, reason: str) -> None:
        skipped.append(SkippedFile(path, reason))

    paths: list[Path] = []
    for root in roots:
        if is_photo_name(Path(root)) and not os.path.lexists(root):
            # A photo listed a moment ago (the app's listing, a rescan while files move) and gone since:
            # that photo is skipped; a missing album folder is still the error it was.
            on_skip(Path(root), "no such file (moved or deleted?)")
            continue
        paths.extend(find_photos(root, on_skip))
    paths, companions = pair_files(sorted(set(paths)))
    plan = ScanPlan(model_id, total=len(paths) + len(skipped), skipped=skipped, companions=companions)
    entries = _stat(paths, plan.skipped)

    known = catalog.known_files(p for p, _, _ in entries)
    unchanged = {p: known[p].photo_id for p, size, mtime in entries
                 if p in known and (known[p].size, known[p].mtime_ns) == (size, mtime)}
    stored = catalog.scores_for(unchanged.values(), model_id)
    bad = catalog.known_bad(p for p, _, _ in entries if p not in unchanged)
    for p, size, mtime in entries:
        pid = unchanged.get(p)
        if pid is not None and pid in stored and (stored[pid].look is not None or not require_look):
            plan.cached.append(PhotoScore.from_stored(p, stored[pid], model_id, companions.get(p)))
        elif p in bad and bad[p][:2] == (size, mtime):
            plan.skipped.append(SkippedFile(Path(p), bad[p][2]))
        else:
            plan.todo.append(WorkItem(p, size, mtime))
    if plan.todo:
        plan.known = catalog.scored_hashes(model_id, with_look=require_look)
    return plan


def _stat(paths: Iterable[Path], skipped: list[SkippedFile]) -> list[tuple[str, int, int]]:
    out = []
    for p in paths:
        try:
            st = os.stat(p)
        except OSError as exc:
            skipped.append(SkippedFile(p, UnreadableFileError(p, exc.strerror or str(exc)).reason))
            continue
        out.append((str(p), st.st_size, st.st_mtime_ns))
    return out
