"""The album as a browser shows it: one row per photo file, sortable and filterable fast.

Qt-free on purpose: the GUI's list model is a thin view over a :class:`PhotoTable`, and the same
sort and filter can serve the command line. Columns are numpy arrays so that sorting or filtering
20,000 photos is a few milliseconds, not a Python loop per photo.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .catalog import PICK, REJECT
from .scoring import PhotoScore

SORT_KEYS = ("personal", "generic", "date", "name")
SORT_LABELS = {"personal": "Your score", "generic": "Generic score", "date": "Capture date", "name": "Name"}


@dataclass(frozen=True)
class Filter:
    """What to show. ``min_stars`` 0 shows unrated photos too; ``flags`` limits to some of
    PICK, REJECT and 0 (unflagged); ``score_range`` applies to the sort key's score (generic or
    personal) and hides photos without that score."""

    min_stars: int = 0
    flags: frozenset[int] | None = None
    hide_rejects: bool = False
    score_range: tuple[float, float] | None = None
    stack_groups: bool = False  # show only the best of each burst (plus the expanded groups)
    expanded: frozenset[int] = frozenset()


class PhotoTable:
    """Rows of an album in listing order; columns filled in as scans, ratings and dates arrive."""

    def __init__(self, paths: Sequence[Path | str], mtimes: Sequence[float] | None = None):
        self.paths = [Path(p) for p in paths]
        self.names = [p.name for p in self.paths]
        self._row = {str(p): i for i, p in enumerate(self.paths)}
        n = len(self.paths)
        self.generic = np.full(n, np.nan)
        self.spread = np.full(n, np.nan)
        self.personal = np.full(n, np.nan)
        self.distribution = np.zeros((n, 10), np.float32)
        self.stars = np.zeros(n, np.int8)
        self.flag = np.zeros(n, np.int8)
        self.photo_id = np.full(n, -1, np.int64)
        self.content_hash: list[str | None] = [None] * n
        self.companion: list[Path | None] = [None] * n  # the JPEG of a RAW+JPEG pair (see pairs.py)
        self.captured = np.asarray(mtimes, np.float64) if mtimes is not None else np.full(n, np.nan)
        self.group = np.full(n, -1, np.int64)  # burst / near-duplicate group, -1 for none
        self.group_best = np.zeros(n, bool)
        self.group_size = np.zeros(n, np.int64)
        self._name_rank: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.paths)

    def row_of(self, path: Path | str) -> int | None:
        return self._row.get(str(path))

    # -- filling in -----------------------------------------------------------------------------------
    def set_scores(self, scores: Iterable[PhotoScore]) -> list[int]:
        """Generic scores from a scan (with their photo ids); returns the rows that changed."""
        rows = []
        for s in scores:
            row = self._row.get(str(s.path))
            if row is None:
                continue
            self.generic[row] = s.mean
            self.spread[row] = s.std
            self.distribution[row] = s.distribution
            self.content_hash[row] = s.content_hash
            self.companion[row] = s.companion
            if s.photo_id is not None:
                self.photo_id[row] = s.photo_id
            rows.append(row)
        return rows

    def set_personal(self, by_hash: dict[str, float]) -> None:
        """Personal scores by content hash (NaN where the user has none)."""
        self.personal = np.array([by_hash.get(h, np.nan) if h else np.nan for h in self.content_hash])

    def set_marks(self, stars: dict[int, float], flags: dict[int, int], rows: Sequence[int] | None = None) -> None:
        """A user's stars and flags by photo id (every copy of a photo shows them), for all rows
        or only ``rows`` (the ones that changed: cheap on a 20,000-photo album)."""
        rows = range(len(self)) if rows is None else rows
        for r in rows:
            pid = int(self.photo_id[r])
            self.stars[r] = round(stars.get(pid, 0))
            self.flag[r] = flags.get(pid, 0)

    def set_captured(self, rows: Sequence[int], times: Sequence[float]) -> None:
        self.captured[np.asarray(rows, np.int64)] = times

    def set_groups(self, groups: Sequence[tuple[Sequence[int], int]]) -> None:
        """Groups as (rows, best row); replaces any earlier grouping."""
        self.group[:] = -1
        self.group_best[:] = False
        self.group_size[:] = 0
        for k, (rows, best) in enumerate(groups):
            rows = np.asarray(rows, np.int64)
            self.group[rows] = k
            self.group_size[rows] = len(rows)
            self.group_best[best] = True

    def rows_of_group(self, group: int) -> np.ndarray:
        return np.flatnonzero(self.group == group) if group >= 0 else np.zeros(0, np.int64)

    def rows_of_photo(self, photo_id: int) -> np.ndarray:
        return np.flatnonzero(self.photo_id == photo_id)

    # -- sort and filter --------------------------------------------------------------------------------
    def key_values(self, key: str) -> np.ndarray:
        """Per-row values of a sort key. "personal" is the user's own stars where they rated the
        photo (what they said beats what we predict), else the predicted stars."""
        if key == "personal":
            return np.where(self.stars > 0, self.stars.astype(np.float64), self.personal)
        if key == "generic":
            return self.generic
        if key == "date":
            return self.captured
        if key == "name":
            if self._name_rank is None:
                order = sorted(range(len(self)), key=lambda i: (self.names[i].casefold(), str(self.paths[i])))
                self._name_rank = np.empty(len(self), np.float64)
                self._name_rank[order] = np.arange(len(self))
            return self._name_rank
        raise ValueError(f"unknown sort key {key!r}; choose from {', '.join(SORT_KEYS)}")

    def order(self, key: str = "generic", descending: bool | None = None, flt: Filter = Filter()) -> np.ndarray:
        """Rows to show, in order. Scores sort best first and names A-Z by default; rows without a
        value for the key (not scored yet) come last, in listing order."""
        values = self.key_values(key)
        if descending is None:
            descending = key in ("personal", "generic")
        keep = np.ones(len(self), bool)
        if flt.min_stars:
            keep &= self.stars >= flt.min_stars
        if flt.hide_rejects:
            keep &= self.flag != REJECT
        if flt.flags is not None:
            keep &= np.isin(self.flag, list(flt.flags))
        if flt.stack_groups:
            keep &= (self.group < 0) | self.group_best | np.isin(self.group, list(flt.expanded))
        if flt.score_range is not None and key in ("personal", "generic"):
            lo, hi = flt.score_range
            keep &= (values >= lo) & (values <= hi)
        rows = np.flatnonzero(keep)
        v = values[rows]
        missing = np.isnan(v)
        present, absent = rows[~missing], rows[missing]
        pv = v[~missing]
        order = np.argsort(-pv if descending else pv, kind="stable")
        return np.concatenate([present[order], absent]).astype(np.int64)

    def counts(self) -> dict[str, int]:
        return {
            "photos": len(self),
            "scored": int(np.count_nonzero(~np.isnan(self.generic))),
            "rated": int(np.count_nonzero(self.stars > 0)),
            "picked": int(np.count_nonzero(self.flag == PICK)),
            "rejected": int(np.count_nonzero(self.flag == REJECT)),
        }


def capture_time(path: Path, *, original_only: bool = False) -> float | None:
    """EXIF DateTimeOriginal (with sub-seconds when present) as a POSIX time, read from the file's
    header only (camera RAWs too: see :mod:`.photo_tags`); None when the photo has none (then callers
    fall back to the file's mtime).
    Without DateTimeOriginal, DateTime (when the file was last written, often by an editor) is a
    fair guess for sorting; ``original_only`` refuses it, as finding bursts must: photos
    batch-edited together share it."""
    from .photo_tags import capture, read_tags

    tags = read_tags(path)
    taken = capture(tags, original_only=original_only) if tags is not None else None
    return None if taken is None else taken.timestamp()


def list_album(root: Path | str) -> tuple[list[Path], list[float], list[tuple[Path, str]], dict[str, str]]:
    """Photos under ``root`` with their mtimes (a first capture-date guess), skipped entries, and the RAW+JPEG
    pairs (RAW path -> JPEG path: each pair is one photo, listed as its RAW; see pairs.py). A scan of the
    listing is given the JPEGs too (:func:`scan_roots`), so it pairs them as the listing did."""
    from .album import find_photos
    from .pairs import pair_files

    skipped: list[tuple[Path, str]] = []
    paths, companions = pair_files(find_photos(root, lambda p, reason: skipped.append((Path(p), reason))))
    mtimes = []
    for p in paths:
        try:
            mtimes.append(os.stat(p).st_mtime)
        except OSError:
            mtimes.append(float("nan"))
    return paths, mtimes, skipped, companions


def scan_roots(paths: Sequence[Path], companions: dict[str, str]) -> list[Path]:
    """What a scan of a :func:`list_album` listing is given: its photos and the JPEGs of its pairs."""
    return [*paths, *(Path(c) for c in companions.values())]
