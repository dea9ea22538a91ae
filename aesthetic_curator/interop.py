"""Ratings in and out of XMP: a user's stars, flags and our scores written to sidecars, and the
star ratings a photographer already made in Lightroom, darktable or digiKam imported as their
training ratings (so a rated catalogue gives a personal model without rating anything here).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import Catalog
from .errors import PhotoError, UnreadableFileError
from .imaging import check_photo, is_photo_name
from .pairs import pair_files
from .scoring import CountCallback, PhotoScore, SkippedFile
from .xmp import DEFAULT_PICK_LABEL, XmpError, find_sidecar, read_photo_marks, update_sidecar


@dataclass
class SidecarReport:
    written: list[Path] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    cancelled: bool = False


def write_sidecars(catalog: Catalog, user: str, photos: Sequence[PhotoScore], *, style: str = "darktable",
                   personal: dict[str, float] | None = None, everything: bool = False,
                   pick_label: str = DEFAULT_PICK_LABEL, progress: CountCallback | None = None,
                   cancel: threading.Event | None = None) -> SidecarReport:
    """Write ``user``'s stars and flags, and the scores, into each photo's sidecar.

    Only photos the user marked, or that already have a sidecar (to keep it current, and to clear
    marks the user took back), get one, unless ``everything``: a folder of unrated photos does
    not fill with sidecars nobody asked for. ``personal``: personal scores by content hash.
    """
    report = SidecarReport()
    stars, flags = catalog.ratings(user), catalog.flags(user)
    for k, p in enumerate(photos):
        if cancel is not None and cancel.is_set():
            report.cancelled = True
            break
        pid = p.photo_id
        s = round(stars.get(pid, 0)) if pid is not None else 0
        f = flags.get(pid, 0) if pid is not None else 0
        for path in p.files:  # a RAW+JPEG pair: the same marks in each file's own sidecar
            if not (everything or s or f or find_sidecar(path, style) is not None):
                continue
            try:
                report.written.append(update_sidecar(
                    path, style, stars=s, flag=f, user=user, generic=p.mean,
                    personal=(personal or {}).get(p.content_hash), model=p.model_id, pick_label=pick_label))
            except XmpError as exc:
                report.skipped.append(SkippedFile(path, f"sidecar not updated: {exc}"))
            except OSError as exc:
                report.skipped.append(SkippedFile(path, f"cannot write its sidecar: {exc.strerror or exc}"))
        if progress is not None:
            progress(k + 1, len(photos))
    return report


@dataclass
class ImportReport:
    """What an import did: ratings and flags stored, ones kept because the catalog already had a
    different value (without ``overwrite``), photos with nothing to import, and problems."""

    ratings: int = 0
    flags: int = 0
    kept: int = 0
    unmarked: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    cancelled: bool = False
    #: What was stored, by photo id, with what each photo had before (None: nothing), so that a
    #: caller can offer undo.
    new_stars: dict[int, float] = field(default_factory=dict)
    old_stars: dict[int, float | None] = field(default_factory=dict)
    new_flags: dict[int, int] = field(default_factory=dict)
    old_flags: dict[int, int | None] = field(default_factory=dict)


def _known_bad(catalog: Catalog, path: str) -> bool:
    """Whether the scan found this file, as it is now, unreadable (a RAW whose headers parse but whose data
    is cut off passes a header check)."""
    bad = catalog.known_bad([path]).get(path)
    try:
        st = Path(path).stat()
    except OSError:
        return True
    return bad is not None and bad[:2] == (st.st_size, st.st_mtime_ns)


def _pair_marks(path: Path, companion: str | None, style: str, pick_label: str):
    """A photo's marks and where they came from; for a RAW+JPEG pair, the RAW's, else (none, or an unusable
    sidecar) those another app gave its JPEG. The RAW's unusable sidecar still raises when the JPEG has none."""
    try:
        marks, where = read_photo_marks(path, style, pick_label)
    except XmpError:
        if companion is None:
            raise
        marks, where = read_photo_marks(Path(companion), style, pick_label)
        if marks is None:
            raise
        return marks, where
    if (marks is None or marks.empty) and companion is not None:
        return read_photo_marks(Path(companion), style, pick_label)
    return marks, where


def import_ratings(catalog: Catalog, user: str, paths: Sequence[Path], *, style: str = "darktable",
                   pick_label: str = DEFAULT_PICK_LABEL, overwrite: bool = False,
                   progress: CountCallback | None = None, cancel: threading.Event | None = None) -> ImportReport:
    """Read each photo's sidecar (else the XMP inside it) and store its stars and flag as
    ``user``'s. What the user already said here wins unless ``overwrite``. All of it is stored in
    one transaction at the end, so a cancelled or failed import stores no marks (the catalog may
    have learnt which file holds which photo along the way, as any scan does)."""
    report = ImportReport()
    # A RAW+JPEG pair is one photo: the RAW's marks, else those another app gave its JPEG.
    paths, companions = pair_files(Path(p) for p in paths)
    have_stars, have_flags = catalog.ratings(user), catalog.flags(user)
    new_stars: dict[int, float] = {}
    new_flags: dict[int, int] = {}
    for k, path in enumerate(paths):
        if cancel is not None and cancel.is_set():
            report.cancelled = True
            return report
        if progress is not None:
            progress(k + 1, len(paths))
        if not is_photo_name(Path(path)):
            continue
        try:
            marks, _ = _pair_marks(Path(path), companions.get(str(path)), style, pick_label)
        except XmpError as exc:
            report.skipped.append(SkippedFile(Path(path), f"its sidecar is unusable: {exc}"))
            continue
        if marks is None or marks.empty:
            report.unmarked += 1
            continue
        try:  # checked as the scan would read it: a damaged file's marks are not stored on a photo nobody sees
            if str(path) in companions and _known_bad(catalog, str(path)):
                raise UnreadableFileError(Path(path), "the scan could not read it")
            pid = catalog.photo_id_for_file(path, check=check_photo)
        except (OSError, PhotoError) as exc:
            if str(path) not in companions:
                report.skipped.append(SkippedFile(Path(path), getattr(exc, "strerror", None) or str(exc)))
                continue
            try:  # an unreadable RAW: its JPEG is the photo the scan scored, and the marks are its
                pid = catalog.photo_id_for_file(companions[str(path)], check=check_photo)
            except (OSError, PhotoError) as again:
                report.skipped.append(SkippedFile(Path(path), getattr(exc, "strerror", None) or str(exc)))
                report.skipped.append(SkippedFile(Path(companions[str(path)]),
                                                  getattr(again, "strerror", None) or str(again)))
                continue
        if marks.stars:
            if pid in have_stars and have_stars[pid] != marks.stars and not overwrite:
                report.kept += 1
            else:
                new_stars[pid] = float(marks.stars)
        if marks.flag:
            if pid in have_flags and have_flags[pid] != marks.flag and not overwrite:
                report.kept += 1
            else:
                new_flags[pid] = marks.flag
    catalog.set_marks(user, ratings=list(new_stars.items()), flags=list(new_flags.items()))
    report.ratings, report.flags = len(new_stars), len(new_flags)
    report.new_stars, report.new_flags = new_stars, new_flags
    report.old_stars = {pid: have_stars.get(pid) for pid in new_stars}
    report.old_flags = {pid: have_flags.get(pid) for pid in new_flags}
    return report
