"""Where shipped weights files are found.

Searched in order: ``$AESTHETIC_CURATOR_MODELS`` (a folder), the source checkout's ``models/``
folder (editable installs and running from a clone), and ``<prefix>/share/aesthetic-curator/models``
(where a wheel install puts them).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .weights import WeightsError

ENV_VAR = "AESTHETIC_CURATOR_MODELS"


def weights_dirs() -> list[Path]:
    dirs: list[Path] = []
    if os.environ.get(ENV_VAR):
        dirs.append(Path(os.environ[ENV_VAR]))
    dirs.append(Path(__file__).resolve().parents[2] / "models")
    dirs.append(Path(sys.prefix) / "share" / "aesthetic-curator" / "models")
    return dirs


def locate_weights(filename: str) -> Path:
    searched = weights_dirs()
    for folder in searched:
        candidate = folder / filename
        if candidate.is_file():
            return candidate
    raise WeightsError(
        f"weights file {filename!r} not found; looked in: "
        + ", ".join(str(d) for d in searched)
        + f". Put it in one of these folders or point ${ENV_VAR} at the folder holding it."
    )
