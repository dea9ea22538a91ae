"""A user's ratings: typed, read from a CSV, recorded by file content; the rated photos with their generic
scores; renaming and forgetting a user. Part of :mod:`.service`, the API the CLI and the GUI share."""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..catalog import Catalog
from ..errors import InvalidValueError, PhotoError
from ..imaging import check_photo, is_photo_name
from ..interrupt import Interrupted
from ..models import DEFAULT_WEIGHTS
from ..models.weights import WeightsSpec
from ..scoring import ProgressCallback, ScanReport, Scorer, SkippedFile, score_album
from .profile import load_profile, profile_path, save_profile

STARS = (1, 5)


# -- ratings ----------------------------------------------------------------------------------------
def parse_stars(text: str) -> float | None:
    """A rating as a user types it: ``1``..``5`` stars; ``0``, ``-`` or empty clears it."""
    text = text.strip()
    if text in ("", "0", "-"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise InvalidValueError(f"{text!r} is not a rating (1 to 5 stars, 0 to clear)") from None
    if not STARS[0] <= value <= STARS[1]:
        raise InvalidValueError(f"{text!r} is not a rating (1 to 5 stars, 0 to clear)")
    return value


def read_ratings_csv(path: Path) -> tuple[list[tuple[Path, float | None]], list[str]]:
    """Rows of ``path,rating`` (a header row is allowed); relative paths are relative to the CSV's
    folder. Returns the good rows, and a message for each row that is not one."""
    path = Path(path)
    rows: list[tuple[Path, float | None]] = []
    problems: list[str] = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            lines = list(csv.reader(fh))
    except UnicodeDecodeError:
        raise InvalidValueError(f"{path} is not a CSV text file (UTF-8): expected 'path,rating' rows") from None
    except (OSError, csv.Error) as exc:
        raise InvalidValueError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    for line_no, row in enumerate(lines, start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < 2:
            problems.append(f"{path}:{line_no}: expected 'path,rating', got {','.join(row)!r}")
            continue
        try:
            stars = parse_stars(row[1])
        except ValueError as exc:
            if line_no == 1:  # a header such as "path,rating"
                continue
            problems.append(f"{path}:{line_no}: {exc}")
            continue
        photo = Path(row[0].strip()).expanduser()
        rows.append((photo if photo.is_absolute() else path.parent / photo, stars))
    return rows, problems


def rate_files(catalog: Catalog, user: str, items: Sequence[tuple[Path, float | None]]
               ) -> tuple[list[tuple[Path, int]], list[SkippedFile]]:
    """Record ``user``'s stars for files (``None`` clears), in one transaction.

    A photo is identified by its content, so a rating follows the photo when it is moved or
    copied. Files that cannot be read are skipped with the reason; the rest are rated.
    """
    done: list[tuple[Path, int]] = []
    skipped: list[SkippedFile] = []
    updates: list[tuple[int, float | None]] = []
    for path, stars in items:
        if stars is not None and not STARS[0] <= stars <= STARS[1]:
            skipped.append(SkippedFile(Path(path), f"a rating is 1 to 5 stars, not {stars}"))
            continue
        if not is_photo_name(Path(path)):
            skipped.append(SkippedFile(Path(path), "not a photo file type"))
            continue
        try:
            photo_id = catalog.photo_id_for_file(path, check=check_photo)
        except PhotoError as exc:
            skipped.append(SkippedFile(Path(path), exc.reason))
            continue
        except OSError as exc:
            skipped.append(SkippedFile(Path(path), exc.strerror or str(exc)))
            continue
        done.append((Path(path), photo_id))
        updates.append((photo_id, stars))
    catalog.set_ratings(user, updates)
    return done, skipped


@dataclass
class RatedPhotos:
    """A user's rated photos with what the generic model says of them (rows aligned)."""

    photo_ids: list[int]
    ratings: np.ndarray
    generic: np.ndarray
    features: np.ndarray
    paths: list[Path]
    skipped: list[SkippedFile] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.photo_ids)


def rated_photos(catalog: Catalog, user: str, *, spec: WeightsSpec = DEFAULT_WEIGHTS,
                 scorer: Scorer | Callable[[], Scorer] | None = None, progress: ProgressCallback | None = None,
                 cancel: threading.Event | None = None) -> RatedPhotos:
    """Every photo ``user`` rated that can still be found, with its generic score and features.

    Rated photos the generic model has not scored yet (rated from the command line before any
    scan) are scored now (``progress`` hears that scan). Photos whose every known path is gone are
    skipped with a reason. A set ``cancel`` stops that scan within one layer of the network and raises
    :class:`~aesthetic_curator.interrupt.Interrupted`.
    """
    ratings = catalog.ratings(user)
    paths = catalog.paths_of(ratings)
    located: dict[int, Path] = {}
    skipped: list[SkippedFile] = []
    for pid in sorted(ratings):
        existing = [Path(p) for p in paths.get(pid, []) if Path(p).is_file()]
        if existing:
            located[pid] = existing[0]
        else:
            where = paths.get(pid, ["(no known path)"])[0]
            skipped.append(SkippedFile(Path(where), "rated photo not found at any known path"))
    stored = catalog.scores_for(located, spec.model_id)
    missing = [located[pid] for pid in located if pid not in stored]
    if missing:
        report = score_album(missing, catalog, scorer=scorer, spec=spec, progress=progress, cancel=cancel)
        if report.cancelled:
            raise Interrupted
        skipped.extend(report.skipped)
        stored = catalog.scores_for(located, spec.model_id)
    ids = [pid for pid in located if pid in stored]
    dim = next(iter(stored.values())).features.size if stored else 0
    return RatedPhotos(
        photo_ids=ids,
        ratings=np.array([ratings[i] for i in ids], np.float64),
        generic=np.array([stored[i].mean for i in ids], np.float64),
        features=np.stack([stored[i].features for i in ids]) if ids else np.zeros((0, dim), np.float32),
        paths=[located[i] for i in ids],
        skipped=skipped,
    )


def album_photo_ids(catalog: Catalog, album: ScanReport) -> list[int]:
    """The catalog's photo id of each scored photo of a scan, in the scan's order. A scan sets them on its
    scores; ``catalog`` is read only for scores assembled elsewhere without one (a benchmark's synthetic
    album), by content hash."""
    if all(s.photo_id is not None for s in album.scores):
        return album.photo_ids()
    ids = catalog.photo_ids(s.content_hash for s in album.scores if s.photo_id is None)
    return [s.photo_id if s.photo_id is not None else ids[s.content_hash] for s in album.scores]


# -- users ----------------------------------------------------------------------------------------
def rename_user(catalog: Catalog, old: str, new: str, folder: Path | None = None) -> None:
    """Rename a user: their ratings, flags and profile follow. The new profile is written (atomically)
    before the old file goes, so a crash in between leaves one of the two, never none."""
    old_path, new_path = profile_path(old, folder), profile_path(new, folder)
    profile = load_profile(old_path) if old_path.exists() else None  # a damaged one stops us here
    catalog.rename_user(old, new)
    if profile is not None:
        profile.user = new.strip()
        save_profile(profile, new_path)
        old_path.unlink()


def delete_user(catalog: Catalog, name: str, folder: Path | None = None) -> None:
    """Forget a user: ratings, flags and profile. The photos and their generic scores stay."""
    catalog.delete_user(name)
    profile_path(name, folder).unlink(missing_ok=True)
