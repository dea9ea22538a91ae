"""NIMA on MobileNet-v1: the shipped generic aesthetic model.

The layout mirrors the Keras 2.1.6 graph idealo trained (``weights_mobilenet_aesthetic_0.07.hdf5``),
so the converted state dict maps one to one:

* input RGB in [0, 1], scaled to [-1, 1] inside the graph (Keras ``mobilenet.preprocess_input``);
* ``conv1``: 3x3 stride 2, then 13 depthwise-separable blocks, BN eps 1e-3, ReLU6;
* every 3x3 convolution is preceded by a symmetric one-pixel zero pad. The hdf5's layer list has a
  ``conv_pad_N`` layer before *every* depthwise block, stride 1 included, which is the Keras 2.1.x
  MobileNet (``ZeroPadding2D((1, 1))``); Keras >= 2.2 pads only stride-2 blocks, and asymmetrically.
  A symmetric pad of 1 is exactly PyTorch's ``padding=1``;
* global average pool (1024 features), dropout, Dense(10) + softmax.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .base import NUM_BINS, AestheticNet, load_state_dict
from .store import locate_weights
from .weights import NIMA_MOBILENET_AVA, WeightsSpec

BN_EPS = 1e-3
# (pointwise output channels, depthwise stride) of MobileNet-v1's 13 blocks, alpha = 1.
BLOCKS: tuple[tuple[int, int], ...] = (
    (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
    (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1),
)


class ConvBNReLU6(nn.Sequential):
    """Conv (no bias) -> BatchNorm -> ReLU6: the only layer shape MobileNet-v1 uses."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int = 1, groups: int = 1):
        super().__init__(
            nn.Conv2d(in_ch, out_ch, kernel, stride=stride, padding=kernel // 2,
                      groups=groups, bias=False),
            nn.BatchNorm2d(out_ch, eps=BN_EPS),
            nn.ReLU6(inplace=True),
        )


class DepthwiseSeparable(nn.Sequential):
    def __init__(self, in_ch: int, out_ch: int, stride: int):
        super().__init__()
        self.dw = ConvBNReLU6(in_ch, in_ch, 3, stride=stride, groups=in_ch)
        self.pw = ConvBNReLU6(in_ch, out_ch, 1)


class ScaleToSymmetric(nn.Module):
    """[0, 1] -> [-1, 1], Keras MobileNet's preprocessing, kept in the graph."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2.0 - 1.0


class MobileNetNIMA(AestheticNet):
    """MobileNet-v1 backbone with NIMA's 10-bin head. Input: RGB in [0, 1], NCHW, 224x224."""

    num_features = 1024

    def __init__(self, num_bins: int = NUM_BINS, dropout: float = 0.75):
        super().__init__()
        self.normalize = ScaleToSymmetric()
        layers: list[nn.Module] = [ConvBNReLU6(3, 32, 3, stride=2)]
        in_ch = 32
        for out_ch, stride in BLOCKS:
            layers.append(DepthwiseSeparable(in_ch, out_ch, stride))
            in_ch = out_ch
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.num_features, num_bins)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.features(self.normalize(x))).flatten(1)

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(features))

    def look_layer(self) -> nn.Module:
        return self.features[0]


def _mobilenet_nima(weights: WeightsSpec | None, **kwargs: Any) -> MobileNetNIMA:
    model = MobileNetNIMA(**kwargs)
    if weights is not None:
        state = load_state_dict(locate_weights(weights.filename), weights.sha256)
        model.load_state_dict(state, strict=True)
    return model.eval()


def mobilenet_nima(*, weights: WeightsSpec | None = NIMA_MOBILENET_AVA, **kwargs: Any) -> MobileNetNIMA:
    """The shipped generic model; ``weights=None`` gives random init (tests, conversion)."""
    return _mobilenet_nima(weights, **kwargs)
