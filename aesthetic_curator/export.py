"""Export: the picks, the top N or the photos with enough stars, copied (or, when the user asks,
moved) to a folder with sidecars, and a report of what went where.

Nothing is ever overwritten: each file is written under a temporary name in the destination and
then *linked* to a free name (``os.link`` fails rather than replace), trying ``name-2.jpg``,
``name-3.jpg``, ... on a collision; the sidecar's name must be free too. A copy leaves the
original as it was. A move (only on explicit request) is a rename within one file system, and
across file systems a verified copy followed by removing the original: at every moment the
photo exists in full in at least one place. Cancel stops between files; what was exported stays.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .atomic import atomic_file
from .catalog import PICK, REJECT, Catalog
from .pairs import PAIR_CHOICES
from .scoring import CountCallback, PhotoScore, SkippedFile
from .xmp import DEFAULT_PICK_LABEL, SIDECAR_STYLES, XmpError, find_sidecar, sidecar_for, sidecar_names, update_sidecar

SELECTIONS = ("picks", "top", "stars")


@dataclass(frozen=True)
class ExportItem:
    source: Path
    content_hash: str
    stars: int = 0
    flag: int = 0
    generic: float = float("nan")
    personal: float = float("nan")
    model_id: str = ""
    companion: Path | None = None  # the JPEG of a RAW+JPEG pair, ``source`` being the RAW


@dataclass(frozen=True)
class Exported:
    item: ExportItem
    destination: Path
    sidecar: Path | None
    #: Where the pair's other file went (the JPEG beside an exported RAW), with its sidecar.
    companion: Path | None = None
    companion_sidecar: Path | None = None


@dataclass
class ExportReport:
    exported: list[Exported] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    cancelled: bool = False
    moved: bool = False
    report_path: Path | None = None  # where write_report put the report, when one was asked for


def choose(photos: Sequence[PhotoScore], catalog: Catalog, user: str | None, *, selection: str,
           top: int = 0, min_stars: int = 0, personal: dict[str, float] | None = None) -> list[ExportItem]:
    """The photos to export, best first, one per photo content (copies of a photo count once).

    ``picks``: flagged as picks. ``top``: the ``top`` best by the user's stars where they rated,
    else their personal score, else the generic score; rejects never count. ``stars``: rated
    ``min_stars`` or more.
    """
    if selection not in SELECTIONS:
        raise ValueError(f"unknown selection {selection!r}; choose from {', '.join(SELECTIONS)}")
    stars = catalog.ratings(user) if user else {}
    flags = catalog.flags(user) if user else {}
    personal = personal or {}
    items: list[ExportItem] = []
    seen: set[str] = set()
    for p in photos:
        if p.content_hash in seen:
            continue
        seen.add(p.content_hash)
        pid = p.photo_id
        items.append(ExportItem(p.path, p.content_hash, round(stars.get(pid, 0)), flags.get(pid, 0),
                                p.mean, personal.get(p.content_hash, float("nan")), p.model_id, p.companion))

    def rank(it: ExportItem) -> tuple[float, float, str]:
        own = float(it.stars) if it.stars else (it.personal if not np.isnan(it.personal) else -np.inf)
        return -own, -it.generic if not np.isnan(it.generic) else np.inf, str(it.source)

    items.sort(key=rank)
    if selection == "picks":
        return [it for it in items if it.flag == PICK]
    if selection == "stars":
        if not 1 <= min_stars <= 5:
            raise ValueError(f"--min-stars is 1 to 5, not {min_stars}")
        return [it for it in items if it.stars >= min_stars and it.flag != REJECT]
    if top < 1:
        raise ValueError(f"--top needs a number of photos (1 or more), not {top}")
    return [it for it in items if it.flag != REJECT][:top]


def _candidates(name: str):
    stem, suffix = os.path.splitext(name)
    yield name
    k = 2
    while True:
        yield f"{stem}-{k}{suffix}"
        k += 1


def _link_no_clobber(src: Path, dest: Path, name: str, style: str | None) -> Path:
    """Link ``src`` under a free name in ``dest`` (never replacing anything); falls back to a
    checked rename on file systems without hard links (exFAT memory cards, some network shares)."""
    gen = _candidates(name)
    while True:
        target = dest / next(gen)
        if style and any(p.exists() for p in sidecar_names(target)):  # its sidecar's name must be free too
            continue
        try:
            os.link(src, target)
            return target
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.EACCES):
                raise
            if target.exists():
                continue
            os.rename(src, target)
            return target


def _copy_in(src: Path, dest: Path) -> Path:
    """A full, synced copy of ``src`` under a temporary name in ``dest`` (times kept)."""
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".tmp", dir=dest)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        # Times and permissions are a courtesy: exFAT and FAT cards refuse chmod (EPERM).
        with contextlib.suppress(OSError):
            shutil.copystat(src, tmp)
        return Path(tmp)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def _place(src: Path, dest: Path, style: str | None, move: bool, name: str | None = None) -> Path:
    """``src`` copied (or moved) into ``dest`` as ``name`` (default its own), or the first free variant."""
    name = name or src.name
    if move:
        try:
            target = _link_no_clobber(src, dest, name, style)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
        else:
            if src.exists():  # linked: drop the old name (the rename fallback already did)
                os.unlink(src)
            return target
    tmp = _copy_in(src, dest)
    try:
        target = _link_no_clobber(tmp, dest, name, style)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)  # the temporary name (gone already after the rename fallback)
    if move:
        if not _same_bytes(src, target):
            raise OSError(errno.EIO, "the copy differs from the original; the original was kept")
        os.unlink(src)
    return target


def _style_of(photo: Path, side: Path) -> str:
    return "darktable" if side.name.lower() == (photo.name + ".xmp").lower() else "lightroom"


def export_photos(items: Sequence[ExportItem], dest: Path, *, move: bool = False, sidecars: str | None = "darktable",
                  user: str | None = None, pick_label: str = DEFAULT_PICK_LABEL, catalog: Catalog | None = None,
                  progress: CountCallback | None = None, cancel: threading.Event | None = None,
                  pairs: str = "both") -> ExportReport:
    """Copy (or move) ``items`` into ``dest`` with sidecars in ``sidecars`` style (None: none
    written; a moved photo's existing sidecar still goes with it). ``catalog``: told about moves,
    so the photo keeps its scores and ratings under its new path.

    ``pairs`` (see :data:`PAIR_CHOICES`): of a RAW+JPEG pair, both files (the JPEG named as the RAW landed,
    ``IMG_0001-2.CR3`` beside ``IMG_0001-2.JPG``, so they stay a pair), the RAW, or the JPEG alone."""
    if sidecars is not None and sidecars not in SIDECAR_STYLES:
        raise ValueError(f"unknown sidecar style {sidecars!r}; choose from {', '.join(SIDECAR_STYLES)}")
    if pairs not in PAIR_CHOICES:
        raise ValueError(f"unknown pair choice {pairs!r}; choose from {', '.join(PAIR_CHOICES)}")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    report = ExportReport(moved=move)
    for k, item in enumerate(items):
        if cancel is not None and cancel.is_set():
            report.cancelled = True
            break
        first, second = _files_of(item, pairs)
        # A pair goes under one stem nothing in dest has yet: its two files and their sidecars stay together,
        # and neither pairs with another photo's file of that name.
        stem = _free_stem(dest, first.stem) if second is not None else None
        placed = _export_file(item, first, stem and stem + first.suffix, dest, move, sidecars, user, pick_label,
                              catalog, report)
        if placed is not None:
            other = other_side = None
            if second is not None:
                name = placed[0].stem + second.suffix
                done = _export_file(item, second, name, dest, move, sidecars, user, pick_label, catalog, report,
                                    checked=True)
                other, other_side = done if done is not None else (None, None)
            report.exported.append(Exported(item, placed[0], placed[1], other, other_side))
        if progress is not None:
            progress(k + 1, len(items))
    return report


def _files_of(item: ExportItem, pairs: str) -> tuple[Path, Path | None]:
    """The file an item's export starts with and the pair's second file, as ``pairs`` asks."""
    src = Path(item.source)
    if item.companion is None or pairs == "raw":
        return src, None
    if pairs == "jpeg":
        return Path(item.companion), None
    return src, Path(item.companion)


def _free_stem(dest: Path, stem: str) -> str:
    """``stem``, or ``stem-2``, ``stem-3``...: the first that no name in ``dest`` begins with (any case)."""
    names = [n.lower() for n in os.listdir(dest)]
    k = 1
    while any(n.startswith((stem if k == 1 else f"{stem}-{k}").lower() + ".") for n in names):
        k += 1
    return stem if k == 1 else f"{stem}-{k}"


def _export_file(item: ExportItem, src: Path, name: str | None, dest: Path, move: bool, sidecars: str | None,
                 user: str | None, pick_label: str, catalog: Catalog | None,
                 report: ExportReport, checked: bool = False) -> tuple[Path, Path | None] | None:
    """One file of ``item`` placed in ``dest`` (as ``name``, else its own) with its sidecar: (where it went,
    its sidecar); None when it could not be placed (reported). ``checked``: the stem of ``name`` was free, so
    the sidecar names are not checked again (the pair's first file has just taken the Lightroom one)."""
    try:
        old_side = find_sidecar(src, sidecars or "darktable")
        style = sidecars or (_style_of(src, old_side) if old_side else None)
        target = _place(src, dest, None if checked else style, move, name)
    except OSError as exc:
        report.skipped.append(SkippedFile(src, f"not exported: {exc.strerror or exc}"))
        return None
    if move and catalog is not None:  # the file is at its new path now, whatever follows
        catalog.move_file(src, target)
    return target, _export_sidecar(item, src, target, old_side, style, sidecars, move, user, pick_label, report)


def _export_sidecar(item: ExportItem, src: Path, target: Path, old_side: Path | None, style: str | None,
                    sidecars: str | None, move: bool, user: str | None, pick_label: str,
                    report: ExportReport) -> Path | None:
    """The exported photo's sidecar: what other apps wrote about it copied (never over a file),
    our marks merged in; a failure here is reported and leaves the exported photo as it is."""
    side = None
    try:
        if old_side is not None or sidecars is not None:
            side = sidecar_for(target, style or "darktable")
        if old_side is not None:  # what other apps wrote about the photo goes with it
            with open(old_side, "rb") as inp, open(side, "xb") as out:
                shutil.copyfileobj(inp, out)
        if sidecars is not None:
            update_sidecar(target, sidecars, sidecar=side, stars=item.stars, flag=item.flag, user=user,
                           generic=None if np.isnan(item.generic) else item.generic,
                           personal=None if np.isnan(item.personal) else item.personal,
                           model=item.model_id or None, pick_label=pick_label)
        if move and old_side is not None:
            os.unlink(old_side)
    except (OSError, XmpError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        where = "moved" if move else "exported"
        report.skipped.append(SkippedFile(src, f"{where} to {target}, but its sidecar was not: {why}"))
        return side if side is not None and side.exists() else None
    return side


FIELDS = ("source", "destination", "sidecar", "companion", "stars", "flag", "generic", "personal")


def report_rows(report: ExportReport) -> list[dict[str, object]]:
    def num(x: float) -> float | None:
        return None if np.isnan(x) else round(float(x), 3)

    return [{"source": str(e.item.source), "destination": str(e.destination),
             "sidecar": str(e.sidecar) if e.sidecar else "", "companion": str(e.companion) if e.companion else "",
             "stars": e.item.stars,
             "flag": {PICK: "pick", REJECT: "reject"}.get(e.item.flag, ""),
             "generic": num(e.item.generic), "personal": num(e.item.personal)} for e in report.exported]


def write_report(report: ExportReport, path: Path) -> Path:
    """The export's report as CSV, or JSON when ``path`` ends in .json; written atomically under
    ``path`` or, when that exists (an earlier export's report), the first free ``name-2.csv``...
    Returns where it went."""
    path = Path(path)
    path = next(path.with_name(n) for n in _candidates(path.name) if not path.with_name(n).exists())
    rows = report_rows(report)
    if path.suffix.lower() == ".json":
        text = json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    else:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
        text = buf.getvalue()
    with atomic_file(path) as f:
        f.write(text.encode("utf-8"))
    return path
