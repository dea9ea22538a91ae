"""What every aesthetic backbone shares: the weights description and the feature/head seam.

Every network takes RGB in [0, 1], NCHW, at its ``input_size``, and normalises inside its own
graph. Keeping normalisation in the graph means a gradient with respect to the input (saliency,
enhancement) is a gradient with respect to the photo's pixels, and a caller can never pair a
network with the wrong preprocessing.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import torch
from torch import nn

from .weights import WeightsError, sha256_of

logger = logging.getLogger(__name__)

NUM_BINS = 10
#: Score of each bin of the distribution: the AVA 1..10 scale.
BIN_SCORES = torch.arange(1, NUM_BINS + 1, dtype=torch.float32)


def load_state_dict(path: Path, expected_sha256: str | None = None) -> dict[str, torch.Tensor]:
    """Load a state dict safely: checksum first, then ``torch.load(weights_only=True)``.

    ``weights_only`` means a file from someone else can hold tensors but never run code.
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"weights file not found: {path}")
    if expected_sha256 is not None:
        actual = sha256_of(path)
        if actual != expected_sha256:
            raise WeightsError(
                f"weights file {path} has sha256 {actual}, expected {expected_sha256}: "
                "the file is damaged or is not the one this model was built for"
            )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle errors, truncated zip, refused globals
        raise WeightsError(f"cannot load weights from {path}: {exc}") from exc
    if not isinstance(state, dict):
        raise WeightsError(f"{path} does not hold a state dict")
    return state


class AestheticNet(nn.Module):
    """Base of every aesthetic backbone: ``forward_features`` -> pooled vector -> ``forward_head``.

    The split is the seam where a frozen backbone meets per-user adapters or a personal head, and
    where the pooled features used by Active-PAM and duplicate detection come from.
    ``forward`` returns logits over the 10 score bins; softmax gives the distribution.
    """

    input_size: int = 224
    num_features: int

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))

    def look_layer(self) -> nn.Module | None:
        """The first convolution's activation, whose per-channel mean and spread describe how a photo
        *looks* (exposure, colour, contrast, fine texture): what the pooled features are trained to
        ignore and a person's taste often is about. The scan stores them beside the features."""
        return None

    def predict(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(distribution (N, 10), score (N,), spread (N,), pooled features (N, C)) for a batch.

        The score is the distribution's mean on the 1..10 scale; a personal network overrides
        this to return the user's predicted rating instead.
        """
        features = self.forward_features(x)
        probs = self.forward_head(features).float().softmax(dim=1)
        mean, std = distribution_stats(probs)
        return probs, mean, std, features


def look_statistics(activation: torch.Tensor) -> torch.Tensor:
    """(N, 2C) per-channel means then standard deviations of the look layer's (N, C, H, W) activation:
    the first-layer statistics the scan stores and a taste model reads. One definition, so what a scan
    stored and what an edit's gradient follows are the same figures."""
    return torch.cat([activation.mean((2, 3)), activation.std((2, 3))], 1).float()


@contextlib.contextmanager
def capturing_look(model: nn.Module) -> Iterator[list[torch.Tensor]]:
    """While open, each forward pass of ``model`` *on this thread* appends its :func:`look_statistics`
    to the yielded list (left empty for a network without a look layer). Only this thread's: a
    network may be shared between threads, and another's activations are not this photo's."""
    layer = model.look_layer() if hasattr(model, "look_layer") else None
    caught: list[torch.Tensor] = []
    if layer is None:
        yield caught
        return
    me = threading.get_ident()

    def catch(_module, _inputs, out) -> None:
        if threading.get_ident() == me:
            caught.append(look_statistics(out))

    hook = layer.register_forward_hook(catch)
    try:
        yield caught
    finally:
        hook.remove()


def distribution_stats(probs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard deviation (1..10 scale) of score distributions of shape (N, 10).

    The spread tells consensus from divisive photos (Murray & Gordo), which a mean alone hides.
    """
    scores = BIN_SCORES.to(probs.device, probs.dtype)
    mean = (probs * scores).sum(dim=1)
    var = (probs * (scores - mean[:, None]) ** 2).sum(dim=1)
    return mean, var.clamp_min(0).sqrt()
