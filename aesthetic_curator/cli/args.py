"""Argument types for the command line: every value is checked when it is parsed.

A wrong value is refused by argparse with one line naming the option and what it accepts, and
exit status 2, before any photo is read or any model loaded: a typo costs nothing, and a command
never does minutes of work only to fail at its end (a saliency map whose output folder does not
exist) or, worse, succeed at the wrong thing (an enhancement with a negative step).
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from pathlib import Path

from ..devices import DEVICE_NAME


def whole(low: int | None = None, high: int | None = None) -> Callable[[str], int]:
    """A whole number in ``[low, high]`` (either end open when None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        _check_range(value, low, high)
        return value

    parse.__name__ = "whole number"
    return parse


def number(low: float | None = None, high: float | None = None, *, above: bool = False
           ) -> Callable[[str], float]:
    """A finite number in ``[low, high]``; ``above``: strictly more than ``low``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if above and low is not None and value <= low:
            raise argparse.ArgumentTypeError(f"must be more than {low:g}, not {value:g}")
        _check_range(value, None if above else low, high)
        return value

    parse.__name__ = "number"
    return parse


def _check_range(value: float, low: float | None, high: float | None) -> None:
    if low is not None and high is not None and not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be {low:g} to {high:g}, not {value:g}")
    if low is not None and value < low:
        raise argparse.ArgumentTypeError(f"must be {low:g} or more, not {value:g}")
    if high is not None and value > high:
        raise argparse.ArgumentTypeError(f"must be {high:g} or less, not {value:g}")


def existing_file(text: str) -> Path:
    """A file that exists (a folder is refused with a word saying so)."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file")
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    return path


def existing_folder(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such folder")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    return path


def album_path(text: str) -> Path:
    """An album folder or a photo file, as an absolute path (relative paths are the user's
    working directory's, whatever a command later changes)."""
    path = Path(os.path.abspath(Path(text).expanduser()))
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such folder or file")
    return path


def new_file(text: str) -> Path:
    """A file to write: its folder must exist (so the work before the write is not lost)."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder: name the file to write")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise argparse.ArgumentTypeError(f"{text}: the folder {parent} is not writable")
    return path


def new_image_file(text: str) -> Path:
    """An image file to write, in a format its suffix names and Pillow writes (PNG, JPEG, TIFF, WebP...)."""
    from PIL import Image

    path = new_file(text)
    writable = {ext for ext, fmt in Image.registered_extensions().items() if fmt in Image.SAVE}
    if path.suffix.lower() not in writable:
        raise argparse.ArgumentTypeError(f"{text}: name an image file to write, such as {path.stem or 'out'}.png "
                                         "(.jpg, .tif and .webp work too)")
    return path


def folder_to_fill(text: str) -> Path:
    """A destination folder: may not exist yet (it is created), but must not be a file."""
    path = Path(os.path.abspath(Path(text).expanduser()))
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    return path


def file_or_folder_to_write(text: str) -> Path:
    """Where an edited copy goes: an existing folder, or a file name in an existing folder."""
    path = Path(text).expanduser()
    return path if path.is_dir() else new_file(text)


def device_name(text: str) -> str:
    """auto, cpu, cuda, cuda:N or mps; whether this machine has it is checked when it is used."""
    if not DEVICE_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"unknown device {text!r}: use auto, cpu, cuda, cuda:N or mps")
    return text


def user_name(text: str) -> str:
    name = text.strip()
    if not name:
        raise argparse.ArgumentTypeError("a user needs a name")
    return name


def user_names(text: str) -> list[str]:
    """Comma-separated user names (``all``: every user of the catalog)."""
    names = [user_name(part) for part in text.split(",")]
    if "all" in names and names != ["all"]:
        raise argparse.ArgumentTypeError("'all' stands alone: every user of the catalog")
    return names
