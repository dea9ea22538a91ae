"""Culling an album: its bursts and near-duplicates with the best of each, and "keep the best,
reject the rest". One API for the command line and the app.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .catalog import PICK, REJECT, Catalog
from .errors import PhotoError
from .groups import GroupConfig, best_of, find_groups, perceptual_hash
from .imaging import network_input
from .models import DEFAULT_WEIGHTS
from .models.weights import WeightsSpec
from .scoring import ScanReport


@dataclass(frozen=True)
class PhotoGroup:
    """Indices into the album's scores: every member, and the one to keep."""

    members: tuple[int, ...]
    best: int


def capture_times(paths: Sequence[Path]) -> np.ndarray:
    """EXIF capture times (NaN where a photo has none). File times and EXIF DateTime are not
    used: photos copied off a card, or edited, together have near-equal ones and would all look
    like one burst."""
    from .browse import capture_time

    return np.array([t if (t := capture_time(p, original_only=True)) is not None else np.nan for p in paths],
                    np.float64)


def album_hashes(catalog: Catalog, album: ScanReport, spec: WeightsSpec = DEFAULT_WEIGHTS,
                 cancel: threading.Event | None = None) -> list[int | None]:
    """Each scored photo's perceptual hash: from the catalog (the scan stores it), else computed
    from the file the way the scan does and stored (photos scored by an older release)."""
    known = catalog.phashes(s.photo_id for s in album.scores if s.photo_id is not None)
    out: list[int | None] = []
    new: dict[int, int] = {}
    for s in album.scores:
        pid = s.photo_id
        h = known.get(pid) if pid is not None else None
        if h is None and pid is not None and not (cancel and cancel.is_set()):
            try:
                h = perceptual_hash(network_input(s.path, spec).array)
                new[pid] = known[pid] = h
            except (PhotoError, OSError):
                h = None
        out.append(h)
    if new:
        catalog.set_phashes(new)
    return out


def group_album(catalog: Catalog, album: ScanReport, *, personal: np.ndarray | None = None,
                stars: np.ndarray | None = None, times: np.ndarray | None = None,
                config: GroupConfig | None = None, spec: WeightsSpec = DEFAULT_WEIGHTS,
                cancel: threading.Event | None = None) -> list[PhotoGroup]:
    """The album's groups, largest first, each with its best photo (the user's stars, else their
    personal score, else the generic score)."""
    if len(album.scores) < 2:
        return []
    features = np.stack([s.features for s in album.scores])
    generic = np.array([s.mean for s in album.scores], np.float64)
    if times is None:
        times = capture_times([s.path for s in album.scores])
    hashes = album_hashes(catalog, album, spec, cancel)
    groups = find_groups(features, times, hashes, config or GroupConfig())
    return [PhotoGroup(tuple(int(i) for i in g), best_of(g, personal, generic, stars)) for g in groups]


def keep_best_marks(groups: Sequence[PhotoGroup], photo_ids: Sequence[int], flags: dict[int, int],
                    stars: dict[int, float] | None = None) -> list[tuple[int, int | None]]:
    """The flag changes of "keep the best, reject the rest": the best of each group picked,
    the others rejected, by photo id. What the user said stands: a photo they picked, or starred
    as high as the best, is never rejected (nor is a copy of the best)."""
    stars = stars or {}
    changes: dict[int, int | None] = {}
    for g in groups:
        keep = photo_ids[g.best]
        top = stars.get(keep, 0)
        for i in g.members:
            pid = photo_ids[i]
            starred = stars.get(pid, 0)
            if pid != keep and (changes.get(pid) == PICK or flags.get(pid) == PICK or 0 < starred >= top):
                continue
            changes[pid] = PICK if pid == keep else REJECT
    return [(pid, f) for pid, f in changes.items() if flags.get(pid, 0) != f]
