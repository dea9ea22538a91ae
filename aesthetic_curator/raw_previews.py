"""Where a camera RAW keeps its JPEG previews, found by reading its container's headers only.

Cameras embed several renderings of each frame: a 160x120 thumbnail, often a mid-size preview (Canon's
1620x1080, Sony's 1616x1080, Nikon's 640x424) and a full-size JPEG. LibRaw (through rawpy) hands out
only the largest, and for a 24 MP frame draft-decoding a full-size preview costs as much Huffman
decoding as the whole of a 12 MP JPEG: the scan would gain nothing from the RAW. So the scan asks
here for every embedded JPEG and takes the *smallest* that still has twice the network's input on
both sides (see :mod:`.raw`); LibRaw's choice stays the fallback for containers not walked here.

Walked: TIFF-structured RAWs (DNG, CR2, NEF, NRW, ARW, SR2, SRF, PEF, SRW, ERF, 3FR, MEF, MOS, IIQ,
KDC, DCR, RWL, ORF): every IFD of the IFD0 chain and its SubIFDs, a JPEG being either a
``JPEGInterchangeFormat`` pair or a single JPEG-compressed strip; and Canon's CR3 (the ``PRVW`` box).
A candidate here is only an offset and a length: :mod:`.raw` opens each with Pillow, which refuses
what is not a baseline or progressive JPEG (a lossless-JPEG raw strip, for one).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from typing import BinaryIO

from PIL import TiffImagePlugin

#: Magic numbers of TIFF-structured RAWs -> the standard TIFF magic of the same byte order (ORF: ``IIRO``,
#: ``IIRS``, ``MMOR``; RW2: ``IIU``).
TIFF_MAGIC = {b"II*\0": b"II*\0", b"MM\0*": b"MM\0*", b"IIRO": b"II*\0", b"IIRS": b"II*\0",
              b"MMOR": b"MM\0*", b"IIU\0": b"II*\0"}
SUB_IFDS = 0x014A
COMPRESSION, STRIP_OFFSETS, STRIP_BYTE_COUNTS = 0x0103, 0x0111, 0x0117
JPEG_OFFSET, JPEG_LENGTH = 0x0201, 0x0202
#: TIFF compression codes whose strips are JPEG streams (old-style 6, new-style 7).
JPEG_COMPRESSION = frozenset({6, 7})
#: IFDs read at most: real files have fewer than ten; a loop in a damaged file stops here.
MAX_IFDS = 32
#: Canon's CR3 box holding the mid-size preview.
CR3_PREVIEW_UUID = bytes.fromhex("eaf42b5e1c984b88b9fbb7dc406e4d16")


def embedded_jpegs(fh: BinaryIO) -> list[tuple[int, int]]:
    """(offset, length) of each JPEG stream the RAW in ``fh`` points at, in no particular order; empty for
    a container not walked here or headers that do not parse (the caller then asks LibRaw)."""
    try:
        fh.seek(0)
        head = fh.read(16)
        end = fh.seek(0, io.SEEK_END)
        if head[:4] in TIFF_MAGIC:
            found = list(_tiff_jpegs(fh, TIFF_MAGIC[head[:4]] + head[4:8]))
        elif head[4:12] == b"ftypcrx ":
            found = list(_cr3_jpegs(fh, end))
        else:
            return []
    except (OSError, ValueError, SyntaxError, struct.error, KeyError, EOFError):
        return []
    return sorted({(o, n) for o, n in found if o > 0 and n > 0 and o + n <= end})


def _tiff_jpegs(fh: BinaryIO, header: bytes) -> Iterator[tuple[int, int]]:
    todo = [TiffImagePlugin.ImageFileDirectory_v2(header).next]
    seen: set[int] = set()
    while todo and len(seen) < MAX_IFDS:
        offset = todo.pop()
        if not offset or offset in seen:
            continue
        seen.add(offset)
        ifd = TiffImagePlugin.ImageFileDirectory_v2(header)
        fh.seek(offset)
        ifd.load(fh)
        todo.append(ifd.next)
        subs = ifd.get(SUB_IFDS, ())
        todo.extend(subs if isinstance(subs, tuple) else (subs,))
        if JPEG_OFFSET in ifd and JPEG_LENGTH in ifd:
            yield int(ifd[JPEG_OFFSET]), int(ifd[JPEG_LENGTH])
        strips, counts = ifd.get(STRIP_OFFSETS), ifd.get(STRIP_BYTE_COUNTS)
        if ifd.get(COMPRESSION) in JPEG_COMPRESSION and strips is not None and counts is not None:
            strips = strips if isinstance(strips, tuple) else (strips,)
            counts = counts if isinstance(counts, tuple) else (counts,)
            if len(strips) == 1 and len(counts) == 1:
                yield int(strips[0]), int(counts[0])


def media_boxes(fh: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """ISO media boxes (CR3, HEIF, MP4) between ``start`` and ``end``: (type, content start, content end).
    Stops at a box whose size cannot be right (a damaged file) rather than looping."""
    at = start
    while at + 8 <= end:
        fh.seek(at)
        size, kind = struct.unpack(">I4s", fh.read(8))
        body = at + 8
        if size == 1:
            size = struct.unpack(">Q", fh.read(8))[0]
            body += 8
        elif size == 0:
            size = end - at
        if size < body - at:
            return
        yield kind, body, at + size
        at += size


def _cr3_jpegs(fh: BinaryIO, end: int) -> Iterator[tuple[int, int]]:
    """The CR3's ``PRVW`` JPEG (1620x1080 on Canon's bodies): a box inside a top-level ``uuid`` box, after a
    few words of header (8 bytes on the bodies documented; searched for, not assumed), the JPEG after a
    16-byte sub-header (searched for too: its SOI marker)."""
    for kind, start, stop in media_boxes(fh, 0, end):
        if kind != b"uuid":
            continue
        fh.seek(start)
        if fh.read(16) != CR3_PREVIEW_UUID:
            continue
        head = fh.read(min(64, stop - start - 16))
        at = head.find(b"PRVW")
        if at < 4:
            return
        for inner, body, inner_end in media_boxes(fh, start + 16 + at - 4, stop):
            if inner != b"PRVW":
                continue
            fh.seek(body)
            soi = fh.read(min(64, inner_end - body)).find(b"\xff\xd8\xff")
            if soi >= 0:
                yield body + soi, inner_end - body - soi
