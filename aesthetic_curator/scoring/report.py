"""What a scan hands back: each photo's generic score, the files it skipped, and its progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..catalog import StoredScore


@dataclass(frozen=True)
class PhotoScore:
    """A photo's generic score. ``mean`` and ``std`` are on the 1..10 scale of ``distribution``.

    ``photo_id`` is the photo's id in the catalog the scan used (the key of its ratings and flags), so a
    caller never has to look it up again by ``content_hash``; None only for a score made outside a scan.
    """

    path: Path
    content_hash: str
    model_id: str
    mean: float
    std: float
    distribution: np.ndarray
    features: np.ndarray
    cached: bool
    look: np.ndarray | None = None  # first-layer channel means and spreads (see AestheticNet.look_layer)
    photo_id: int | None = None
    #: The camera's JPEG (or HEIF) of a RAW+JPEG pair, ``path`` being the RAW: one photo (see :mod:`..pairs`).
    companion: Path | None = None

    @classmethod
    def from_stored(cls, path: str | Path, stored: StoredScore, model_id: str,
                    companion: str | Path | None = None) -> PhotoScore:
        """A score answered from the catalog (``cached``) for the file at ``path``."""
        return cls(Path(path), stored.content_hash, model_id, stored.mean, stored.std, stored.distribution,
                   stored.features, cached=True, look=stored.look, photo_id=stored.photo_id,
                   companion=Path(companion) if companion is not None else None)

    @property
    def files(self) -> list[Path]:
        """The photo's files: ``path``, and its companion in a RAW+JPEG pair."""
        return [self.path] if self.companion is None else [self.path, self.companion]


@dataclass(frozen=True)
class SkippedFile:
    """A file a job left out, with a reason a user can act on (see :mod:`~aesthetic_curator.errors`)."""

    path: Path
    reason: str


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` photos handled (scored, answered from the catalog, or skipped)."""

    done: int
    total: int
    scored: int
    cached: int
    skipped: int


@dataclass
class ScanReport:
    """A scan's outcome: every photo's score (answered from the catalog, then new ones in the order they were
    stored), the files skipped, how many photos the network ran on, and whether a Cancel stopped it (then a
    later scan scores the rest)."""

    scores: list[PhotoScore] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    inferred: int = 0
    cancelled: bool = False

    def sorted_scores(self) -> list[PhotoScore]:
        return sorted(self.scores, key=lambda s: (-s.mean, str(s.path)))

    def photo_ids(self) -> list[int]:
        """The catalog's photo id of each score, in order: what ratings and flags are keyed by. A scan sets
        every one; a score made elsewhere without one is a caller's bug, refused here."""
        ids: list[int] = []
        for s in self.scores:
            if s.photo_id is None:
                raise ValueError(f"{s.path}: a score without a photo id (only a scan's scores have one)")
            ids.append(s.photo_id)
        return ids


ProgressCallback = Callable[[Progress], None]
#: ``(done, total)`` after each file of a job over an album's photos (sidecars, exports); on the job's thread.
CountCallback = Callable[[int, int], None]
