"""Why a photo scores as it does: SmoothGrad saliency of the generic or a personal score.

SmoothGrad (Smilkov et al. 2017; seed thesis sec. 6.2) averages the gradient of the score with
respect to the input over copies of the photo with Gaussian noise added, which removes most of
the speckle a single gradient shows. The network sees the photo squashed to its input size (as
when scoring), so the map is computed there and stretched back to the photo's own size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .devices import resolve_device
from .personal.training import network_input

#: Control points of the overlay colour map (dark blue -> red -> yellow -> white), at 0, 1/3, 2/3, 1.
_COLOURS = np.array([[10, 10, 60], [200, 40, 40], [250, 200, 40], [255, 255, 230]], np.float32)


def smoothgrad(model, photo: np.ndarray, *, samples: int = 25, noise: float = 0.2, seed: int = 0,
               squared: bool = True, device: str | None = None, size: tuple[int, int] | None = None) -> np.ndarray:
    """Saliency of ``model``'s score for ``photo`` (uint8 HWC RGB), as an (H, W) map in [0, 1].

    ``model``: a generic network (its mean score) or a ``PersonalNet`` (the user's predicted
    rating): whatever its ``predict`` returns as the score. ``noise``: the standard deviation of
    the added noise as a fraction of the input's range (the paper's 10-20% works best).
    ``seed`` makes the map reproducible. ``squared``: average squared gradients (SmoothGrad-Squared,
    Hooker et al. 2019), which concentrates the map on what matters most; else absolute values.
    ``size``: the map's (width, height) when it is to lie over another rendering of the photo than the one
    the network saw (default: ``photo``'s).
    """
    dev = resolve_device(device)
    model = model.to(dev).eval()
    w, h = size if size is not None else (photo.shape[1], photo.shape[0])
    x = torch.from_numpy(network_input(photo, model.input_size).copy()).permute(2, 0, 1)[None].float().div(255)
    x = x.to(dev).contiguous()
    generator = torch.Generator(device="cpu").manual_seed(seed)
    total = torch.zeros_like(x)
    for _ in range(samples):
        noisy = (x + noise * torch.randn(x.shape, generator=generator).to(dev)).requires_grad_(True)
        score = model.predict(noisy)[1].sum()
        (grad,) = torch.autograd.grad(score, noisy)
        total += grad.square() if squared else grad.abs()
    heat = total[0].sum(0).cpu().numpy() / samples
    top = np.percentile(heat, 99.5)
    heat = np.clip(heat / top, 0, 1) if top > 0 else np.zeros_like(heat)
    # Back to the photo's own shape: the squash to a square is undone by stretching.
    return np.asarray(Image.fromarray(heat.astype(np.float32), mode="F").resize((w, h), Image.Resampling.BILINEAR))


def saliency_of_file(model, path: Path, *, samples: int = 25, noise: float = 0.2, seed: int = 0,
                     device: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(the photo at ``path``, upright uint8 RGB at full size; its :func:`smoothgrad` map at that size).

    The map is computed on the pixels the album scan gives the network (:func:`~.imaging.network_image`:
    a JPEG's draft decode, a camera RAW's embedded preview or half-size develop), so it explains the score
    the album shows, and is stretched over the full-size rendering (a RAW's full-size preview, else its
    develop). Typed :class:`~aesthetic_curator.errors.PhotoError` for a file that cannot be read."""
    from .imaging import load_photo, network_image

    seen = np.asarray(network_image(path, model.input_size).convert("RGB"))
    photo = np.asarray(load_photo(path).convert("RGB"))
    heat = smoothgrad(model, seen, samples=samples, noise=noise, seed=seed, device=device,
                      size=(photo.shape[1], photo.shape[0]))
    return photo, heat


def colourise(saliency: np.ndarray) -> np.ndarray:
    """A saliency map as RGB colours (dark blue for nothing, through red, to light yellow)."""
    s = np.clip(saliency, 0, 1) * (len(_COLOURS) - 1)
    low = np.floor(s).astype(int).clip(0, len(_COLOURS) - 2)
    t = (s - low)[..., None]
    return ((1 - t) * _COLOURS[low] + t * _COLOURS[low + 1]).astype(np.uint8)


def overlay(photo: np.ndarray, saliency: np.ndarray, opacity: float = 0.6) -> np.ndarray:
    """The photo, darkened where the model does not look and coloured where it does."""
    colours = colourise(saliency).astype(np.float32)
    alpha = opacity * np.clip(saliency, 0, 1)[..., None] ** 0.7
    base = photo.astype(np.float32) * (1 - opacity * 0.5)
    return np.clip(base * (1 - alpha) + colours * alpha, 0, 255).astype(np.uint8)


def mass_inside(saliency: np.ndarray, mask: np.ndarray) -> float:
    """Share of the saliency map's total mass that falls inside ``mask`` (a boolean (H, W) array)."""
    total = float(saliency.sum())
    return float(saliency[mask].sum()) / total if total > 0 else 0.0
