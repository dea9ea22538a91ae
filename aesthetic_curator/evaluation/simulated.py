"""Simulated raters on a real album: does personalisation learn a taste we know?

Nobody's real taste is known, so we plant one. Each photo of a real album (Kodak24 by default) is
turned into variants a photographer's album holds anyway: other crops, mirror images, brighter
and darker exposures, more and less contrast and colour, warmer and cooler white balance, some
softness. A simulated user then rates every variant as

    latent = z(generic score) + strength * sign * z(attribute) + noise,   noise ~ N(0, noise_sd)
    stars  = clip(round(3 + 1.25 * latent / sd(latent)), 1, 5)

where z() standardises over the album and the attribute is *measured on the pixels* (mean luma,
luma spread, HSV saturation, red minus blue, log Laplacian variance) or, for the last user, is a
random direction in the generic network's feature space. ``strength = 1`` gives the hidden
preference the same weight as the crowd's taste the generic model learned.

Each user's evaluation photos are all variants of photos whose *every* variant is kept out of
training (a split by scene, so no method can win by recognising a scene it was trained on); the
training photos are drawn, by random choice or by Active-PAM, from the variants of the other
scenes. The simulator is fixed before any method is run: its parameters are the documented
defaults, never tuned to make a method win.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from ..errors import MissingDataError
from .methods import METHODS, SELECTIONS, EvalReport, Pool, predict, select
from .stats import spearman

log = logging.getLogger(__name__)

#: The hidden preferences of the simulated users, each with the sign the user prefers.
PREFERENCES: tuple[tuple[str, int], ...] = (
    ("warmth", +1), ("saturation", +1), ("brightness", -1), ("contrast", +1), ("sharpness", -1),
    ("feature-direction", +1),
)
CURVE_POINTS = (2, 5, 10, 20, 30, 50, 75, 100)


@dataclass
class Album:
    """Variants of an album's photos with what the generic model says of each."""

    images: list[np.ndarray]
    scene: np.ndarray  # index of the original photo each variant comes from
    generic: np.ndarray
    features: np.ndarray
    attributes: dict[str, np.ndarray]


def make_variants(photo: Image.Image, n: int, rng: np.random.Generator) -> list[Image.Image]:
    """``n`` edits of one photo with independent random crop, flip, exposure, contrast, colour,
    white balance and softness (variant 0 is the photo as it is)."""
    out = [photo]
    w, h = photo.size
    for _ in range(n - 1):
        f = rng.uniform(0.6, 1.0)
        cw, ch = round(w * f), round(h * f)
        left, top = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        im = photo.crop((left, top, left + cw, top + ch))
        if rng.random() < 0.5:
            im = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        im = ImageEnhance.Brightness(im).enhance(2 ** rng.uniform(-0.6, 0.6))
        im = ImageEnhance.Contrast(im).enhance(rng.uniform(0.6, 1.4))
        im = ImageEnhance.Color(im).enhance(rng.uniform(0.3, 1.7))
        warm = rng.uniform(-0.12, 0.12)
        a = np.asarray(im, np.float32)
        a = a * np.array([1 + warm, 1.0, 1 - warm], np.float32)
        im = Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8))
        if rng.random() < 0.5:
            im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.5)))
        out.append(im)
    return out


def measure(im: np.ndarray) -> dict[str, float]:
    """Pixel statistics a viewer perceives: brightness, contrast, saturation, warmth, sharpness."""
    a = im.astype(np.float32) / 255.0
    luma = a @ np.array([0.299, 0.587, 0.114], np.float32)
    mx, mn = a.max(axis=2), a.min(axis=2)
    lap = (-4 * luma[1:-1, 1:-1] + luma[:-2, 1:-1] + luma[2:, 1:-1] + luma[1:-1, :-2] + luma[1:-1, 2:])
    return {
        "brightness": float(luma.mean()),
        "contrast": float(luma.std()),
        "saturation": float(np.mean((mx - mn) / np.maximum(mx, 1e-3))),
        "warmth": float(a[..., 0].mean() - a[..., 2].mean()),
        "sharpness": float(np.log(lap.var() + 1e-8)),
    }


def build_album(folder: Path, base, *, n_variants: int = 12, seed: int = 0) -> Album:
    """Variants of every photo in ``folder``, scored by ``base`` (the generic network)."""
    import torch

    from ..album import find_photos
    from ..imaging import load_photo
    from ..personal.training import as_batch, network_input

    rng = np.random.default_rng(seed)
    paths = find_photos(Path(folder))
    if not paths:
        raise MissingDataError(f"no photos in {folder}")
    images: list[np.ndarray] = []
    scene: list[int] = []
    for s, path in enumerate(paths):
        for v in make_variants(load_photo(path), n_variants, rng):
            images.append(np.asarray(v.convert("RGB")))
            scene.append(s)
    base = base.eval()
    means, feats = [], []
    with torch.inference_mode():
        for b in range(0, len(images), 32):
            _, mean, _, f = base.predict(as_batch([network_input(im, base.input_size) for im in images[b:b + 32]],
                                                  torch.device("cpu")))
            means.append(mean.numpy())
            feats.append(f.float().numpy())
    measured = [measure(im) for im in images]
    features = np.concatenate(feats)
    attributes = {k: np.array([m[k] for m in measured]) for k in measured[0]}
    direction = np.random.default_rng(seed + 1).standard_normal(features.shape[1])
    zf = (features - features.mean(0)) / (features.std(0) + 1e-6)
    attributes["feature-direction"] = zf @ (direction / np.linalg.norm(direction))
    return Album(images, np.array(scene), np.concatenate(means).astype(np.float64), features, attributes)


def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() + 1e-12)


def simulated_ratings(album: Album, attribute: str, sign: int, strength: float, noise_sd: float,
                      rng: np.random.Generator) -> np.ndarray:
    """One simulated user's stars for every photo of the album (see the module docstring)."""
    latent = _z(album.generic) + strength * sign * _z(album.attributes[attribute])
    latent = latent + rng.normal(0.0, noise_sd, size=latent.shape)
    return np.clip(np.round(3 + 1.25 * latent / latent.std()), 1, 5)


def run_simulation(
    album: Album,
    base,
    *,
    preferences: Sequence[tuple[str, int]] = PREFERENCES,
    strength: float = 1.0,
    noise_sd: float = 0.5,
    ks: Sequence[int] = (10, 100),
    methods: Sequence[str] = METHODS,
    selections: Sequence[str] = SELECTIONS,
    trials: int = 1,
    eval_scenes: int = 8,
    curve_points: Sequence[int] = CURVE_POINTS,
    curve_seeds: int = 5,
    seed: int = 0,
    device: str | None = None,
    say: Callable[[str], None] = log.info,
) -> EvalReport:
    """The table (Spearman per method, k and selection) and the Active-PAM-vs-random curve."""
    report = EvalReport(users=[f"{a}{'+' if s > 0 else '-'}" for a, s in preferences],
                        meta={"strength": strength, "noise_sd": noise_sd, "photos": len(album.images),
                              "scenes": len(np.unique(album.scene)), "eval_scenes": eval_scenes,
                              "trials": trials, "seed": seed})
    pool = Pool(album.generic, album.features, lambda i: album.images[i])
    scenes = np.unique(album.scene)
    timing: dict[str, list[float]] = {}
    curve: dict[tuple[str, int], list[float]] = {}
    for u, (attribute, sign) in enumerate(preferences):
        urng = np.random.default_rng([seed, u])
        stars = simulated_ratings(album, attribute, sign, strength, noise_sd, urng)
        held = urng.choice(scenes, size=min(eval_scenes, max(1, len(scenes) // 3)), replace=False)
        evaluate = np.flatnonzero(np.isin(album.scene, held))
        candidates = np.flatnonzero(~np.isin(album.scene, held))
        truth = stars[evaluate]
        for k in [k for k in ks if k <= len(candidates)]:
            for selection in selections:
                scores: dict[str, list[float]] = {m: [] for m in methods}
                for t in range(trials):
                    trng = np.random.default_rng([seed, u, k, t])
                    train = select(pool, candidates, lambda i, stars=stars: float(stars[i]), k, selection, trng)
                    for method in methods:
                        start = time.monotonic()
                        pred = predict(method, pool, train, stars[train], evaluate, base=base, device=device,
                                       seed=seed + t)
                        timing.setdefault(f"{method} k={k}", []).append(time.monotonic() - start)
                        scores[method].append(spearman(pred, truth))
                for method in methods:
                    rho = float(np.nanmean(scores[method]))
                    report.per_user.setdefault((k, selection, method), []).append(rho)
                    say(f"user {report.users[u]:<20} k={k:<3} {selection:<10} {method:<11} rho {rho:+.3f}")
        for selection in (*selections, "diversity") if "active-pam" in selections else selections:
            for s in range(curve_seeds):
                crng = np.random.default_rng([seed, u, 999, s])
                points = [n for n in curve_points if n <= len(candidates)]
                order = _selection_order(pool, candidates, stars, max(points), selection, crng)
                for n in points:
                    pred = predict("pam", pool, order[:n], stars[order[:n]], evaluate)
                    curve.setdefault((selection, n), []).append(spearman(pred, truth))
    report.curve = {key: float(np.nanmean(v)) for key, v in curve.items()}
    report.seconds = {key: float(np.median(v)) for key, v in timing.items()}
    return report


def _selection_order(pool: Pool, candidates: np.ndarray, stars: np.ndarray, n: int, selection: str,
                     rng: np.random.Generator) -> list[int]:
    if selection == "diversity":
        from ..personal.active import ActivePAMSelector

        chosen = ActivePAMSelector(pool.features[candidates], pool.generic[candidates]).suggest(
            [], [], n, method="diversity", rng=rng)
        return [int(candidates[i]) for i in chosen]
    return select(pool, candidates, lambda i: float(stars[i]), n, selection, rng)
