"""The generic network on a device, turning batches of decoded photos into distributions and features."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..interrupt import interruptible
from ..models import DEFAULT_MODEL
from ..models.weights import WeightsSpec

if TYPE_CHECKING:
    from ..models.base import AestheticNet


@dataclass(frozen=True)
class BatchResult:
    """Network outputs for a batch, as float32 numpy: distributions (N, 10), mean and std (N,) on
    the 1..10 scale, pooled features (N, C), first-layer statistics (N, 2C') when the network has them."""

    probs: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    features: np.ndarray
    look: np.ndarray | None = None


class Scorer:
    """A generic network on a device, turning uint8 HWC batches into distributions and features.

    Built lazily by :func:`score_album` only when something needs inference.
    """

    def __init__(self, model: AestheticNet, spec: WeightsSpec, device: str | None = None, batch_size: int = 32):
        import torch

        from ..devices import resolve_device

        self.spec = spec
        self.device = resolve_device(device)
        self.batch_size = batch_size
        self.model = model.eval().to(self.device, memory_format=torch.channels_last)
        self._torch = torch

    @classmethod
    def generic(cls, name: str = DEFAULT_MODEL, checkpoint: Path | None = None, **kwargs: Any) -> Scorer:
        """The registered generic model ``name`` (with its shipped weights, or ``checkpoint``) on a device."""
        from ..models import load_generic

        model, spec = load_generic(name, checkpoint)
        return cls(model, spec, **kwargs)

    def __call__(self, batch: np.ndarray, cancel: threading.Event | None = None) -> BatchResult:
        """Score (N, H, W, 3) uint8 photos already at the network's input size. Once ``cancel`` is set the
        pass stops at the next layer and raises :class:`~aesthetic_curator.interrupt.Interrupted`."""
        from ..models.base import capturing_look

        torch = self._torch
        # NHWC memory viewed as NCHW is exactly the channels-last layout: no copy needed.
        x = torch.from_numpy(batch).permute(0, 3, 1, 2)
        if self.device.type == "cuda":
            x = x.pin_memory()
        x = x.to(self.device, non_blocking=True).float().div_(255.0)
        with capturing_look(self.model) as caught, torch.inference_mode(), interruptible(self.model, cancel):
            probs, mean, std, features = self.model.predict(x)
        look = caught[-1].cpu().numpy() if caught else None
        return BatchResult(probs.cpu().numpy(), mean.cpu().numpy(), std.cpu().numpy(),
                           features.float().cpu().numpy(), look)
