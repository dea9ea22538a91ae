"""The user's adopted personal score as a network: pixels in, the stars the side panel shows out.

Why: an edit "for your taste" and a saliency map of "your score" must follow the score the app actually
uses for the user (:class:`~.taste.TasteModel`, chosen by cross-validation), not whichever learner happens
to be on disk. The cheap learners are fitted on what the scan stored (pooled features, first-layer
statistics, the generic score), and every step from those to the stars is differentiable, so each is the
generic network followed by a small head:

* ``linear``: ``coef . [1, z(g), e_1(features), e_2(look)]`` (:class:`LinearHead`);
* ``pam``: calibrated generic score plus RBF kernel ridge offsets on the embedded features (:class:`PAMHead`);
* ``generic``: the calibrated generic score (:class:`CalibrationHead`), the generic ranking on the user's
  star scale;
* ``adapters``: the trained personal network's own rating (:class:`RatingHead` on a ``PersonalNet``).

and then :func:`~.taste.soft_stars`, as :meth:`~.taste.TasteModel.predict` does. The features and the look
statistics are rounded to float16 before the head, as the catalog stores them (its figures are the side
panel's); the rounding passes gradients through unchanged.
"""

from __future__ import annotations

import torch
from torch import nn

from ..models.base import AestheticNet, capturing_look
from .pam import PAMModel
from .taste import LinearTaste, TasteModel, soft_stars


def _buffer(module: nn.Module, name: str, value) -> None:
    """A float32 buffer (float32 works on every device; the numpy predictions are float32 up to the
    embedding too)."""
    module.register_buffer(name, torch.as_tensor(value, dtype=torch.float32).clone())


def as_stored(t: torch.Tensor) -> torch.Tensor:
    """``t`` rounded as the catalog stores it (float16), with gradients passing through unchanged."""
    return t + (t.detach().half().float() - t.detach())


class CalibrationHead(nn.Module):
    """``a + b z(g)``: the generic score on the user's star scale (its ranking is the generic one)."""

    uses_look = False

    def __init__(self, calibration: tuple[float, float, float, float]):
        super().__init__()
        for name, value in zip(("intercept", "slope", "generic_mean", "generic_sd"), calibration, strict=True):
            _buffer(self, name, value)

    def forward(self, score: torch.Tensor, features: torch.Tensor, look: torch.Tensor | None) -> torch.Tensor:
        return self.intercept + self.slope * (score - self.generic_mean) / self.generic_sd


class LinearHead(nn.Module):
    """The linear taste: ``coef . [1, z(g), e_1(features), e_2(look)]``, ``e_b`` the block's embedding
    on the catalog's PCA (projection, shift, then the block's scale), as :class:`~.taste.TasteSpace` does."""

    def __init__(self, linear: LinearTaste):
        super().__init__()
        space = linear.space
        self.uses_look = len(space.blocks) > 1
        self.widths = tuple(int(w) for w in space.widths)
        _buffer(self, "coef", linear.coef)
        _buffer(self, "generic_mean", space.generic_mean)
        _buffer(self, "generic_sd", space.generic_sd)
        for i, (ref, scale) in enumerate(zip(space.blocks, space.scales, strict=True)):
            _buffer(self, f"projection{i}", ref.projection)
            _buffer(self, f"shift{i}", ref.shift)
            _buffer(self, f"scale{i}", scale)

    def forward(self, score: torch.Tensor, features: torch.Tensor, look: torch.Tensor | None) -> torch.Tensor:
        blocks = [features] if not self.uses_look else [features, look]
        if any(b is None for b in blocks):
            raise ValueError("this taste reads the first layer's statistics: the network has no look layer")
        z = (score - self.generic_mean) / self.generic_sd
        terms = [self.coef[0] + self.coef[1] * z]
        start = 2
        for i, block in enumerate(blocks):
            projection = getattr(self, f"projection{i}")
            embedding = (block @ projection + getattr(self, f"shift{i}")) / getattr(self, f"scale{i}")
            k = projection.shape[1]
            terms.append(embedding @ self.coef[start:start + k])
            start += k
        return sum(terms)


class PAMHead(CalibrationHead):
    """PAM: the calibrated generic score plus kernel ridge offsets, ``sum_i alpha_i exp(-|e(x) - e_i|^2 /
    2 h^2)`` over the rated photos' embeddings ``e_i``: differentiable like the linear taste."""

    def __init__(self, pam: PAMModel):
        super().__init__((pam.cal_intercept, pam.cal_slope, pam.generic_mean, pam.generic_sd))
        for name in ("projection", "shift", "train_embedding", "alpha"):
            _buffer(self, name, getattr(pam, name))
        _buffer(self, "bandwidth", pam.bandwidth)

    def forward(self, score: torch.Tensor, features: torch.Tensor, look: torch.Tensor | None) -> torch.Tensor:
        embedding = features[:, :self.projection.shape[0]] @ self.projection + self.shift
        # Differences, not |a|^2 + |b|^2 - 2ab: exact in float32 for photos near a rated one.
        squared = (embedding[:, None, :] - self.train_embedding[None]).square().sum(-1)
        offsets = torch.exp(-squared / (2 * self.bandwidth * self.bandwidth)) @ self.alpha
        return super().forward(score, features, look) + offsets


class RatingHead(nn.Module):
    """The trained adapters: their network's ``predict`` already gives the user's rating."""

    uses_look = False

    def forward(self, score: torch.Tensor, features: torch.Tensor, look: torch.Tensor | None) -> torch.Tensor:
        return score


def taste_head(taste: TasteModel) -> nn.Module:
    """The head of the user's adopted method (the calibration for ``generic``; for ``adapters`` the
    network itself must be the personal one, see :class:`TasteNet`)."""
    if taste.method == "linear" and taste.linear is not None:
        return LinearHead(taste.linear)
    if taste.method == "pam" and taste.pam is not None:
        return PAMHead(taste.pam)
    if taste.method == "adapters":
        return RatingHead()
    return CalibrationHead(taste.calibration)


class TasteNet(AestheticNet):
    """A network whose ``predict(x)[1]`` is the user's predicted stars (1..5, soft-limited).

    ``network``: the generic network (shared, not copied: the taste adds no weights to it), or for the
    ``adapters`` method the user's ``PersonalNet``; ``head`` (:func:`taste_head`) maps its score, pooled
    features and first-layer statistics to stars. The distribution and spread ``predict`` returns are the
    network's own: a taste predicts stars, not how a crowd would spread its votes.
    """

    def __init__(self, network: AestheticNet, head: nn.Module):
        super().__init__()
        self.net = network
        self.head = head
        self.input_size = network.input_size
        self.num_features = network.num_features

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.forward_features(x)

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        return self.net.forward_head(features)

    def look_layer(self) -> nn.Module | None:
        return self.net.look_layer()

    def predict(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        if getattr(self.head, "uses_look", False):
            with capturing_look(self.net) as caught:
                probs, score, spread, features = self.net.predict(x)
            look = as_stored(caught[-1]) if caught else None
        else:
            probs, score, spread, features = self.net.predict(x)
            look = None
        stars = soft_stars(self.head(score.float(), as_stored(features.float()), look))
        return probs, stars, spread, features


__all__ = ["CalibrationHead", "LinearHead", "PAMHead", "RatingHead", "TasteNet", "as_stored", "taste_head"]
