"""Writing an edited photo as a new file beside (or away from) the original, never over it.

The new file keeps what a photographer's tools rely on: the same format, the original's JPEG
quantisation tables and chroma subsampling (so the same quality), its EXIF (capture date, camera,
...) with the orientation reset to "upright" because the pixels are written upright, and its ICC
profile, with the edit applied to the pixels in that profile's colour space (the network saw an
sRGB copy; the edit is global or a small per-pixel step, so it carries over).

A camera RAW cannot be written back (no program writes a Bayer mosaic from an edit), so its edit
is applied to LibRaw's 16-bit sRGB develop (:func:`~aesthetic_curator.raw.develop_raw`) and written
as a new 16-bit TIFF (by default) or a JPEG, with the RAW's EXIF (camera, lens, exposure, capture
time) and an sRGB profile: what a RAW converter's export gives.
"""

from __future__ import annotations

import functools
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageCms, ImageOps, TiffImagePlugin

from .errors import InvalidValueError
from .formats import is_raw_name

ORIENTATION = 0x0112
EXIF_IFD = 0x8769
#: What an edit of a camera RAW may be written as (by the output name's suffix); the first is the default.
RAW_OUTPUTS = {".tif": "TIFF", ".tiff": "TIFF", ".jpg": "JPEG", ".jpeg": "JPEG"}
#: JPEG quality of a RAW's edit written as JPEG (4:4:4, no chroma subsampling): an export, not a preview.
RAW_JPEG_QUALITY = 95
#: IFD0 tags a RAW's edit keeps: who took it with what, and when; not the RAW's pixel layout or DNG colour data.
RAW_IFD0_TAGS = (0x010E, 0x010F, 0x0110, 0x0131, 0x0132, 0x013B, 0x8298)
#: Exif tags a RAW's edit keeps (read from the Exif IFD, or IFD0 where TIFF/EP RAWs put them): exposure,
#: times, lens, serial numbers. Not the maker note (its offsets point into the RAW) nor pixel dimensions.
RAW_EXIF_TAGS = (
    0x829A, 0x829D, 0x8822, 0x8827, 0x8830, 0x8832, 0x9000, 0x9003, 0x9004, 0x9010, 0x9011, 0x9012, 0x9201,
    0x9202, 0x9203, 0x9204, 0x9205, 0x9206, 0x9207, 0x9208, 0x9209, 0x920A, 0x9290, 0x9291, 0x9292, 0xA402,
    0xA403, 0xA404, 0xA405, 0xA406, 0xA420, 0xA430, 0xA431, 0xA432, 0xA433, 0xA434, 0xA435,
)


def unique_path(path: Path) -> Path:
    """``path``, or ``name-2.ext``, ``name-3.ext``... : the first that does not exist."""
    if not path.exists():
        return path
    n = 2
    while (candidate := path.with_name(f"{path.stem}-{n}{path.suffix}")).exists():
        n += 1
    return candidate


def edit_target(source: Path, out: Path | None = None, suffix: str = "-enhanced") -> Path:
    """Where :func:`export_edited` writes ``source``'s edit (before a taken name is replaced by a free one), so
    a front end can refuse a wrong output before minutes of work. ``out``: a file or a folder (default:
    beside the original, ``name-enhanced.ext``; for a RAW ``name-enhanced.tif``). Raises
    :class:`InvalidValueError` for the original itself, and for a RAW's edit named other than .tif or .jpg."""
    source = Path(source)
    raw = is_raw_name(source)
    name = f"{source.stem}{suffix}{next(iter(RAW_OUTPUTS)) if raw else source.suffix}"
    if out is None:
        target = source.with_name(name)
    elif Path(out).is_dir():
        target = Path(out) / name
    else:
        target = Path(out)
    if target.resolve() == source.resolve():
        raise InvalidValueError("an export never replaces the original photo")
    if raw and target.suffix.lower() not in RAW_OUTPUTS:
        raise InvalidValueError(f"{target.name}: the edit of a camera RAW is written as a 16-bit TIFF (.tif) or a "
                                "JPEG (.jpg); a RAW cannot be written back")
    return target


def develop_for_edit(path: Path) -> np.ndarray:
    """A camera RAW developed for an edit: LibRaw at full size, camera white balance, sRGB, upright, 16 bits
    per channel ((H, W, 3) uint16), so that an edit and its TIFF lose nothing of the RAW's range. Seconds of
    CPU for 24 MP: for a worker thread."""
    from .imaging import MAX_PIXELS
    from .raw import develop_raw

    return develop_raw(Path(path), half_size=False, bits=16, max_pixels=MAX_PIXELS)


def to_8bit(pixels: np.ndarray) -> np.ndarray:
    """uint16 pixels rounded to uint8 (65535 -> 255); uint8 pixels as they are."""
    if pixels.dtype == np.uint8:
        return pixels
    return (pixels.astype(np.float32) * np.float32(255 / 65535) + np.float32(0.5)).astype(np.uint8)


def export_edited(source: Path, edit: Callable[[np.ndarray], np.ndarray], out: Path | None = None,
                  suffix: str = "-enhanced", *, developed: np.ndarray | None = None) -> Path:
    """Apply ``edit`` (HWC RGB -> the same shape and dtype) to the upright original and write a new file.

    ``out``: a file or a folder (see :func:`edit_target`); an existing file is never replaced: a free
    name is chosen instead. For a camera RAW ``edit`` gets its 16-bit develop (``developed``, when the
    caller has developed it already: :func:`develop_for_edit`) and the result is a 16-bit TIFF, or a JPEG
    when ``out`` is named so. Returns the path written.
    """
    source = Path(source)
    target = edit_target(source, out, suffix)
    if is_raw_name(source):
        return _export_raw(source, edit, target, develop_for_edit(source) if developed is None else developed)
    with Image.open(source) as original:
        fmt = original.format
        info = dict(original.info)
        exif = original.getexif()
        quantization = getattr(original, "quantization", None) if fmt == "JPEG" else None
        subsampling = None
        if fmt == "JPEG":
            from PIL import JpegImagePlugin

            subsampling = JpegImagePlugin.get_sampling(original)
        upright = ImageOps.exif_transpose(original).convert("RGB")
    edited = Image.fromarray(edit(np.asarray(upright)))
    if ORIENTATION in exif:
        exif[ORIENTATION] = 1
    options: dict = {"exif": exif.tobytes()} if len(exif) else {}
    if info.get("icc_profile"):
        options["icc_profile"] = info["icc_profile"]
    if fmt == "JPEG":
        options.update(qtables=quantization, subsampling=subsampling if subsampling is not None and subsampling >= 0
                       else 2)
    return _write_new(target, lambda fh: edited.save(fh, format=fmt or "PNG", **options))


def _export_raw(source: Path, edit: Callable[[np.ndarray], np.ndarray], target: Path, developed: np.ndarray
                ) -> Path:
    edited = edit(developed)
    if edited.shape != developed.shape:
        raise ValueError(f"the edit changed the photo's shape {developed.shape} to {edited.shape}")
    exif = raw_exif(source, (edited.shape[1], edited.shape[0]))
    if RAW_OUTPUTS[target.suffix.lower()] == "JPEG":
        im = Image.fromarray(to_8bit(edited))
        return _write_new(target, lambda fh: im.save(fh, "JPEG", quality=RAW_JPEG_QUALITY, subsampling=0,
                                                     exif=exif.tobytes(), icc_profile=srgb_profile()))
    from .tiff16 import write_rgb16

    pixels = edited if edited.dtype == np.uint16 else (edited.astype(np.uint16) * 257)
    return _write_new(target, lambda fh: write_rgb16(fh, pixels, exif=exif, icc_profile=srgb_profile()))


def raw_exif(source: Path, size: tuple[int, int]) -> Image.Exif:
    """The EXIF an edit of the RAW ``source`` carries (see :data:`RAW_IFD0_TAGS`, :data:`RAW_EXIF_TAGS`), for
    upright sRGB pixels of ``size`` (width, height): orientation 1, colour space sRGB. Empty of the RAW's
    tags when its header cannot be read (the pixels still can be: LibRaw is more forgiving)."""
    from .photo_tags import read_tags

    tags = read_tags(source)
    exif = Image.Exif()
    if tags is not None:
        for tag in RAW_IFD0_TAGS:
            if (value := tags.ifd0.get(tag)) is not None and _writable(tag, value, None):
                exif[tag] = value
        sub = exif.get_ifd(EXIF_IFD)
        for tag in RAW_EXIF_TAGS:
            if (value := tags.get(tag)) is not None and _writable(tag, value, EXIF_IFD):
                sub[tag] = value
    exif[ORIENTATION] = 1
    sub = exif.get_ifd(EXIF_IFD)
    sub.setdefault(0x9000, b"0231")  # ExifVersion, which readers look for first
    sub.update({0xA001: 1, 0xA002: size[0], 0xA003: size[1]})  # sRGB; the pixel size written
    return exif


def _writable(tag: int, value: object, group: int | None) -> bool:
    """Whether Pillow writes ``value`` for ``tag``: a RAW's header can hold values of unexpected types (a
    damaged or unusual camera), which must cost that tag, not the export."""
    ifd = TiffImagePlugin.ImageFileDirectory_v2(group=group)
    try:
        ifd[tag] = value
        ifd.tobytes()
    except (TypeError, ValueError, OverflowError, KeyError, struct.error):  # Pillow's errors on an odd value
        return False
    return True


@functools.cache
def srgb_profile() -> bytes:
    """The sRGB ICC profile, embedded in a RAW's edit (its develop is sRGB)."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _write_new(target: Path, write: Callable[[BinaryIO], None]) -> Path:
    """``write`` into a new file at ``target`` or, when that name is taken, the next free one (``-2``...):
    created exclusively, so a file another program took the name of meanwhile is never overwritten; a
    partial file is removed when writing fails."""
    while True:
        target = unique_path(target)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue  # taken between the check and the creation: try the next name
        try:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return target
