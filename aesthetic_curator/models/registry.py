"""Generic models by name, in the manner of torchvision's ``register_model`` / ``get_model`` / ``list_models``.

Why a registry: the command line's ``--model`` choices and default, the weights a name ships with and the
code that builds the network must agree, and a new architecture (or a plug-in one) should be one decorated
builder, not edits in the parser, the loader and the scanner.

Unlike torchvision's, this registry is torch-free: a builder registered here imports its architecture
module (and so torch) only when called, so listing the models, or answering an already scored album from
the catalog, never pays torch's second of import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .weights import WeightsSpec

if TYPE_CHECKING:
    from .base import AestheticNet

Builder = Callable[..., "AestheticNet"]
B = TypeVar("B", bound=Builder)


@dataclass(frozen=True)
class GenericModel:
    """A registered generic model: its name (what ``--model`` takes), its builder (keyword-only
    ``weights=None`` gives the bare network, random-initialised), the weights shipped with it (None: the
    user brings a checkpoint of their own), and the input a checkpoint of it expects."""

    name: str
    builder: Builder
    weights: WeightsSpec | None = None
    input_size: int = 224
    resample: str = "nearest"
    summary: str = ""


_MODELS: dict[str, GenericModel] = {}
_DEFAULT: list[str] = []


def register_model(name: str | None = None, *, weights: WeightsSpec | None = None, default: bool = False,
                   input_size: int = 224, resample: str = "nearest") -> Callable[[B], B]:
    """Register the decorated builder under ``name`` (default: the function's name). ``default``: the model
    a scan uses when none is named (exactly one registration may say so, and it must ship ``weights``).
    The builder's docstring's first line becomes the model's summary (``--help``)."""

    def wrap(fn: B) -> B:
        key = name or fn.__name__
        if key in _MODELS:
            raise ValueError(f"a model is already registered as {key!r}")
        summary = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        _MODELS[key] = GenericModel(key, fn, weights, input_size, resample, summary)
        if default:
            if weights is None:  # a scan with no model named must be able to run without a checkpoint
                raise ValueError(f"the default model {key!r} needs shipped weights")
            if _DEFAULT:
                raise ValueError(f"{_DEFAULT[0]!r} is already the default model, not also {key!r}")
            _DEFAULT.append(key)
        return fn

    return wrap


def list_models() -> list[str]:
    """The registered names, sorted (the command line's ``--model`` choices)."""
    return sorted(_MODELS)


def get_model_entry(name: str) -> GenericModel:
    """The registration of ``name``; ValueError naming the choices when there is none."""
    try:
        return _MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(list_models())}") from None


def get_model_builder(name: str) -> Builder:
    return get_model_entry(name).builder


def get_model_weights(name: str) -> WeightsSpec | None:
    """The weights shipped for ``name``, or None when it needs a checkpoint of the user's own. A caller that
    knows the spec can look up cached scores without building (or importing) the network."""
    return get_model_entry(name).weights


def get_model(name: str, **config: Any) -> AestheticNet:
    """Build the network registered as ``name``, with the shipped weights unless ``config`` says otherwise
    (``weights=None``: random-initialised)."""
    entry = get_model_entry(name)
    config.setdefault("weights", entry.weights)
    return entry.builder(**config)


def default_model() -> str:
    """The name of the model registered with ``default=True``."""
    if not _DEFAULT:
        raise LookupError("no generic model is registered as the default")
    return _DEFAULT[0]


def default_weights() -> WeightsSpec:
    """The shipped weights of the default model: the spec cached scores are looked up by when no model is
    named."""
    weights = get_model_weights(default_model())
    assert weights is not None  # register_model refuses a default without weights
    return weights
