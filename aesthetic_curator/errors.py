"""Typed errors for bad input. Every message names the file and says what is wrong with it.

Every error a user can cause and fix (a missing file, a damaged profile, an unknown user, a
device this machine lacks) derives from :class:`UserError`: the CLI prints its message on one
line and exits with status 2, the app shows it in a message box, and neither shows a traceback.
Anything else escaping is a bug and should be seen as one.

The scanner catches :class:`PhotoError` per file, records it as a skipped file with its message,
and goes on with the rest of the album.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class UserError(Exception):
    """A problem with what the user asked for or gave us; ``str()`` is the whole message."""


class InvalidValueError(UserError, ValueError):
    """A value the user typed that is out of range or malformed (still a ``ValueError``, so code
    that validates row by row, such as a CSV import, can catch it as one)."""


class MissingDataError(UserError, FileNotFoundError):
    """A folder or file the user pointed us at is not there, or lacks what it should hold."""


class UnknownUserError(UserError, LookupError):
    """A user name the catalog does not know (a typo, most often: the message lists who it knows)."""


class PhotoError(UserError):
    """A photo that cannot be used. ``reason`` is short and human; ``str()`` adds the path."""

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnreadableFileError(PhotoError):
    """The operating system refused the read (permissions, vanished file, symlink loop, I/O)."""


def os_reason(exc: OSError) -> str:
    """An OS error as a short reason a user can act on (the listing and the reading of photos share it)."""
    import errno

    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return exc.strerror or str(exc)


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Inside the block, an OS error from reading ``path`` is the :class:`UnreadableFileError` that says
    which it was: every reader of photos (Pillow's, LibRaw's, the hash's) words it the same."""
    try:
        yield
    except PermissionError:
        raise UnreadableFileError(path, "permission denied (cannot read the file)") from None
    except FileNotFoundError:
        raise UnreadableFileError(path, "no such file (moved or deleted?)") from None
    except IsADirectoryError:
        raise UnreadableFileError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise UnreadableFileError(path, os_reason(exc)) from None


class EmptyFileError(PhotoError):
    """A zero-byte file: usually an interrupted copy or download."""


class NotAnImageError(PhotoError):
    """The bytes are not an image format we can decode, whatever the file's extension says."""


class CorruptImageError(PhotoError):
    """A recognised format whose data is truncated or damaged."""


class ImageTooLargeError(PhotoError):
    """Dimensions beyond the decompression-bomb guard: decoding could exhaust memory."""


class ProfileError(UserError, RuntimeError):
    """A profile file that cannot be used: damaged, unsafe, or made for another generic model."""
