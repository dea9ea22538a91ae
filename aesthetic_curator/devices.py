"""Choosing where torch runs: CUDA, then Apple's MPS, then the CPU; overridable by name."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import torch

_lock = threading.Lock()
_sharing = 0
_threads = torch.get_num_threads()  # what the user's environment asked for (OMP_NUM_THREADS)


def resolve_device(name: str | None = None) -> torch.device:
    """``None`` or ``"auto"`` picks the fastest available; otherwise the named device is checked."""
    if name in (None, "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but CUDA is not available here")
    if device.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError(f"device {name!r} requested but MPS is not available here")
    return device


def describe(device: torch.device) -> str:
    if device.type == "cuda":
        return f"CUDA ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "MPS (Apple GPU)"
    return f"CPU ({torch.get_num_threads()} threads)"


@contextlib.contextmanager
def cpu_share() -> Iterator[None]:
    """Mark a block of torch work that may run beside another (the app scores an album while it
    trains): inside, :func:`fit_threads` gives each such block its share of the CPU threads.

    Two threads each driving a full OpenMP team on the same cores spin against each other and
    both run several times slower than if they took turns.
    """
    global _sharing
    with _lock:
        _sharing += 1
    try:
        yield
    finally:
        with _lock:
            _sharing -= 1


def fit_threads() -> None:
    """Set the calling thread's torch threads to its share (all of them when nothing else runs).
    Cheap: called before each batch, so a job adapts when another starts or ends."""
    share = max(1, _threads // max(_sharing, 1))
    if torch.get_num_threads() != share:
        torch.set_num_threads(share)
