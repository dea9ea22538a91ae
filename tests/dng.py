"""Building real DNG files for the tests and benchmarks: a Bayer mosaic LibRaw demosaics, with an
embedded JPEG preview, an orientation and EXIF (capture time to the sub-second, camera, lens,
exposure), laid out as Adobe's DNG Converter does (IFD0 the preview, the raw in a SubIFD, an Exif IFD).

Written by hand rather than with a TIFF library: the Exif IFD and SubIFDs are what real DNGs hold
and what the app's metadata reader must find, and general TIFF writers cannot nest them. The
camera is made linear sRGB (ColorMatrix1 is XYZ->linear sRGB, AsShotNeutral 1:1:1), so a develop
with the camera's white balance gives back roughly the photo the mosaic was made from.
"""

from __future__ import annotations

import datetime as _dt
import io
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED, SRATIONAL = 1, 2, 3, 4, 5, 7, 10
_FORMAT = {BYTE: "B", ASCII: "B", SHORT: "H", LONG: "I", UNDEFINED: "B", RATIONAL: "I", SRATIONAL: "i"}

#: XYZ (D65) -> linear sRGB: the camera of these DNGs sees linear sRGB.
XYZ_TO_SRGB = ((3.2406, -1.5372, -0.4986), (-0.9689, 1.8758, 0.0415), (0.0557, -0.2040, 1.0570))
BLACK, WHITE = 256, 4095


@dataclass(frozen=True)
class Shot:
    """The EXIF of one frame; ``taken`` with ``subsec`` (EXIF's SubSecTimeOriginal digits) for bursts."""

    taken: _dt.datetime | None = _dt.datetime(2024, 5, 1, 10, 22, 33)
    subsec: str | None = "25"
    make: str = "Curator"
    model: str = "Test Camera"
    lens: str = "Test 50mm F1.8"
    exposure: tuple[int, int] = (1, 250)
    fnumber: tuple[int, int] = (28, 10)
    iso: int = 200
    focal: tuple[int, int] = (50, 1)


Entry = tuple[int, int, list]  # tag, type, values (numbers; a str for ASCII; bytes for BYTE/UNDEFINED)


def _values(kind: int, values) -> tuple[bytes, int]:
    """Packed little-endian bytes of ``values`` and the TIFF count."""
    if kind == ASCII:
        raw = values.encode("ascii") + b"\0"
        return raw, len(raw)
    if isinstance(values, bytes):
        return values, len(values)
    if kind in (RATIONAL, SRATIONAL):
        flat = [int(x) for pair in values for x in pair]
        return struct.pack(f"<{len(flat)}{_FORMAT[kind]}", *flat), len(values)
    return struct.pack(f"<{len(values)}{_FORMAT[kind]}", *values), len(values)


def _ifd(entries: list[Entry], offset: int) -> bytes:
    """One IFD placed at ``offset`` (entries sorted by tag, values that do not fit in 4 bytes after it)."""
    entries = sorted(entries, key=lambda e: e[0])
    overflow_at = offset + 2 + 12 * len(entries) + 4
    head, tail = [struct.pack("<H", len(entries))], b""
    for tag, kind, values in entries:
        raw, count = _values(kind, values)
        if len(raw) <= 4:
            head.append(struct.pack("<HHI", tag, kind, count) + raw.ljust(4, b"\0"))
        else:
            head.append(struct.pack("<HHII", tag, kind, count, overflow_at + len(tail)))
            tail += raw + (b"\0" if len(raw) % 2 else b"")
    head.append(struct.pack("<I", 0))
    return b"".join(head) + tail


def _rational(x: float) -> tuple[int, int]:
    return round(x * 10000), 10000


def mosaic(rgb: np.ndarray) -> np.ndarray:
    """An sRGB photo as a 12-bit RGGB Bayer mosaic of a linear-sRGB camera (uint16, even sides)."""
    h, w = (rgb.shape[0] // 2) * 2, (rgb.shape[1] // 2) * 2
    linear = (rgb[:h, :w].astype(np.float64) / 255.0) ** 2.2
    counts = np.round(BLACK + linear * (WHITE - BLACK)).astype(np.uint16)
    out = np.empty((h, w), np.uint16)
    out[0::2, 0::2] = counts[0::2, 0::2, 0]
    out[0::2, 1::2] = counts[0::2, 1::2, 1]
    out[1::2, 0::2] = counts[1::2, 0::2, 1]
    out[1::2, 1::2] = counts[1::2, 1::2, 2]
    return out


def _exif(shot: Shot) -> list[Entry]:
    entries: list[Entry] = [
        (0x829A, RATIONAL, [shot.exposure]), (0x829D, RATIONAL, [shot.fnumber]), (0x8827, SHORT, [shot.iso]),
        (0x920A, RATIONAL, [shot.focal]), (0xA434, ASCII, shot.lens),
    ]
    if shot.taken is not None:
        entries.append((0x9003, ASCII, shot.taken.strftime("%Y:%m:%d %H:%M:%S")))
    if shot.subsec is not None:
        entries.append((0x9291, ASCII, shot.subsec))
    return entries


def _jpeg(rgb: np.ndarray, longest: int) -> bytes:
    im = Image.fromarray(rgb)
    im.thumbnail((longest, longest), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def dng_bytes(rgb: np.ndarray, *, preview: int | None = 1024, orientation: int = 1,
              shot: Shot = Shot(), previews: tuple[int, ...] = ()) -> bytes:
    """A DNG of ``rgb`` (HxWx3 uint8 sRGB, stored as shot: ``orientation`` says how to turn it upright).

    ``preview``: the longest side of the embedded JPEG preview (IFD0, as cameras and Adobe's converter
    write it); None for a DNG without one, the raw in IFD0. ``previews``: the longest sides of further
    JPEG previews, each in a SubIFD beside the raw's (as cameras that embed a mid-size preview next to
    the full-size one: Canon's 1620x1080, Sony's 1616x1080). Laid out as cameras write files: the IFDs
    first (IFD0 at 8, where readers look), the pixel data after, so a truncated copy keeps its header
    and loses pixels.
    """
    raw = mosaic(rgb)
    h, w = raw.shape
    blobs = [raw.astype("<u2").tobytes()]
    if preview is not None:
        blobs.append(_jpeg(rgb, preview))
    blobs += [_jpeg(rgb, side) for side in previews]

    def strip(blob: int, at: list[int]) -> list[Entry]:
        """The tags of a JPEG preview held in ``blobs[blob]`` (offsets ``at``)."""
        pw, ph = Image.open(io.BytesIO(blobs[blob])).size
        return [
            (0x00FE, LONG, [1]), (0x0100, LONG, [pw]), (0x0101, LONG, [ph]), (0x0102, SHORT, [8, 8, 8]),
            (0x0103, SHORT, [7]), (0x0106, SHORT, [6]), (0x0111, LONG, [at[blob]]), (0x0115, SHORT, [3]),
            (0x0116, LONG, [ph]), (0x0117, LONG, [len(blobs[blob])]), (0x011C, SHORT, [1]),
        ]

    def layout(ifd_at: list[int], blob_at: list[int]) -> list[list[Entry]]:
        """The IFDs (IFD0, Exif, then the SubIFDs) given their offsets and the blobs'."""
        cfa: list[Entry] = [
            (0x0100, LONG, [w]), (0x0101, LONG, [h]), (0x0102, SHORT, [16]), (0x0103, SHORT, [1]),
            (0x0106, SHORT, [32803]), (0x0111, LONG, [blob_at[0]]), (0x0115, SHORT, [1]), (0x0116, LONG, [h]),
            (0x0117, LONG, [len(blobs[0])]), (0x011C, SHORT, [1]), (0x828D, SHORT, [2, 2]),
            (0x828E, BYTE, bytes([0, 1, 1, 2])), (0xC616, BYTE, bytes([0, 1, 2])), (0xC617, SHORT, [1]),
            (0xC61A, LONG, [BLACK]), (0xC61D, LONG, [WHITE]),
        ]
        main: list[Entry] = [
            (0x010F, ASCII, shot.make), (0x0110, ASCII, shot.model), (0x0112, SHORT, [orientation]),
            (0xC612, BYTE, bytes([1, 4, 0, 0])), (0xC613, BYTE, bytes([1, 1, 0, 0])),
            (0xC614, ASCII, f"{shot.make} {shot.model}"),
            (0xC621, SRATIONAL, [_rational(x) for row in XYZ_TO_SRGB for x in row]),
            (0xC65A, SHORT, [21]), (0xC628, RATIONAL, [(1, 1)] * 3), (0x8769, LONG, [ifd_at[1]]),
        ]
        if shot.taken is not None:
            main.append((0x0132, ASCII, shot.taken.strftime("%Y:%m:%d %H:%M:%S")))
        if preview is None:
            main += [(0x00FE, LONG, [0]), *cfa]
            subs = [strip(1 + i, blob_at) for i in range(len(previews))]
        else:
            main += strip(1, blob_at)
            subs = [[(0x00FE, LONG, [0]), *cfa]] + [strip(2 + i, blob_at) for i in range(len(previews))]
        if subs:
            main.append((0x014A, LONG, ifd_at[2:]))
        return [main, _exif(shot), *subs]

    # IFD sizes do not depend on the offsets they hold: lay out once with zeros, then for real.
    count = 2 + (preview is not None) + len(previews)
    ifd_at = [8]
    for ifd in layout([0] * count, [0] * len(blobs)):
        ifd_at.append(ifd_at[-1] + len(_ifd(ifd, 0)))
    blob_at = [ifd_at.pop()]
    for blob in blobs[:-1]:
        blob_at.append(blob_at[-1] + len(blob) + len(blob) % 2)
    out = bytearray(b"II*\0" + struct.pack("<I", 8))
    for ifd, offset in zip(layout(ifd_at, blob_at), ifd_at, strict=True):
        out += _ifd(ifd, offset)
    for blob in blobs:
        out += blob + (b"\0" if len(blob) % 2 else b"")
    return bytes(out)


def write_dng(path: Path, rgb: np.ndarray, **kwargs) -> Path:
    """:func:`dng_bytes` written to ``path``."""
    path = Path(path)
    path.write_bytes(dng_bytes(rgb, **kwargs))
    return path
