"""The EXIF tags of any photo the app lists, JPEG to camera RAW, read from headers only.

Capture times (sorting, bursts) and the viewer's camera, lens and exposure come from here, for
every format: Pillow reads JPEG, TIFF, PNG, WebP, HEIC and AVIF. Camera RAWs are not images
Pillow opens, but most are TIFF structures underneath, so their IFD0 and Exif IFD are parsed here
with Pillow's TIFF directory reader, seeking in the file, never reading the pixel data (a 50 MB
RAW costs a few kB of reads):

* DNG, CR2, NEF, NRW, ARW, SRF, SR2, PEF, SRW, 3FR, IIQ, ERF, MEF, MOS, KDC, DCR, RWL: plain TIFF.
* ORF (``IIRO``) and RW2 (``IIU``): TIFF under a private magic number, read as TIFF.
* CR3: ISO media boxes; Canon keeps IFD0 in a ``CMT1`` box and the Exif IFD in ``CMT2``.
* RAF: a JPEG (with the camera's EXIF) at an offset the header gives.

Other RAWs (X3F, CRW) have no tags here: their photos sort by file time and join no burst.

:func:`capture` reads the capture time once for every caller (sorting, bursts, the viewer's panel):
DateTimeOriginal with its SubSecTimeOriginal digits, which are what order the frames of a burst
shot at 10 or 30 frames a second, all stamped with the same second.
"""

from __future__ import annotations

import datetime as _dt
import io
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from PIL import Image, TiffImagePlugin

from .formats import is_raw_name
from .raw_previews import TIFF_MAGIC, media_boxes

EXIF_IFD = 0x8769
DATE_TIME, DATE_TIME_ORIGINAL = 0x0132, 0x9003
SUBSEC_TIME, SUBSEC_TIME_ORIGINAL = 0x9290, 0x9291
CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
#: An IFD or box bigger than this is not metadata: a damaged file, read no further.
MAX_TAG_BYTES = 1 << 20


@dataclass(frozen=True)
class PhotoTags:
    """A photo's IFD0 (``ifd0``: camera, orientation, file time) and Exif IFD (``exif``: capture time,
    exposure, lens), as tag number -> value (Pillow's types: str, int, IFDRational, tuples)."""

    ifd0: Mapping[int, object] = field(default_factory=dict)
    exif: Mapping[int, object] = field(default_factory=dict)

    def get(self, tag: int) -> object | None:
        """A tag from the Exif IFD, else from IFD0 (TIFF/EP RAWs put exposure and dates there too)."""
        value = self.exif.get(tag)
        return self.ifd0.get(tag) if value is None else value


@dataclass(frozen=True)
class CaptureTime:
    """When a photo was taken, as the camera's clock wrote it: ``when`` to the second (local time, no
    zone), ``subsec`` the sub-second digits as written ("25" is 0.25 s; "" when none), ``original``
    False when it is DateTime, the file's last write (an editor's batch gives many photos the same one)."""

    when: _dt.datetime
    subsec: str = ""
    original: bool = True

    @property
    def fraction(self) -> float:
        """The sub-second part in seconds (digits are a decimal fraction: "5" is 0.5 s, "050" 0.05 s)."""
        return int(self.subsec) / 10 ** len(self.subsec) if self.subsec else 0.0

    def timestamp(self) -> float:
        """POSIX seconds (the clock's time read as this machine's local time), sub-seconds included:
        float64 keeps microseconds for centuries, so burst frames stay apart and in order."""
        return self.when.timestamp() + self.fraction


def exif_datetime(text: object) -> _dt.datetime | None:
    """EXIF's "YYYY:MM:DD HH:MM:SS" as a datetime; None for an unset ("0000:00:00 …"), garbled or missing one."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    if not isinstance(text, str):
        return None
    try:
        return _dt.datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _digits(value: object) -> str:
    """SubSecTime digits, or "" for a missing or garbled value (some cameras pad with spaces or NULs)."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    text = value.strip("\x00 ") if isinstance(value, str) else ""
    return text if text.isascii() and text.isdigit() else ""


def capture(tags: PhotoTags, *, original_only: bool = False) -> CaptureTime | None:
    """The photo's capture time: DateTimeOriginal (Exif IFD, or IFD0 in TIFF/EP RAWs) with
    SubSecTimeOriginal; else, unless ``original_only``, DateTime with SubSecTime, a fair guess for
    sorting but no evidence of a burst. None when neither is a real date."""
    when = exif_datetime(tags.get(DATE_TIME_ORIGINAL))
    if when is not None:
        return CaptureTime(when, _digits(tags.get(SUBSEC_TIME_ORIGINAL)))
    if original_only:
        return None
    when = exif_datetime(tags.ifd0.get(DATE_TIME))
    return None if when is None else CaptureTime(when, _digits(tags.get(SUBSEC_TIME)), original=False)


def read_tags(path: Path) -> PhotoTags | None:
    """The photo's tags, or None when the file cannot be read or parsed (callers then do without)."""
    path = Path(path)
    try:
        if is_raw_name(path):
            with open(path, "rb") as fh:
                return _raw_tags(fh)
        with Image.open(path) as im:
            exif = im.getexif()
            return PhotoTags(dict(exif), dict(exif.get_ifd(EXIF_IFD)))
    except (OSError, ValueError, SyntaxError, struct.error, KeyError, EOFError):
        return None


def _raw_tags(fh: BinaryIO) -> PhotoTags | None:
    head = fh.read(16)
    if head[:4] in TIFF_MAGIC:
        return _tiff_tags(fh, head[:8])
    if head[4:12] == b"ftypcrx ":
        return _cr3_tags(fh)
    if head.startswith(b"FUJIFILMCCD-RAW"):
        fh.seek(84)
        offset, length = struct.unpack(">II", fh.read(8))
        fh.seek(offset)
        with Image.open(io.BytesIO(fh.read(min(length, 64 * MAX_TAG_BYTES)))) as im:
            exif = im.getexif()
            return PhotoTags(dict(exif), dict(exif.get_ifd(EXIF_IFD)))
    return None


def _tiff_tags(fh: BinaryIO, head: bytes, *, exif_only: bool = False) -> PhotoTags:
    """IFD0 and the Exif IFD of the TIFF structure at the start of ``fh`` (``head``: its first 8 bytes).
    ``exif_only``: its first IFD *is* the Exif IFD (Canon's CMT2)."""
    header = TIFF_MAGIC[head[:4]] + head[4:8]
    first = _ifd(fh, header, TiffImagePlugin.ImageFileDirectory_v2(header).next)
    if exif_only:
        return PhotoTags({}, first)
    offset = first.get(EXIF_IFD)
    exif = _ifd(fh, header, offset) if isinstance(offset, int) and offset > 0 else {}
    return PhotoTags(first, exif)


def _ifd(fh: BinaryIO, header: bytes, offset: int) -> dict[int, object]:
    ifd = TiffImagePlugin.ImageFileDirectory_v2(header)
    fh.seek(offset)
    ifd.load(fh)
    return dict(ifd)


def _cr3_tags(fh: BinaryIO) -> PhotoTags | None:
    end = fh.seek(0, io.SEEK_END)
    for kind, start, stop in media_boxes(fh, 0, end):
        if kind != b"moov":
            continue
        for inner, body, inner_end in media_boxes(fh, start, stop):
            fh.seek(body)
            if inner != b"uuid" or fh.read(16) != CANON_UUID:
                continue
            found: dict[bytes, PhotoTags] = {}
            for name, cstart, cstop in media_boxes(fh, body + 16, inner_end):
                if name in (b"CMT1", b"CMT2") and cstop - cstart <= MAX_TAG_BYTES:
                    fh.seek(cstart)
                    tiff = io.BytesIO(fh.read(cstop - cstart))
                    found[name] = _tiff_tags(tiff, tiff.getvalue()[:8], exif_only=name == b"CMT2")
            ifd0 = found.get(b"CMT1", PhotoTags()).ifd0
            return PhotoTags(ifd0, found.get(b"CMT2", PhotoTags()).exif)
    return None
