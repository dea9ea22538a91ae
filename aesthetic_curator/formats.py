"""Which files are photos: the suffixes the app lists, and the one place Pillow learns extra formats.

A leaf module (Pillow, pillow-heif and the standard library only), so the decoders
(:mod:`.imaging`, :mod:`.raw`), the metadata reader (:mod:`.photo_tags`) and the folder walk
(:mod:`.album`) agree on the formats without importing each other.

* **HEIC/HEIF** (iPhones and most Android phones since 2017) are read through pillow-heif, whose
  opener is registered here, once, on import: every ``Image.open`` in the process can then read them.
* **AVIF** is read by Pillow itself when it was built with libavif (Pillow 11.3+ wheels); older
  builds leave it out rather than list files that would all fail.
* **RAW**: every format LibRaw reads (through rawpy); these are decoded by :mod:`.raw`, never by Pillow.
"""

from __future__ import annotations

from pathlib import Path

import pillow_heif
from PIL import features

pillow_heif.register_heif_opener()

#: Camera RAW formats LibRaw reads: Adobe DNG, Canon, Nikon, Sony, Fujifilm, Olympus/OM, Panasonic/Leica,
#: Pentax, Samsung, Hasselblad, Phase One, Epson, Mamiya, Leaf, Kodak, Leica and Sigma (Foveon).
RAW_SUFFIXES = frozenset({
    ".dng", ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".raf", ".orf", ".rw2", ".pef",
    ".srw", ".3fr", ".fff", ".iiq", ".erf", ".mef", ".mos", ".kdc", ".dcr", ".rwl", ".x3f",
})
HEIF_SUFFIXES = frozenset({".heic", ".heif", ".hif"})
AVIF_SUFFIXES = frozenset({".avif"}) if features.check("avif") else frozenset()
PILLOW_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff", ".webp", ".bmp"} | HEIF_SUFFIXES | AVIF_SUFFIXES
)
SUFFIXES = PILLOW_SUFFIXES | RAW_SUFFIXES


def is_photo_name(path: Path) -> bool:
    """Whether the file's extension is one we try to decode (hidden files never are)."""
    return path.suffix.lower() in SUFFIXES and not path.name.startswith(".")


def is_raw_name(path: Path) -> bool:
    """Whether the file is named as a camera RAW (decoded by LibRaw, not Pillow)."""
    return path.suffix.lower() in RAW_SUFFIXES
