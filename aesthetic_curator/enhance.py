"""Raising a photo's predicted score with the score's own gradient: FGSM and natural edits.

Both take the gradient of the score (generic, or a user's personal one) with respect to the
network's input, with the model in eval mode and the preprocessing inside the graph: this is
what the seed's ``enhancepicture.py`` meant to do and never did (it applied a fixed contrast
stretch).

* **FGSM** (the seed's and thesis's method, sec. 6.2): ``x + eps * sign(grad)`` (or, as the
  thesis's V2, ``eps * grad / max|grad|``), optionally in several smaller steps projected back
  into the eps-box. The step is computed at network resolution and resized *bilinearly* to the
  photo (a convex blend, so no pixel moves by more than eps), then added to the full-size photo.
* **natural**: a handful of global adjustments a person would make (exposure, contrast,
  saturation, white balance, a tone curve), their strengths found by gradient ascent on the
  score with a penalty on the size of the edit (the strengths, and the high-frequency energy of
  the change, which is what contrast and saturation add by scaling grain and noise), then applied
  to the full-size photo. No noise pattern: the whole photo moves together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from .devices import resolve_device
from .personal.training import network_input

if TYPE_CHECKING:
    from .personal.adopted import PersonalModel

MODES = ("fgsm", "natural")

#: Largest strength of each natural adjustment (reached only as the penalty allows).
LIMITS = {"exposure": 0.5, "contrast": 0.35, "saturation": 0.45, "temperature": 0.08, "tint": 0.05,
          "curve": 0.15}


@dataclass
class Enhanced:
    """The edited photo (uint8 HWC, the original's size) with the predicted scores around the edit."""

    photo: np.ndarray
    before: float
    after: float
    mode: str
    params: dict[str, float] = field(default_factory=dict)
    change: np.ndarray | None = None  # FGSM: the float change added to each pixel, in 8-bit levels

    def apply(self, pixels: np.ndarray) -> np.ndarray:
        """The same edit on other pixels of the same photo and size, returned in their own type: uint8 (e.g.
        in the photo's own colour space, for export), uint16 (a RAW's 16-bit develop: the edit keeps its
        precision) or float in [0, 1]. An FGSM change is in 8-bit levels, so it moves a uint16 pixel by 257
        times as many: the same edit on the same photo whatever its bit depth."""
        top = _top_level(pixels.dtype)
        if self.change is not None:
            change = self.change if top == 255 else self.change * np.float32(top / 255)
            edited = pixels.astype(np.float32) + change
        else:
            with torch.no_grad():
                full = torch.from_numpy(pixels.astype(np.float32) / np.float32(top)).permute(2, 0, 1)[None]
                edited = adjust(full, {k: torch.tensor(v) for k, v in self.params.items()})
                edited = edited[0].permute(1, 2, 0).numpy() * np.float32(top)
        if np.issubdtype(pixels.dtype, np.floating):
            return np.clip(edited, 0, 1).astype(pixels.dtype)
        return np.clip(np.round(edited), 0, top).astype(pixels.dtype)


def _top_level(dtype: np.dtype) -> float:
    """The value of white in pixels of ``dtype``: what an edit in [0, 1] (or in 8-bit levels) is scaled by."""
    if dtype == np.uint8:
        return 255.0
    if dtype == np.uint16:
        return 65535.0
    if np.issubdtype(dtype, np.floating):
        return 1.0
    raise ValueError(f"an edit applies to uint8, uint16 or float pixels, not {dtype}")


def _to_input(photo: np.ndarray, size: int, device: torch.device) -> torch.Tensor:
    x = torch.from_numpy(network_input(photo, size).copy()).permute(2, 0, 1)[None]
    return x.to(device).float().div(255.0).contiguous()


def scoring_models(user: str | None, catalog=None, folder: Path | None = None, album=()
                   ) -> tuple[torch.nn.Module, PersonalModel | None]:
    """(the generic network, ``user``'s adopted personal score as networks): what an enhancement or a
    saliency map follows and reports the scores of, in the app and on the command line alike.

    The personal score is the one the app shows the user (chosen by cross-validation from their ratings in
    ``catalog``, an open :class:`~aesthetic_curator.catalog.Catalog`): see
    :func:`~aesthetic_curator.personal.service.personal_model`. None without a user, a catalog, or a rated
    photo with a generic score (callers say whether that is an error: the command line's ``--user`` asks
    for it, the GUI falls back to the generic). ``folder``: where profiles are kept (default: the user data
    folder); ``album``: the scores of the album the photo is shown in, if any."""
    from .models import load_generic
    from .personal.service import personal_model

    base, spec = load_generic()
    if not user or catalog is None:
        return base, None
    return base, personal_model(catalog, user, base, spec=spec, folder=folder, album=album)


def score_of(model, photo: np.ndarray, device: str | None = None) -> float:
    """The model's score of a photo, preprocessed as the album scan does."""
    dev = resolve_device(device)
    model = model.to(dev).eval()
    with torch.inference_mode():
        return float(model.predict(_to_input(photo, model.input_size, dev))[1])


def scores_around(models: dict[str, torch.nn.Module], original: np.ndarray, edited: np.ndarray,
                  device: str | None = None) -> dict[str, tuple[float, float]]:
    """Each named model's score of the original and of the edit, e.g. ``{"generic": (5.1, 5.3),
    "personal": (3.2, 3.6)}``: an edit that follows one score should show what it does to the other."""
    return {name: (score_of(m, original, device), score_of(m, edited, device)) for name, m in models.items()}


def shown_models(base: torch.nn.Module, personal: PersonalModel | None) -> dict[str, torch.nn.Module]:
    """The networks whose figures an edit reports: the user's personal stars (the side panel's figure)
    when they have a personal score, and always the generic score."""
    return {"generic": base} if personal is None else {"personal": personal.network, "generic": base}


def edit_scores(result: Enhanced, followed: torch.nn.Module, shown: dict[str, torch.nn.Module],
                original: np.ndarray, device: str | None = None) -> dict[str, tuple[float, float]]:
    """Each shown network's (before, after) around an edit, the one the edit ``followed`` first (its
    figures are the edit's own): an edit that follows one score should show what it does to the other."""
    name = next(k for k, m in shown.items() if m is followed)
    others = {k: m for k, m in shown.items() if m is not followed}
    return {name: (result.before, result.after), **scores_around(others, original, result.photo, device)}


def fgsm(model, photo: np.ndarray, *, epsilon: float = 3.0, steps: int = 1, magnitude: bool = False,
         device: str | None = None) -> Enhanced:
    """Fast Gradient Sign step(s) on the score. ``epsilon`` in 0-255 pixel levels: no pixel of
    the result differs from the original by more than that."""
    dev = resolve_device(device)
    model = model.to(dev).eval()
    x = _to_input(photo, model.input_size, dev)
    eps = epsilon / 255.0
    delta = torch.zeros_like(x)
    for _ in range(max(1, steps)):
        probe = (x + delta).clamp(0, 1).requires_grad_(True)
        (grad,) = torch.autograd.grad(model.predict(probe)[1].sum(), probe)
        step = grad / grad.abs().max().clamp_min(1e-12) if magnitude else grad.sign()
        delta = (delta + eps / max(1, steps) * step).clamp(-eps, eps)
    h, w = photo.shape[:2]
    up = torch.nn.functional.interpolate(delta, size=(h, w), mode="bilinear", align_corners=False)
    change = up[0].permute(1, 2, 0).cpu().numpy() * 255.0
    result = Enhanced(photo, 0.0, 0.0, "fgsm", {"epsilon": epsilon, "steps": steps, "magnitude": float(magnitude)},
                      change)
    result.photo = result.apply(photo)
    result.before, result.after = score_of(model, photo, device), score_of(model, result.photo, device)
    return result


def _luma(x: torch.Tensor) -> torch.Tensor:
    w = torch.tensor([0.299, 0.587, 0.114], device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
    return (x * w).sum(1, keepdim=True)


def adjust(x: torch.Tensor, p: dict[str, torch.Tensor]) -> torch.Tensor:
    """Global adjustments on NCHW images in [0, 1]; every parameter 0 is the identity."""
    x = x * torch.exp2(p["exposure"])
    gain = torch.stack([1 + p["temperature"] + p["tint"] / 2, 1 - p["tint"], 1 - p["temperature"] + p["tint"] / 2])
    x = x * gain.view(1, 3, 1, 1)
    mean = _luma(x).mean(dim=(2, 3), keepdim=True)
    x = (x - mean) * (1 + p["contrast"]) + mean
    y = _luma(x)
    x = y + (x - y) * (1 + p["saturation"])
    x = x.clamp(0, 1)
    return (x + p["curve"] * 4 * x * (1 - x)).clamp(0, 1)  # lifts (or lowers) the midtones


def natural(model, photo: np.ndarray, *, strength: float = 1.0, iterations: int = 40, penalty: float = 0.1,
            texture_penalty: float = 0.02, device: str | None = None) -> Enhanced:
    """Find global adjustments that raise the score, then apply them to the full-size photo.

    ``strength`` scales the found adjustments (0: none, 1: as found; the GUI's slider).
    ``penalty`` weighs the squared (normalised) strengths of the adjustments against the score gain.
    ``texture_penalty`` weighs the high-frequency energy of the change (squared 8-bit levels, at
    network resolution): contrast and saturation scale a photo's grain, noise and compression
    blocks along with its tones, and an edit that does so on a textured photo is both less like a
    person's and, to the eye, a noise pattern. With it the search prefers exposure, white balance
    and the tone curve there, and keeps contrast for the smooth photos where it costs no grain
    (on Kodak24 the change's high-frequency energy is about a sixth of FGSM's at the default
    epsilon, for about three quarters of the unpenalised score gain).
    """
    dev = resolve_device(device)
    model = model.to(dev).eval()
    x = _to_input(photo, model.input_size, dev)
    raw = {k: torch.zeros((), device=dev, requires_grad=True) for k in LIMITS}
    optimiser = torch.optim.Adam(list(raw.values()), lr=0.1)

    def params() -> dict[str, torch.Tensor]:
        return {k: LIMITS[k] * torch.tanh(v) for k, v in raw.items()}

    for _ in range(iterations):
        edited = adjust(x, params())
        score = model.predict(edited)[1].sum()
        size = sum(torch.tanh(v) ** 2 for v in raw.values())
        loss = -score + penalty * size + texture_penalty * _laplacian_energy((edited - x) * 255.0)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        found = {k: float(v) * strength for k, v in params().items()}
    result = Enhanced(photo, 0.0, 0.0, "natural", found)
    result.photo = result.apply(photo)
    result.before, result.after = score_of(model, photo, device), score_of(model, result.photo, device)
    return result


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def _laplacian_energy(d: torch.Tensor) -> torch.Tensor:
    """Mean squared 4-neighbour Laplacian over the last two (spatial) dimensions."""
    lap = -4 * d[..., 1:-1, 1:-1] + d[..., :-2, 1:-1] + d[..., 2:, 1:-1] + d[..., 1:-1, :-2] + d[..., 1:-1, 2:]
    return lap.square().mean()


def high_frequency_energy(original: np.ndarray, edited: np.ndarray) -> float:
    """Mean squared Laplacian of the difference image (squared 8-bit levels): what a noise
    pattern adds, and what a tone edit adds only by scaling the photo's own texture."""
    d = torch.from_numpy(edited.astype(np.float64) - original.astype(np.float64))
    return float(_laplacian_energy(d.movedim(-1, 0) if d.ndim == 3 else d))


def high_frequency_share(original: np.ndarray, edited: np.ndarray) -> float:
    """High-frequency energy of the difference image relative to its total energy: a noise
    pattern is mostly high frequency (FGSM: about 3-4), a global edit mostly not (it changes
    the photo's own detail in proportion, so some remains; natural edits: about 0.1-1)."""
    d = edited.astype(np.float64) - original.astype(np.float64)
    total = float(np.mean(d ** 2))
    return high_frequency_energy(original, edited) / total if total > 0 else 0.0


#: The album scan decodes a photo at no less than this many times the network's input side (JPEG
#: draft decoding, in ``scoring``) before squashing it to the input. A preview that downsizes the
#: photo differently samples other pixels and gets another score (Kodak's kodim01 as a 1500 x 1000
#: JPEG: 5.75 in a 640-pixel preview, 5.79 in the album), so the preview edits and scores the photo
#: decoded as the scan decodes it.
SCAN_DECODE_FACTOR = 2


def load_as_scanned(path, input_size: int) -> np.ndarray:
    """The upright photo as uint8 RGB, decoded as the album scan decodes it for a network of
    ``input_size``: its score here is the one the album shows."""
    from .imaging import load_photo

    return np.asarray(load_photo(path, min_size=SCAN_DECODE_FACTOR * input_size).convert("RGB"))


@dataclass(frozen=True)
class EditInput:
    """A photo opened for an edit: ``photo``, the full-size upright uint8 sRGB pixels the edit is found on and
    scored with; ``developed``, a camera RAW's 16-bit develop (the same pixels at full precision, which
    :func:`~aesthetic_curator.export_edit.export_edited` applies the edit to and writes), None for other
    files (the export decodes those in their own colour space)."""

    photo: np.ndarray
    developed: np.ndarray | None = None


def open_for_edit(path) -> EditInput:
    """Decode ``path`` for an edit and its export (see :class:`EditInput`): a RAW is developed once, at 16
    bits, and its 8-bit copy is what the search sees."""
    from .export_edit import develop_for_edit, to_8bit
    from .formats import is_raw_name
    from .imaging import load_photo

    if is_raw_name(Path(path)):
        developed = develop_for_edit(path)
        return EditInput(to_8bit(developed), developed)
    return EditInput(np.asarray(load_photo(path).convert("RGB")))


def load_for_edit(path) -> np.ndarray:
    """The full-size upright photo as uint8 RGB (the pixels an export will hold; a RAW's 16-bit develop
    rounded to 8 bits)."""
    return open_for_edit(path).photo


__all__ = [
    "LIMITS", "MODES", "SCAN_DECODE_FACTOR", "EditInput", "Enhanced", "adjust", "edit_scores", "fgsm",
    "high_frequency_energy", "high_frequency_share", "load_as_scanned", "load_for_edit", "natural", "open_for_edit",
    "psnr", "score_of", "scores_around", "scoring_models", "shown_models",
]
