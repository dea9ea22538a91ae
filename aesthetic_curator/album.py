"""Finding the photos in an album folder, recursively, without tripping on what real folders hold.

Folder symlinks are followed (albums often link shoots from other drives) with a guard against
loops; unreadable folders and broken or looping file links are reported, not fatal.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .errors import MissingDataError
from .imaging import is_photo_name, os_reason

SkipCallback = Callable[[Path, str], None]


def find_photos(root: Path | str, on_skip: SkipCallback | None = None) -> list[Path]:
    """Every file under ``root`` with a photo extension, sorted by path.

    ``on_skip(path, reason)`` is told about folders that cannot be listed and photo-named links
    that lead nowhere. ``root`` itself may also be a single file.
    """
    root = Path(os.path.abspath(root))
    skip = on_skip or (lambda path, reason: None)
    if root.is_file():
        return [root] if is_photo_name(root) else []
    if not root.is_dir():
        raise MissingDataError(f"album folder not found: {root}")
    found: list[Path] = []
    visited: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
        except OSError as exc:
            skip(folder, f"cannot open folder: {os_reason(exc)}")
            continue
        if (st.st_dev, st.st_ino) in visited:
            continue  # reached again through a link: a loop or a second route
        visited.add((st.st_dev, st.st_ino))
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            skip(folder, f"cannot list folder: {os_reason(exc)}")
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir():
                    stack.append(path)
                    continue
                is_file = entry.is_file()
            except OSError as exc:
                if is_photo_name(path):
                    skip(path, os_reason(exc))
                continue
            if is_photo_name(path):
                if is_file:
                    found.append(path)
                elif entry.is_symlink():
                    try:
                        os.stat(path)
                        reason = "not a regular file"
                    except FileNotFoundError:
                        reason = "broken link: its target does not exist"
                    except OSError as exc:
                        reason = os_reason(exc)
                    skip(path, reason)
    found.sort()
    return found
