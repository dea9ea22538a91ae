"""The generic models this release knows, registered by name (see :mod:`.registry`).

Each builder imports its architecture module only when called: this module, like the registry, is
torch-free, so the command line can list the models and find cached scores without importing torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .registry import register_model
from .weights import NIMA_MOBILENET_AVA, WeightsSpec

if TYPE_CHECKING:
    from .mobilenet import MobileNetNIMA
    from .resnet import ResNetAesthetic


@register_model("nima-mobilenet", weights=NIMA_MOBILENET_AVA, default=True)
def nima_mobilenet(*, weights: WeightsSpec | None = None, **kwargs: Any) -> MobileNetNIMA:
    """NIMA MobileNet-v1 trained on AVA (shipped)."""
    from .mobilenet import mobilenet_nima

    return mobilenet_nima(weights=weights, **kwargs)


@register_model("resnet18")
def resnet18(*, weights: WeightsSpec | None = None, **kwargs: Any) -> ResNetAesthetic:
    """ResNet-18 aesthetic network (bring a checkpoint, e.g. trained on FLICKR-AES)."""
    from .resnet import resnet18_aesthetic

    return resnet18_aesthetic(weights=weights, **kwargs)
