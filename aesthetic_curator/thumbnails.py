"""Thumbnails for the browser, made once and kept in the user cache folder.

A thumbnail is keyed by the file's path, size and mtime (a cheap ``stat``), so an edited photo
gets a new one and an unchanged album opens without decoding anything. JPEGs are draft-decoded
at the thumbnail size, so making one costs a few milliseconds even for a 24 MP photo. Qt-free:
the GUI's workers call this and wrap the pixels in a ``QImage``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
from PIL import Image
from platformdirs import user_cache_dir

from .atomic import atomic_file
from .imaging import load_photo

SIZE = 256
ENV_VAR = "AESTHETIC_CURATOR_CACHE"


def cache_dir() -> Path:
    """``$AESTHETIC_CURATOR_CACHE/thumbnails`` or the platform's user cache folder."""
    root = os.environ.get(ENV_VAR) or user_cache_dir("aesthetic-curator", appauthor=False)
    return Path(root) / "thumbnails"


def _key(path: Path, size: int) -> str:
    st = os.stat(path)
    text = f"{os.path.abspath(path)}\0{st.st_size}\0{st.st_mtime_ns}\0{size}"
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def thumbnail(path: Path, size: int = SIZE, folder: Path | None = None) -> np.ndarray:
    """An upright sRGB thumbnail (uint8 HWC, longest side ``size``), from the cache when it can.

    Raises the photo's :class:`~aesthetic_curator.errors.PhotoError` when it cannot be decoded.
    """
    folder = folder or cache_dir()
    key = _key(path, size)
    cached = folder / key[:2] / f"{key}.jpg"
    if cached.is_file():
        try:
            with Image.open(cached) as im:
                return np.asarray(im.convert("RGB"))
        except OSError:
            pass  # a damaged cache entry is simply remade
    im = load_photo(Path(path), min_size=size)
    im.thumbnail((size, size), Image.Resampling.BICUBIC, reducing_gap=2.0)
    try:
        with atomic_file(cached, sync=False) as fh:  # a cache: losing it to a crash costs only time
            im.save(fh, format="JPEG", quality=85)
    except OSError:
        pass  # a read-only or full cache only costs speed
    return np.asarray(im)
