"""ResNet-18 aesthetic network: the seed thesis's generic model (sec. 5.2), behind our interface.

torchvision's ResNet-18 (ImageNet-pretrained for training a generic model of your own) with the
thesis's head: FC 512->1000, PReLU(0.25), Dropout(0.5), BatchNorm; the same again 1000->1000; then
a last FC. The thesis's last layer outputs one rating; ours outputs the 10 score bins, so this
network is a drop-in for the shipped NIMA model (distribution, mean, spread, pooled features).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from .base import NUM_BINS, AestheticNet, load_state_dict
from .weights import WeightsError, WeightsSpec

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class ImageNetNormalize(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class FCBlock(nn.Sequential):
    """The thesis's FC block: Linear -> PReLU(0.25) -> Dropout -> BatchNorm1d."""

    def __init__(self, in_features: int, out_features: int, dropout: float = 0.5):
        super().__init__(
            nn.Linear(in_features, out_features),
            nn.PReLU(init=0.25),
            nn.Dropout(dropout),
            nn.BatchNorm1d(out_features),
        )


class ResNetAesthetic(AestheticNet):
    """ResNet-18 backbone (no ImageNet classifier) + the thesis's 3-FC head over 10 score bins."""

    num_features = 512

    def __init__(self, num_bins: int = NUM_BINS, hidden: int = 1000, dropout: float = 0.5):
        super().__init__()
        from torchvision.models import resnet18

        backbone = resnet18(weights=None)
        self.normalize = ImageNetNormalize()
        self.stem = nn.Sequential(backbone.conv1, backbone.bn1, backbone.relu, backbone.maxpool)
        self.layer1, self.layer2 = backbone.layer1, backbone.layer2
        self.layer3, self.layer4 = backbone.layer3, backbone.layer4
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Sequential(
            FCBlock(self.num_features, hidden, dropout),
            FCBlock(hidden, hidden, dropout),
            nn.Linear(hidden, num_bins),
        )

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(self.normalize(x))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.pool(x).flatten(1)

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        return self.head(features)

    def look_layer(self) -> nn.Module:
        return self.stem[2]  # conv1 -> bn1 -> ReLU, before the max pool

    def load_imagenet_backbone(self, state: dict[str, torch.Tensor]) -> None:
        """Load torchvision's ImageNet ResNet-18 state dict into the backbone (the fc is dropped)."""
        remap: dict[str, torch.Tensor] = {}
        for key, value in state.items():
            if key.startswith("fc."):
                continue
            for tv, ours in (("conv1.", "stem.0."), ("bn1.", "stem.1.")):
                if key.startswith(tv):
                    key = ours + key[len(tv):]
                    break
            remap[key] = value
        missing, unexpected = self.load_state_dict(remap, strict=False)
        if unexpected or any(not k.startswith("head.") for k in missing):
            raise WeightsError(f"not a torchvision ResNet-18 state dict (missing {missing}, unexpected {unexpected})")


def imagenet_weights_path() -> Path:
    """Where torchvision keeps ResNet-18's ImageNet weights (torch.hub's checkpoint cache)."""
    from torchvision.models import ResNet18_Weights

    filename = ResNet18_Weights.IMAGENET1K_V1.url.rsplit("/", 1)[-1]
    return Path(torch.hub.get_dir()) / "checkpoints" / filename


def load_imagenet_state(allow_download: bool = False) -> dict[str, torch.Tensor]:
    """torchvision's ImageNet ResNet-18 weights, from its cache; downloading only when allowed."""
    from torchvision.models import ResNet18_Weights

    path = imagenet_weights_path()
    if path.is_file():
        return load_state_dict(path)
    if allow_download:
        try:
            return ResNet18_Weights.IMAGENET1K_V1.get_state_dict(progress=False)
        except Exception as exc:  # URLError, timeouts, proxies
            raise WeightsError(f"could not download ImageNet ResNet-18 weights: {exc}. "
                               f"Put the file at {path} instead.") from exc
    raise WeightsError(
        f"ImageNet ResNet-18 weights are not in torchvision's cache. Download "
        f"{ResNet18_Weights.IMAGENET1K_V1.url} on a machine with network access and put it at {path} "
        f"(or set $TORCH_HOME so that <TORCH_HOME>/hub/checkpoints/{path.name} exists)."
    )


def resnet18_aesthetic(
    *, weights: WeightsSpec | Path | None = None, imagenet_backbone: bool = False,
    allow_download: bool = False, **kwargs: Any,
) -> ResNetAesthetic:
    """ResNet-18 aesthetic network.

    ``weights``: a trained checkpoint of this network (a :class:`WeightsSpec` or a state-dict
    path). ``imagenet_backbone``: start the backbone from torchvision's ImageNet weights, the
    starting point for training a generic model. With neither, weights are random (tests).
    """
    model = ResNetAesthetic(**kwargs)
    if imagenet_backbone:
        model.load_imagenet_backbone(load_imagenet_state(allow_download))
    if isinstance(weights, WeightsSpec):
        from .store import locate_weights

        model.load_state_dict(load_state_dict(locate_weights(weights.filename), weights.sha256), strict=True)
    elif weights is not None:
        model.load_state_dict(load_state_dict(Path(weights)), strict=True)
    return model.eval()
