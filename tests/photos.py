"""Building test photos and bad files, the way cameras and broken copies make them."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

from PIL import Image


def jpeg_bytes(im: Image.Image, quality: int = 90, **save_args) -> bytes:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=quality, **save_args)
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width`` x ``height`` (a decompression bomb's header) and one
    tiny IDAT: parsing it is cheap, decoding it would need width*height*3 bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + \
        chunk(b"IEND", b"")


def make_bad_album(root: Path, sources: list[Path]) -> tuple[list[Path], dict[str, str]]:
    """An album of good photos in several formats with awkward names, mixed with every kind of
    bad file a real folder holds. Returns (good paths, {bad file name: expected reason words})."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "sub" / "deeper").mkdir(parents=True)
    ims = [Image.open(p).convert("RGB") for p in sources[:6]]
    good = {
        root / "good one.jpg": lambda p: p.write_bytes(jpeg_bytes(ims[0])),
        root / "Ünïcødé 写真.jpg": lambda p: p.write_bytes(jpeg_bytes(ims[1])),
        root / "sub" / "deeper" / "scan.png": lambda p: ims[2].save(p),
        root / "sub" / "film.TIFF": lambda p: ims[3].save(p, "TIFF"),
        root / "web.webp": lambda p: ims[4].save(p, "WEBP", quality=90),
        root / "old.bmp": lambda p: ims[5].save(p, "BMP"),
    }
    for path, write in good.items():
        write(path)
    full = jpeg_bytes(ims[0].rotate(90))
    (root / "empty.jpg").write_bytes(b"")
    (root / "truncated.jpg").write_bytes(full[: len(full) * 6 // 10])
    (root / "notes.jpg").write_text("shopping list: film, batteries\n")
    (root / "bomb.png").write_bytes(png_header_only(40000, 40000))
    locked = root / "locked.jpg"
    locked.write_bytes(full)
    locked.chmod(0)
    os.symlink("loop_b.jpg", root / "loop_a.jpg")
    os.symlink("loop_a.jpg", root / "loop_b.jpg")
    os.symlink("gone.jpg", root / "broken.jpg")
    os.symlink("..", root / "sub" / "back_to_top")  # a folder loop
    (root / "README.txt").write_text("not a photo, not reported")
    expected = {
        "empty.jpg": "empty",
        "truncated.jpg": "truncated",
        "notes.jpg": "not a recognised image",
        "bomb.png": "safety limit",
        "locked.jpg": "permission denied",
        "loop_a.jpg": "link loop",
        "loop_b.jpg": "link loop",
        "broken.jpg": "broken link",
    }
    return sorted(good), expected
