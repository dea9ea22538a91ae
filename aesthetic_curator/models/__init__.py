"""Aesthetic networks and their weights.

Attributes are imported lazily (PEP 562): ``aesthetic_curator.models.weights`` and the specs
are torch-free, so the CLI can answer an already-scored album without importing torch (which
costs more than a second at start-up).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from .weights import NIMA_MOBILENET_AVA, WeightsError, WeightsSpec, sha256_of

if TYPE_CHECKING:
    from .base import AestheticNet

_LAZY = {
    "BIN_SCORES": ".base", "NUM_BINS": ".base", "AestheticNet": ".base",
    "distribution_stats": ".base", "load_state_dict": ".base",
    "MobileNetNIMA": ".mobilenet", "mobilenet_nima": ".mobilenet",
    "ResNetAesthetic": ".resnet", "resnet18_aesthetic": ".resnet",
}

__all__ = ["NIMA_MOBILENET_AVA", "WeightsError", "WeightsSpec", "sha256_of", "GENERIC_MODELS",
           "DEFAULT_MODEL", "load_generic", *_LAZY]

#: Architectures a generic model can have, by the name the CLI takes.
GENERIC_MODELS = ("nima-mobilenet", "resnet18")
DEFAULT_MODEL = "nima-mobilenet"


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_generic(name: str = DEFAULT_MODEL, checkpoint: Path | None = None) -> tuple[AestheticNet, WeightsSpec]:
    """A generic model ready to score, in eval mode on the CPU, with the spec that says how to feed it.

    ``nima-mobilenet`` without a checkpoint is the shipped NIMA model. ``resnet18`` needs a
    checkpoint of your own (a state dict of :class:`ResNetAesthetic`, e.g. trained on
    FLICKR-AES): no aesthetic ResNet-18 is shipped.
    """
    from .base import load_state_dict
    from .mobilenet import MobileNetNIMA, mobilenet_nima
    from .resnet import ResNetAesthetic

    if name == "nima-mobilenet" and checkpoint is None:
        return mobilenet_nima(), NIMA_MOBILENET_AVA
    if name not in GENERIC_MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(GENERIC_MODELS)}")
    if checkpoint is None:
        raise WeightsError(f"model {name!r} has no shipped weights: pass --checkpoint with one of your own")
    checkpoint = Path(checkpoint)
    digest = sha256_of(checkpoint)
    spec = WeightsSpec(name=f"{name}-{checkpoint.stem}", filename=str(checkpoint), sha256=digest)
    model = {"nima-mobilenet": MobileNetNIMA, "resnet18": ResNetAesthetic}[name]()
    model.load_state_dict(load_state_dict(checkpoint, digest), strict=True)
    return model.eval(), spec
