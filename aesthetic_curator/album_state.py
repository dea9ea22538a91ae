"""The open album, Qt-free: its photos, their scores and catalog ids, groups, and one user's marks.

One object holds what a browser knows of an album, so the GUI (a list model over it) and the command
line read the same state instead of each keeping a copy. Columns to sort and filter by live in its
:class:`~aesthetic_curator.browse.PhotoTable`; this adds what the core functions are called with (the
scan's :class:`~aesthetic_curator.scoring.PhotoScore` list), the groups found in it, and the user's stars
and flags. Those are read from the catalog once (when the album opens or the user changes) and kept up
to date by :meth:`Album.mark`, which writes through to the catalog: a key-press then costs one write,
not a re-read of every rating the user ever gave.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .browse import PhotoTable
from .catalog import Catalog
from .scoring import PhotoScore, ScanReport

if TYPE_CHECKING:
    from .culling import PhotoGroup

STARS, FLAG = "stars", "flag"  # the two kinds of mark :meth:`Album.mark` writes


class Album:
    """An album as it is being browsed by ``user``. Rows are the table's rows (listing order); the
    photos' scores arrive as the scan reports them (:meth:`add_scores`)."""

    @classmethod
    def from_scan(cls, report: ScanReport, catalog: Catalog, user: str, folder: Path | None = None) -> Album:
        """An album as a command holds it: the scan's photos as the rows, in the scan's order (so row
        ``i`` is ``report.scores[i]``), with ``user``'s marks."""
        album = cls(user, folder)
        album.listed([s.path for s in report.scores], [0.0] * len(report.scores),
                     [(k.path, k.reason) for k in report.skipped])
        album.load_marks(catalog)
        album.add_scores(report.scores)
        return album

    def __init__(self, user: str, folder: Path | None = None):
        self.user = user
        self.folder = folder
        self.table = PhotoTable([])
        self.scores: dict[str, PhotoScore] = {}  # by path, in the order the scan found them
        self.skipped: list[tuple[Path, str]] = []  # files that could not be listed, scored or written
        self.personal_source: str | None = None  # what the personal scores come from (None: none yet)
        self.groups: list[PhotoGroup] = []
        self.group_rows: list[np.ndarray] = []  # table rows of each group
        self.expanded: set[int] = set()  # stacked groups the user opened
        self.stacked = False  # show only the best of each group (and the expanded ones)
        self.stars: dict[int, float] = {}  # the user's ratings, every photo (not only this album's)
        self.flags: dict[int, int] = {}
        self._report: ScanReport | None = None

    # -- the photos --------------------------------------------------------------------------------------
    def open(self, folder: Path) -> None:
        """Forget the previous album's scores and groups: ``folder``'s photos are listed and scored afresh.
        The table stays until :meth:`listed` replaces it (a grid may still show its rows meanwhile)."""
        self.folder = folder
        self.scores, self.skipped, self.personal_source = {}, [], None
        self._report = None
        self.forget_groups()

    def listed(self, paths: Sequence[Path], mtimes: Sequence[float], skipped: Iterable[tuple[Path, str]]) -> None:
        """The folder's listing: one row per photo, scores to come."""
        self.table = PhotoTable(paths, mtimes)
        self.skipped = list(skipped)

    def add_scores(self, scores: Sequence[PhotoScore]) -> list[int]:
        """Generic scores of some photos (each with its catalog id); returns the table rows that changed."""
        for s in scores:
            self.scores[str(s.path)] = s
        self._report = None
        rows = self.table.set_scores(scores)
        self.table.set_marks(self.stars, self.flags, rows)
        return rows

    def replace(self, scores: Sequence[PhotoScore], table: PhotoTable | None = None) -> None:
        """A rescan's scores, and its listing when files came or went (then the groups, rows of the
        old table, are forgotten)."""
        self.scores = {str(s.path): s for s in scores}
        self._report = None
        if table is not None:
            self.table = table
            table.set_marks(self.stars, self.flags)
            self.forget_groups()

    def report(self) -> ScanReport:
        """The scored photos as the core's album functions take them (made once per change of scores)."""
        if self._report is None:
            self._report = ScanReport(scores=list(self.scores.values()))
        return self._report

    def personal_by_hash(self) -> dict[str, float]:
        """The personal score of every scored photo that has one, by content hash."""
        t = self.table
        out = {}
        for s in self.scores.values():
            r = t.row_of(s.path)
            if r is not None and not np.isnan(t.personal[r]):
                out[s.content_hash] = float(t.personal[r])
        return out

    def set_personal(self, source: str | None, by_hash: dict[str, float]) -> None:
        self.personal_source = source
        self.table.set_personal(by_hash)

    # -- the user's marks ---------------------------------------------------------------------------------
    def load_marks(self, catalog: Catalog, user: str | None = None) -> None:
        """Read ``user``'s (default: the current user's) stars and flags and show them on every row."""
        if user is not None:
            self.user = user
        self.stars, self.flags = catalog.ratings(self.user), catalog.flags(self.user)
        self.table.set_marks(self.stars, self.flags)

    def mark(self, catalog: Catalog, kind: str, values: dict[int, float | int | None]) -> list[int]:
        """Write stars (``kind`` STARS) or flags (FLAG) by photo id, None clearing one, to the catalog and
        here; returns the table rows that show them (every copy of a photo). A failed write
        (``sqlite3.Error``) raises before anything here changes."""
        if kind == STARS:
            catalog.set_ratings(self.user, list(values.items()))
        else:
            catalog.set_flags(self.user, list(values.items()))
        mine = self.stars if kind == STARS else self.flags
        for pid, value in values.items():
            if value is None:
                mine.pop(pid, None)
            else:
                mine[pid] = value
        rows = np.flatnonzero(np.isin(self.table.photo_id, list(values))).tolist()
        self.table.set_marks(self.stars, self.flags, rows)
        return rows

    def current(self, kind: str, photo_ids: Iterable[int]) -> dict[int, float | int | None]:
        """What these photos have now (None: no mark): what an undo puts back."""
        mine = self.stars if kind == STARS else self.flags
        return {pid: mine.get(pid) for pid in photo_ids}

    def photo_ids(self, rows: Iterable[int]) -> list[int]:
        """The catalog ids of these rows' photos, sorted, without the ones not scored yet."""
        return sorted({int(self.table.photo_id[r]) for r in rows if self.table.photo_id[r] >= 0})

    def keep_best(self, catalog: Catalog, groups: Sequence[PhotoGroup]) -> list[tuple[int, int | None, int | None]]:
        """Pick the best of each group and reject the rest (:func:`~aesthetic_curator.culling.keep_best_marks`:
        what the user picked or starred as high stays), written through; ``groups`` hold table rows.
        Returns (photo id, old flag, new flag) of each change, what an undo puts back."""
        from .culling import keep_best_marks

        changes = [(pid, f) for pid, f in keep_best_marks(groups, self.table.photo_id.tolist(), self.flags, self.stars)
                   if pid >= 0]
        old = self.current(FLAG, [pid for pid, _ in changes])
        self.mark(catalog, FLAG, dict(changes))
        return [(pid, old[pid], new) for pid, new in changes]

    # -- groups ---------------------------------------------------------------------------------------------
    def set_groups(self, groups: list[PhotoGroup], rows: Sequence[int | None]) -> None:
        """Groups found by the core over :meth:`report`'s photos; ``rows[i]`` is the table row of its i-th."""
        self.groups = groups
        self.group_rows = [np.array([rows[i] for i in g.members if rows[i] is not None]) for g in groups]
        self.table.set_groups([(r, rows[g.best]) for r, g in zip(self.group_rows, groups, strict=True)])
        self.expanded.clear()

    def forget_groups(self) -> None:
        self.groups, self.group_rows = [], []
        self.expanded.clear()
