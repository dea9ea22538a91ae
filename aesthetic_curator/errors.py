"""Typed errors for bad input. Every message names the file and says what is wrong with it.

The scanner catches :class:`PhotoError` per file, records it as a skipped file with its message,
and goes on with the rest of the album.
"""

from __future__ import annotations

from pathlib import Path


class PhotoError(Exception):
    """A photo that cannot be used. ``reason`` is short and human; ``str()`` adds the path."""

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnreadableFileError(PhotoError):
    """The operating system refused the read (permissions, vanished file, symlink loop, I/O)."""


class EmptyFileError(PhotoError):
    """A zero-byte file: usually an interrupted copy or download."""


class NotAnImageError(PhotoError):
    """The bytes are not an image format we can decode, whatever the file's extension says."""


class CorruptImageError(PhotoError):
    """A recognised format whose data is truncated or damaged."""


class ImageTooLargeError(PhotoError):
    """Dimensions beyond the decompression-bomb guard: decoding could exhaust memory."""


class ProfileError(RuntimeError):
    """A profile file that cannot be used: damaged, unsafe, or made for another generic model."""
