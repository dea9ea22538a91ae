"""RAW+JPEG pairs: a camera set to "RAW+JPEG" writes ``IMG_0001.CR3`` and ``IMG_0001.JPG`` for one press
of the shutter. To the photographer that is one photo; listing it twice would score it twice, show it
twice, split its rating and let a cull keep one half and reject the other.

So a folder's RAW and its camera rendering (JPEG or HEIF, same name up to the extension, any case) form
one photo: the RAW is the photo (it is scored, from its embedded preview, and carries the rating), the
rendering its *companion*, shown as a badge, given the same marks in its own sidecar, and exported or
moved with it. Lightroom ("treat JPEG files next to raw files as separate photos" off), Photo Mechanic and
Narrative Select group them the same way. A stem with two RAWs or two renderings is ambiguous and left
as separate photos.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from .formats import HEIF_SUFFIXES, is_raw_name

#: What a camera writes beside a RAW as its own rendering of the frame.
RENDERING_SUFFIXES = frozenset({".jpg", ".jpeg"} | HEIF_SUFFIXES)
#: What of a pair an export takes: both files (default), the RAW only, or the camera JPEG only.
PAIR_CHOICES = ("both", "raw", "jpeg")


def pair_files(paths: Iterable[Path]) -> tuple[list[Path], dict[str, str]]:
    """``paths`` with each pair's rendering left out (order kept), and the pairs: RAW path -> rendering path
    (strings, as the catalog and the scan report keep paths)."""
    paths = list(paths)
    groups: dict[tuple[Path, str], list[Path]] = defaultdict(list)
    for p in paths:
        groups[(p.parent, p.stem.lower())].append(p)
    companions: dict[str, str] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        raws = [p for p in group if is_raw_name(p)]
        renderings = [p for p in group if p.suffix.lower() in RENDERING_SUFFIXES]
        if len(raws) == 1 and len(renderings) == 1:
            companions[str(raws[0])] = str(renderings[0])
    hidden = set(companions.values())
    return [p for p in paths if str(p) not in hidden], companions


def pair_label(raw: Path | str, companion: Path | str | None) -> str | None:
    """The badge of a pair ("RAW+JPEG", "RAW+HEIF"), None for a single file."""
    if companion is None:
        return None
    kind = "HEIF" if Path(companion).suffix.lower() in HEIF_SUFFIXES else "JPEG"
    return f"RAW+{kind}"
