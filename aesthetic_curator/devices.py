"""Choosing where torch runs: CUDA, then Apple's MPS, then the CPU; overridable by name."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .errors import InvalidValueError

if TYPE_CHECKING:  # torch is imported on use, so that the CLI's parser can check names for free
    import torch

#: The device names we accept (what torch calls them); checked before torch is asked.
DEVICE_NAME = re.compile(r"auto|cpu|cuda(:\d+)?|mps")


def resolve_device(name: str | None = None) -> torch.device:
    """``None`` or ``"auto"`` picks the fastest available; otherwise the named device is checked."""
    import torch

    if name in (None, "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if not DEVICE_NAME.fullmatch(name):
        raise InvalidValueError(f"unknown device {name!r}: use auto, cpu, cuda, cuda:N or mps")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise InvalidValueError(f"device {name!r} requested but CUDA is not available here (try --device cpu)")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise InvalidValueError(f"device {name!r} requested but this machine has {torch.cuda.device_count()} "
                                "CUDA device(s), numbered from 0")
    if device.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise InvalidValueError(f"device {name!r} requested but MPS is not available here (try --device cpu)")
    return device


def describe(device: torch.device) -> str:
    import torch

    if device.type == "cuda":
        return f"CUDA ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "MPS (Apple GPU)"
    return f"CPU ({torch.get_num_threads()} threads)"
