"""Where profile files live: torch-free, so the GUI thread can find (or remove) one cheaply."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from platformdirs import user_data_dir

ENV_VAR = "AESTHETIC_CURATOR_PROFILES"


def profiles_dir() -> Path:
    """``$AESTHETIC_CURATOR_PROFILES`` or ``profiles/`` in the user data dir."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return Path(user_data_dir("aesthetic-curator", appauthor=False)) / "profiles"


def profile_path(user: str, folder: Path | None = None) -> Path:
    """The user's profile file: a readable slug of the name plus a short hash of the exact name, so
    two names that slug alike ("anna maria", "anna_maria"; "Anna", "anna" on a case-insensitive
    disk) never share a file, and every name is safe on every file system."""
    name = user.strip()
    slug = re.sub(r"[^\w.-]+", "_", name, flags=re.UNICODE).strip("._")[:40] or "user"
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
    return (folder or profiles_dir()) / f"{slug}-{digest}.profile.pt"
