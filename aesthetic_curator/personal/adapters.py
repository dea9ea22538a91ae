"""Residual adapters (Rebuffi et al. 2017/2018; seed thesis sec. 3.3) and the personal network.

A 1x1 convolution runs in parallel with every 3x3 convolution of the generic network, with the
same input and output channels, stride and groups (a depthwise 3x3 gets a depthwise 1x1), and
its output is added before the following BatchNorm. Adapters start at zero, so an untrained
personal network *is* the generic network (the seed notebook's flaw, copying only BN weights,
is not repeated: we copy the whole network and add to it).

What one user owns (:func:`personal_state_dict`): the adapters, the affine parameters of every
BatchNorm, the head, and the calibration that maps the head's 1..10 score onto the user's own
rating scale. Everything else is the frozen, shared generic network. BatchNorm running
statistics stay the generic ones: ten to a hundred of one person's photos are too few to
re-estimate them, and freezing them keeps training and inference identical.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from ..models.base import BIN_SCORES, AestheticNet, distribution_stats


class ResidualAdapter(nn.Module):
    """``conv(x) + adapter(x)``: a frozen 3x3 convolution and its trainable parallel 1x1."""

    def __init__(self, conv: nn.Conv2d):
        super().__init__()
        if conv.kernel_size != (3, 3) or conv.dilation != (1, 1) or conv.padding != (1, 1):
            raise ValueError(f"residual adapters go beside 3x3 convolutions with padding 1, not {conv}")
        self.conv = conv
        # Same stride and no padding: output (i, j) of the 1x1 sees input (s*i, s*j), the centre
        # of the 3x3 window, so both branches stay aligned at every stride.
        self.adapter = nn.Conv2d(conv.in_channels, conv.out_channels, 1, stride=conv.stride,
                                 groups=conv.groups, bias=False)
        nn.init.zeros_(self.adapter.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) + self.adapter(x)


def add_adapters(model: nn.Module) -> list[str]:
    """Put an adapter beside every 3x3 convolution of ``model``, in place; return their names."""
    names = [name for name, m in model.named_modules()
             if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]
    for name in names:
        parent_name, _, attr = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, attr, ResidualAdapter(getattr(parent, attr)))
    return names


class PersonalNet(AestheticNet):
    """A generic network with adapters, and a calibration of its score to one user's scale.

    ``predict`` gives the user's predicted rating (``a * mean + b``, where ``mean`` is the 1..10
    score of the adapted network's distribution). Before training, with ``a = 1, b = 0``, every
    output equals the generic network's.
    """

    def __init__(self, base: AestheticNet):
        super().__init__()
        # Contiguous weights whatever the base's layout (a Scorer makes it channels-last): training
        # in channels-last is what torch 2.14's CPU backward handles badly (see training.py).
        self.net = copy.deepcopy(base).eval().to(memory_format=torch.contiguous_format)
        self.input_size = base.input_size
        self.num_features = base.num_features
        self.adapter_names = add_adapters(self.net)
        self.scale = nn.Parameter(torch.ones(()))
        self.shift = nn.Parameter(torch.zeros(()))
        for p in self.net.parameters():
            p.requires_grad_(False)
        for p in self.personal_parameters():
            p.requires_grad_(True)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.forward_features(x)

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        return self.net.forward_head(features)

    def rating(self, logits: torch.Tensor) -> torch.Tensor:
        """Predicted rating on the user's scale from the head's logits."""
        probs = logits.softmax(dim=1)
        mean = (probs * BIN_SCORES.to(probs.device, probs.dtype)).sum(dim=1)
        return self.scale * mean + self.shift

    def predict(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        features = self.forward_features(x)
        probs = self.forward_head(features).float().softmax(dim=1)
        mean, std = distribution_stats(probs)
        return probs, self.scale * mean + self.shift, self.scale.abs() * std, features

    def train(self, mode: bool = True) -> PersonalNet:
        """Training mode for dropout only: BatchNorm keeps the generic running statistics."""
        super().train(mode)
        for m in self.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.eval()
        return self

    # -- what belongs to the user ---------------------------------------------------------------
    def personal_parameters(self) -> list[nn.Parameter]:
        return [p for _, p in self.personal_named_parameters()]

    def personal_named_parameters(self) -> list[tuple[str, nn.Parameter]]:
        out = []
        for name, p in self.named_parameters():
            if (".adapter." in name or name.startswith("net.head.") or name in ("scale", "shift")
                    or _is_bn_affine(self, name)):
                out.append((name, p))
        return out

    def adapter_parameters(self) -> list[nn.Parameter]:
        return [p for n, p in self.personal_named_parameters() if ".adapter." in n]


def _is_bn_affine(model: nn.Module, name: str) -> bool:
    module_name, _, attr = name.rpartition(".")
    return attr in ("weight", "bias") and isinstance(
        model.get_submodule(module_name), nn.modules.batchnorm._BatchNorm)


def personal_state_dict(model: PersonalNet) -> dict[str, torch.Tensor]:
    """Only the user's tensors (detached CPU copies): what a profile file holds."""
    return {name: p.detach().cpu().clone() for name, p in model.personal_named_parameters()}


def load_personal_state(model: PersonalNet, state: dict[str, torch.Tensor]) -> None:
    """Load a user's tensors; every personal tensor must be present with the right shape."""
    own = dict(model.personal_named_parameters())
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        raise ValueError(f"personal state does not fit this network (missing {missing[:3]}, "
                         f"unexpected {unexpected[:3]})")
    with torch.no_grad():
        for name, p in own.items():
            if state[name].shape != p.shape:
                raise ValueError(f"personal tensor {name} has shape {tuple(state[name].shape)}, "
                                 f"expected {tuple(p.shape)}")
            p.copy_(state[name])


def parameter_report(model: PersonalNet) -> dict[str, int]:
    """Counts of the user's parameters by kind, and of the shared network."""
    groups = {"adapters": 0, "batchnorm": 0, "head": 0, "calibration": 0}
    for name, p in model.personal_named_parameters():
        if ".adapter." in name:
            groups["adapters"] += p.numel()
        elif name.startswith("net.head."):
            groups["head"] += p.numel()
        elif name in ("scale", "shift"):
            groups["calibration"] += p.numel()
        else:
            groups["batchnorm"] += p.numel()
    groups["per_user_total"] = sum(groups.values())
    groups["generic_network"] = sum(p.numel() for n, p in model.net.named_parameters() if ".adapter." not in n)
    return groups
