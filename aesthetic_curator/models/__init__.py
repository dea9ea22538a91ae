"""Aesthetic networks and their weights.

Attributes are imported lazily (PEP 562): ``aesthetic_curator.models.weights`` and the specs
are torch-free, so the CLI can answer an already-scored album without importing torch (which
costs more than a second at start-up). The generic models come from the registry
(:mod:`.registry`, filled by :mod:`.generic`): the command line takes its choices, default and
weights from :data:`GENERIC_MODELS`, :data:`DEFAULT_MODEL` and :func:`get_model_weights`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from . import generic as _generic  # noqa: F401  (registers the models this release ships)
from .registry import (
    GenericModel,
    default_model,
    default_weights,
    get_model,
    get_model_builder,
    get_model_entry,
    get_model_weights,
    list_models,
    register_model,
)
from .weights import NIMA_MOBILENET_AVA, WeightsError, WeightsSpec, sha256_of

if TYPE_CHECKING:
    from .base import AestheticNet

_LAZY = {
    "BIN_SCORES": ".base", "NUM_BINS": ".base", "AestheticNet": ".base",
    "distribution_stats": ".base", "load_state_dict": ".base",
    "MobileNetNIMA": ".mobilenet", "mobilenet_nima": ".mobilenet",
    "ResNetAesthetic": ".resnet", "resnet18_aesthetic": ".resnet",
}

__all__ = ["NIMA_MOBILENET_AVA", "WeightsError", "WeightsSpec", "sha256_of", "GENERIC_MODELS", "DEFAULT_MODEL",
           "DEFAULT_WEIGHTS", "GenericModel", "default_model", "default_weights", "get_model", "get_model_builder",
           "get_model_entry", "get_model_weights", "list_models", "load_generic", "register_model", *_LAZY]

#: The registered generic models, by the name the command line takes (its ``--model`` choices).
GENERIC_MODELS: tuple[str, ...] = tuple(list_models())
#: The model a scan uses when none is named, and its shipped weights (what cached scores are looked up by).
DEFAULT_MODEL: str = default_model()
DEFAULT_WEIGHTS: WeightsSpec = default_weights()


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_generic(name: str = DEFAULT_MODEL, checkpoint: Path | None = None) -> tuple[AestheticNet, WeightsSpec]:
    """A generic model ready to score, in eval mode on the CPU, with the spec that says how to feed it.

    Without a checkpoint, the registered model with its shipped weights (``nima-mobilenet``: the shipped
    NIMA model); a model shipped without weights (``resnet18``) needs a checkpoint of your own: a strict
    state dict of its network (e.g. a :class:`ResNetAesthetic` trained on FLICKR-AES). A checkpoint's spec
    is named after the file and carries its hash, so its cached scores never mix with another's.
    """
    from .base import load_state_dict

    entry = get_model_entry(name)
    if checkpoint is None:
        if entry.weights is None:
            raise WeightsError(f"model {name!r} has no shipped weights: pass --checkpoint with one of your own")
        return entry.builder(weights=entry.weights), entry.weights
    checkpoint = Path(checkpoint)
    digest = sha256_of(checkpoint)
    spec = WeightsSpec(name=f"{name}-{checkpoint.stem}", filename=str(checkpoint), sha256=digest,
                       input_size=entry.input_size, resample=entry.resample)
    model = entry.builder(weights=None)
    model.load_state_dict(load_state_dict(checkpoint, digest), strict=True)
    return model.eval(), spec
