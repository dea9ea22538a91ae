"""Replacing a file atomically: readers see the old file or the new one, never half of one.

Written to a temporary file in the same folder (so the rename never crosses file systems),
flushed to disk when ``sync`` (everything the user would miss; a cache can skip it), then renamed
over the target. On any failure, including Ctrl+C, the temporary file is removed and the old file
is as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_file(path: Path | str, *, sync: bool = True, keep_mode: bool = False) -> Iterator[BinaryIO]:
    """A binary file to write; it replaces ``path`` when the block ends without an error.
    ``keep_mode``: the new file gets the old one's permissions (else 0644)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        mode = path.stat().st_mode & 0o7777 if keep_mode and path.exists() else 0o644
        with contextlib.suppress(OSError):
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
