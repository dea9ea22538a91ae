"""What the side panel says about one photo besides its scores: the EXIF a photographer looks at,
and where the photo ranks in the album.

EXIF is full of placeholders: cameras and editors write 0 for an aperture or focal length they do
not know (a manual lens, a scan), empty strings, and "0000:00:00 00:00:00" for a date never set.
Shown as they are they read as facts ("f/0.0", "0 mm"), so an unknown value is left out. Dates
are shown in the user's locale, not in EXIF's "2024:05:01 10:22:33" notation.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PySide6.QtCore import QDate, QLocale, QTime

from ..browse import PhotoTable

#: (EXIF tag, label) in the order shown. Tags may sit in IFD0 or in the Exif sub-IFD.
EXIF_FIELDS = (
    (0x0110, "Camera"), (0xA434, "Lens"), (0x829A, "Exposure"), (0x829D, "Aperture"), (0x8827, "ISO"),
    (0x920A, "Focal length"), (0x9003, "Taken"),
)


def _number(value) -> float | None:
    """A positive finite number, or None for the placeholders (0, 0/0, empty, not a number)."""
    if isinstance(value, (tuple, list)):  # ISO is sometimes a list of speeds: the first is the one used
        value = value[0] if value else None
    try:
        v = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return v if math.isfinite(v) and v > 0 else None


def exif_date(text) -> _dt.datetime | None:
    """EXIF's "YYYY:MM:DD HH:MM:SS" as a datetime; None for an unset ("0000:00:00 …") or garbled one."""
    if not isinstance(text, str):
        return None
    try:
        return _dt.datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def date_text(when: _dt.datetime, locale: QLocale | None = None) -> str:
    """A date and time as the user's locale writes them, with the month spelt out (a 05/01 reads as
    May or January depending on the reader)."""
    locale = locale or QLocale()
    day = locale.toString(QDate(when.year, when.month, when.day), "d MMMM yyyy")
    time = locale.toString(QTime(when.hour, when.minute, when.second), QLocale.FormatType.ShortFormat)
    return f"{day}, {time}"


def format_exif(tag: int, value) -> str | None:
    """One EXIF value as the panel shows it, or None when it is unknown (then the row is left out)."""
    if tag == 0x829A:  # exposure time, seconds
        v = _number(value)
        if v is None:
            return None
        return f"1/{round(1 / v)} s" if v < 1 else f"{v:g} s"
    if tag == 0x829D:  # f-number
        v = _number(value)
        return None if v is None else f"f/{v:.1f}"
    if tag == 0x920A:  # focal length, mm
        v = _number(value)
        return None if v is None else f"{v:.0f} mm"
    if tag == 0x8827:  # ISO speed
        v = _number(value)
        return None if v is None else f"{v:.0f}"
    if tag == 0x9003:  # DateTimeOriginal
        when = exif_date(value)
        return None if when is None else date_text(when)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip("\x00 ") if value is not None else ""
    return text or None


def exif_summary(exif: Mapping[int, object], sub: Mapping[int, object]) -> dict[str, str]:
    """Label -> text for the fields of :data:`EXIF_FIELDS` that the photo really has. ``exif`` is
    IFD0, ``sub`` the Exif sub-IFD (where cameras put exposure, lens and dates)."""
    info: dict[str, str] = {}
    for tag, label in EXIF_FIELDS:
        value = sub.get(tag, exif.get(tag))
        text = format_exif(tag, value) if value is not None else None
        if text is not None:
            info[label] = text
    return info


def read_exif(path: Path) -> tuple[dict[str, str], tuple[int, int] | None]:
    """The photo's EXIF summary and its full (stored) size from the header; run on a worker. Camera
    RAWs too: their tags through :mod:`~aesthetic_curator.photo_tags`, their size from LibRaw."""
    from PIL import Image

    from ..formats import is_raw_name
    from ..photo_tags import read_tags
    from ..raw import raw_size

    tags = read_tags(path)
    summary = exif_summary(tags.ifd0, tags.exif) if tags is not None else {}
    if is_raw_name(path):
        return summary, raw_size(path)
    try:
        with Image.open(path) as im:
            return summary, im.size
    except (OSError, ValueError, SyntaxError):
        return summary, None


def rank_lines(table: PhotoTable, row: int, user: str | None) -> list[str]:
    """Where the photo stands in the album, saying by which ranking: the generic score, and the
    user's own (their stars where they rated, else their predicted stars, as "Sort by your score")."""
    lines = []
    rankings = [("generic score", table.key_values("generic"))]
    personal = table.key_values("personal")
    if not math.isnan(personal[row]):
        rankings.append((f"{user}'s score" if user else "your score", personal))
    for name, values in rankings:
        if math.isnan(values[row]):
            continue
        scored = values[~np.isnan(values)]
        rank = int(np.count_nonzero(scored > values[row])) + 1
        lines.append(f"Rank by {name}: {rank} of {len(scored)}")
    return lines
