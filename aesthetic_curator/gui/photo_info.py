"""What the side panel says about one photo besides its scores: the EXIF a photographer looks at,
and where the photo ranks in the album.

EXIF is full of placeholders: cameras and editors write 0 for an aperture or focal length they do
not know (a manual lens, a scan), empty strings, and "0000:00:00 00:00:00" for a date never set.
Shown as they are they read as facts ("f/0.0", "0 mm"), so an unknown value is left out. Dates
are shown in the user's locale, not in EXIF's "2024:05:01 10:22:33" notation, to the second and with
the camera's sub-seconds when it wrote them: the frames of a burst differ only there. The camera is
make and model together ("SONY ILCE-7M3" says more than "ILCE-7M3"), the make once ("Canon EOS R5",
not "Canon Canon EOS R5") and without its company suffix ("NIKON CORPORATION").
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from pathlib import Path

import numpy as np
from PySide6.QtCore import QDate, QLocale, QTime

from ..browse import PhotoTable
from ..photo_tags import PhotoTags, capture, exif_datetime

MAKE, MODEL, TAKEN = 0x010F, 0x0110, 0x9003
#: (EXIF tag, label) in the order shown. Tags may sit in IFD0 or in the Exif sub-IFD. "Camera" is
#: make and model, "Taken" DateTimeOriginal with SubSecTimeOriginal.
EXIF_FIELDS = (
    (MODEL, "Camera"), (0xA434, "Lens"), (0x829A, "Exposure"), (0x829D, "Aperture"), (0x8827, "ISO"),
    (0x920A, "Focal length"), (TAKEN, "Taken"),
)
#: Words of a maker's EXIF name that name the company, not the brand ("OLYMPUS IMAGING CORP.").
COMPANY_WORDS = frozenset({"corporation", "corp", "co", "company", "ltd", "inc", "imaging", "optical", "electric",
                           "industrial", "camera", "gmbh", "ag", "kg", "sa", "limited"})


def _number(value) -> float | None:
    """A positive finite number, or None for the placeholders (0, 0/0, empty, not a number)."""
    if isinstance(value, (tuple, list)):  # ISO is sometimes a list of speeds: the first is the one used
        value = value[0] if value else None
    try:
        v = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return v if math.isfinite(v) and v > 0 else None


#: EXIF's date notation read as a datetime (kept under this name for the panel's callers).
exif_date = exif_datetime


def date_text(when: _dt.datetime, locale: QLocale | None = None, subsec: str = "") -> str:
    """A date and time as the user's locale writes them, with the month spelt out (a 05/01 reads as
    May or January depending on the reader), to the second, and ``subsec`` (the camera's sub-second
    digits, as written) after the locale's decimal point."""
    locale = locale or QLocale()
    day = locale.toString(QDate(when.year, when.month, when.day), "d MMMM yyyy")
    time = locale.toString(QTime(when.hour, when.minute, when.second), _time_format(locale, subsec))
    return f"{day}, {time}"


def _time_format(locale: QLocale, subsec: str) -> str:
    """The locale's long time format (it has the seconds) without its time zone, which EXIF's local
    clock time does not know; ``subsec`` quoted in after the seconds."""
    parts = locale.timeFormat(QLocale.FormatType.LongFormat).split("'")
    seconds = f"ss'{locale.decimalPoint()}{subsec}'" if subsec else "ss"
    for i in range(0, len(parts), 2):  # outside quotes only: a quoted "t" or "ss" is text
        parts[i] = re.sub(r"\s*\bt+\b", "", parts[i])
        if "ss" in parts[i] and seconds != "ss":
            parts[i], seconds = parts[i].replace("ss", seconds, 1), "ss"
    return "'".join(parts).strip()


def camera_name(make: object, model: object) -> str | None:
    """Make and model as one name, the brand said once; None when neither is known."""
    make_text, model_text = _text(make) or "", _text(model) or ""
    brand = [w for w in re.split(r"[\s,.]+", make_text) if w and w.casefold() not in COMPANY_WORDS]
    if any(w.casefold() in model_text.casefold() for w in brand):
        return model_text
    return " ".join([*brand, model_text]).strip() or None


def _text(value) -> str | None:
    """An EXIF string without its padding; None when empty."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip("\x00 ") if value is not None else ""
    return text or None


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
    if tag == TAKEN:  # DateTimeOriginal
        when = exif_date(value)
        return None if when is None else date_text(when)
    return _text(value)


def exif_summary(tags: PhotoTags) -> dict[str, str]:
    """Label -> text for the fields of :data:`EXIF_FIELDS` that the photo really has (from the Exif
    IFD, where cameras put exposure, lens and dates, else IFD0, where TIFF/EP RAWs may)."""
    info: dict[str, str] = {}
    for tag, label in EXIF_FIELDS:
        if tag == MODEL:
            text = camera_name(tags.get(MAKE), tags.get(MODEL))
        elif tag == TAKEN:
            taken = capture(tags, original_only=True)  # DateTime is a file's last write, not "Taken"
            text = None if taken is None else date_text(taken.when, subsec=taken.subsec)
        else:
            value = tags.get(tag)
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
    summary = exif_summary(tags) if tags is not None else {}
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
