"""Writing an edited photo as a new file beside (or away from) the original, never over it.

The new file keeps what a photographer's tools rely on: the same format, the original's JPEG
quantisation tables and chroma subsampling (so the same quality), its EXIF (capture date, camera,
...) with the orientation reset to "upright" because the pixels are written upright, and its ICC
profile, with the edit applied to the pixels in that profile's colour space (the network saw an
sRGB copy; the edit is global or a small per-pixel step, so it carries over).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from .errors import InvalidValueError
from .formats import is_raw_name

ORIENTATION = 0x0112


def unique_path(path: Path) -> Path:
    """``path``, or ``name-2.ext``, ``name-3.ext``... : the first that does not exist."""
    if not path.exists():
        return path
    n = 2
    while (candidate := path.with_name(f"{path.stem}-{n}{path.suffix}")).exists():
        n += 1
    return candidate


def export_edited(source: Path, edit: Callable[[np.ndarray], np.ndarray], out: Path | None = None,
                  suffix: str = "-enhanced") -> Path:
    """Apply ``edit`` (uint8 HWC RGB -> same) to the upright original and write a new file.

    ``out``: a file or a folder (default: beside the original, ``name-enhanced.ext``); an
    existing file is never replaced: a free name is chosen instead. Returns the path written.
    """
    source = Path(source)
    if is_raw_name(source):  # Pillow would open a RAW's small TIFF preview and write it under the RAW's name
        raise InvalidValueError(f"{source.name}: enhancing a camera RAW file is not supported yet (its JPEG, or a "
                                "TIFF developed from it, can be enhanced)")
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
    if out is None:
        target = source.with_name(f"{source.stem}{suffix}{source.suffix}")
    elif Path(out).is_dir():
        target = Path(out) / f"{source.stem}{suffix}{source.suffix}"
    else:
        target = Path(out)
    if target.resolve() == source.resolve():
        raise InvalidValueError("an export never replaces the original photo")
    target = unique_path(target)
    if ORIENTATION in exif:
        exif[ORIENTATION] = 1
    options: dict = {"exif": exif.tobytes()} if len(exif) else {}
    if info.get("icc_profile"):
        options["icc_profile"] = info["icc_profile"]
    if fmt == "JPEG":
        options.update(qtables=quantization, subsampling=subsampling if subsampling is not None and subsampling >= 0
                       else 2)
    # Exclusive creation: if another program took the name meanwhile, fail rather than overwrite.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            edited.save(fh, format=fmt or "PNG", **options)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target
