"""The personal score a user sees: chosen per user, by cross-validation on all their ratings.

Why this module exists: a personal score that ranks someone's photos worse than the generic one is
worse than none, and with 10-20 ratings every learner is noisy. So nothing here is trusted on faith:

1. Cheap learners are fitted on what the scan already stored for every photo (no inference): its
   *descriptor*, the generic network's pooled features and, when every photo has them, the first
   layer's channel statistics (how the photo looks: exposure, colour, contrast), each block embedded on
   its own PCA of a catalog-wide sample (:class:`TasteSpace`):

   * ``linear``: Bayesian ridge ``stars = a + b z(g) + w_1 . e_1(x) + w_2 . e_2(x)``: ``z(g)`` the generic
     score's standing, ``e_b(x)`` the photo's embedding in block b. The slope ``b`` is shrunk toward a
     crowd-agreeing prior but free to turn negative for a user who rates against the crowd; each taste
     direction ``w_b`` is shrunk toward zero with its own strength, chosen by the marginal likelihood of
     the ratings. A linear map generalises from ten ratings where a kernel cannot.
   * ``pam``: Ren et al.'s PAM offsets (RBF kernel ridge on the pooled features, :mod:`.pam`).
   * ``adapters``: the trained personal network (the heavy part), through its out-of-fold predictions
     (see :mod:`.heavy`), passed in as ``extra``.

2. Every candidate's **out-of-fold** predictions come from leave-one-out (up to ``LOO_MAX`` ratings) or
   ``FOLDS``-fold cross-validation of the *whole* fit, hyperparameter choice included, so the agreement
   it reports is one the user could check on photos the model did not see.

3. The best candidate is adopted only when a paired bootstrap over the rated photos says it ranks
   them better than the generic score with ``CONFIDENCE`` confidence. Otherwise the user sees the generic
   ranking on their own star scale, and is told to rate more (:func:`describe`). A user whose ratings are
   noise keeps the generic ranking (bar the few the 90% lets through by chance); a user who rates against
   the crowd is recognised from about ten ratings, a taste in how photos look from about twenty.

Measured on real photographs with 24 kinds of simulated users: docs/eval/README.md. Fitting all of it
takes 0.1-0.5 s for 20-500 ratings, so it runs after every rating.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .agreement import METHOD_NAMES, Agreement, describe
from .limits import MIN_RATINGS
from .pam import (
    PRIOR_SLOPE,
    PRIOR_WEIGHT,
    AlbumReference,
    PAMModel,
    fit_album_reference,
    fit_pam,
    generic_stats,
    single_threaded_blas,
)

log = logging.getLogger(__name__)

STATE_FORMAT = "aesthetic-curator-taste"
STATE_VERSION = 1

#: Ridge strengths of each taste block (relative to the noise). With the embedding scaled to unit mean
#: square norm, 1/lambda is the prior variance of a block's taste term in units of the rating noise.
LAMBDAS = (1e6, 100.0, 30.0, 10.0, 3.0, 1.0, 0.3, 0.1)
LOO_MAX = 20  # leave-one-out up to this many ratings, k-fold above
FOLDS = 10
CONFIDENCE = 0.9  # a candidate replaces the generic ranking only when it is better with this confidence
BOOTSTRAP = 400
MIN_SLOPE = 0.05  # the generic candidate keeps the generic order: its slope never reaches zero
CANDIDATES = ("linear", "pam")
#: PAM's kernel ridge costs n^3 per fold and strength: above this many ratings it is left out (it took
#: 4 of 4.5 s of a fit at 1,500 ratings; the linear learner, whose cost grows with the ratings only
#: linearly, has long overtaken it by then).
PAM_MAX_RATINGS = 300


def _rank_rows(x: np.ndarray) -> np.ndarray:
    """Average ranks (1-based, ties share their mean rank) along the last axis, for many rows at once."""
    x = np.asarray(x, np.float64)
    order = np.argsort(x, axis=-1, kind="stable")
    xs = np.take_along_axis(x, order, -1)
    n = x.shape[-1]
    pos = np.broadcast_to(np.arange(1, n + 1, dtype=np.float64), x.shape)
    # Runs of equal values get the mean of their positions: cumulative sums over each run's boundaries.
    new_run = np.concatenate([np.ones((*x.shape[:-1], 1), bool), xs[..., 1:] != xs[..., :-1]], -1)
    run_id = np.cumsum(new_run, -1) - 1
    flat_id = run_id + (np.arange(int(np.prod(x.shape[:-1]))).reshape((*x.shape[:-1], 1)) * n)
    sums = np.bincount(flat_id.ravel(), pos.ravel(), minlength=flat_id.size)
    counts = np.bincount(flat_id.ravel(), minlength=flat_id.size)
    mean_rank = (sums / np.maximum(counts, 1))[flat_id]
    ranks = np.empty_like(mean_rank)
    np.put_along_axis(ranks, order, mean_rank, -1)
    return ranks


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho with average ranks for ties; NaN when either side is constant or too short."""
    a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(_spearman_rows(a[None], b[None])[0])


def _spearman_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ra, rb = _rank_rows(a), _rank_rows(b)
    ra -= ra.mean(-1, keepdims=True)
    rb -= rb.mean(-1, keepdims=True)
    den = np.sqrt((ra * ra).sum(-1) * (rb * rb).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (ra * rb).sum(-1) / np.where(den > 0, den, 1.0), np.nan)


def soft_stars(x, lo: float = 1.0, hi: float = 5.0, knee: float = 0.5):
    """Predicted stars kept within ``lo``..``hi`` without ties: unchanged inside the knees, compressed
    smoothly (and monotonically, so the ranking is the model's) toward the limits beyond them. A tensor
    in, a tensor out (differentiable: an edit can follow the limited figure the user sees); else float64."""
    xp = torch if isinstance(x, torch.Tensor) else np
    x = x if xp is torch else np.asarray(x, dtype=np.float64)
    top, bottom = hi - knee, lo + knee
    return xp.where(x > top, top + knee * xp.tanh((x - top) / knee),
                    xp.where(x < bottom, bottom - knee * xp.tanh((bottom - x) / knee), x))


# -- the taste space and the linear learner -------------------------------------------------------------------
@dataclass(frozen=True)
class TasteSpace:
    """Where tastes are learnt: each block of a photo's descriptor embedded on its own album PCA.

    Block 0 is the generic network's pooled features (what a photo shows and how); block 1, when present,
    the channel statistics of its first convolution (exposure, colour, contrast, texture: what a photo
    *looks like*, which the pooled features are built to ignore). Each block is scaled to unit mean square
    norm, so one ridge strength per block means the same in every album. ``widths``: the columns of each
    block in the descriptor. The generic score's album mean and sd fix ``z(g)``.
    """

    blocks: tuple[AlbumReference, ...]
    widths: tuple[int, ...]
    generic_mean: float
    generic_sd: float

    @property
    def main(self) -> AlbumReference:
        return self.blocks[0]

    @property
    def scales(self) -> tuple[float, ...]:
        """What each block's embedding is divided by (so it has unit mean square norm)."""
        return tuple(_embed_scale(ref) for ref in self.blocks)

    def embed(self, descriptors: np.ndarray) -> list[np.ndarray]:
        x = np.asarray(descriptors, np.float32)
        out, start = [], 0
        for ref, width, scale in zip(self.blocks, self.widths, self.scales, strict=True):
            out.append(ref.embed(x[:, start:start + width]).astype(np.float64) / scale)
            start += width
        return out

    def z(self, generic: np.ndarray) -> np.ndarray:
        return (np.asarray(generic, np.float64) - self.generic_mean) / self.generic_sd

    def design(self, descriptors: np.ndarray, generic: np.ndarray) -> np.ndarray:
        z = self.z(generic)
        return np.column_stack([np.ones(z.size), z, *self.embed(descriptors)])

    def to_state(self) -> dict:
        return {"blocks": [{"projection": torch.from_numpy(np.array(r.projection, np.float32)),
                            "shift": torch.from_numpy(np.array(r.shift, np.float32)),
                            "bandwidth": float(r.bandwidth)} for r in self.blocks],
                "widths": [int(w) for w in self.widths],
                "generic_mean": float(self.generic_mean), "generic_sd": float(self.generic_sd)}

    @classmethod
    def from_state(cls, state: dict) -> TasteSpace:
        blocks = []
        for b in state["blocks"]:
            proj, shift = (np.asarray(b[k].numpy() if isinstance(b[k], torch.Tensor) else b[k], np.float32)
                           for k in ("projection", "shift"))
            if proj.ndim != 2 or shift.shape != (proj.shape[1],) or not float(b["bandwidth"]) > 0:
                raise ValueError("taste space state has inconsistent shapes")
            dim = proj.shape[0]
            blocks.append(AlbumReference(np.zeros(dim, np.float32), np.ones(dim, np.float32), proj, shift,
                                         float(b["bandwidth"])))
        widths = tuple(int(w) for w in state["widths"])
        if len(widths) != len(blocks) or any(w != r.projection.shape[0] for w, r in zip(widths, blocks, strict=True)):
            raise ValueError("taste space state has inconsistent widths")
        space = cls(tuple(blocks), widths, float(state["generic_mean"]), float(state["generic_sd"]))
        if not space.generic_sd > 0:
            raise ValueError("taste space state has a zero generic sd")
        return space


#: Principal components per block of the taste space (network features, first-layer statistics).
BLOCK_COMPONENTS = (32, 16)


def fit_space(album_descriptors: np.ndarray, album_generic: np.ndarray, widths: Sequence[int] | None = None
              ) -> TasteSpace:
    """The taste space of an album (or of a whole catalog): one PCA per block, and the generic score's scale."""
    x = np.asarray(album_descriptors, np.float32)
    widths = tuple(widths) if widths is not None else (x.shape[1],)
    if sum(widths) != x.shape[1]:
        raise ValueError(f"block widths {widths} do not add up to the descriptor's {x.shape[1]} columns")
    blocks, start = [], 0
    for i, width in enumerate(widths):
        blocks.append(fit_album_reference(x[:, start:start + width], album_generic,
                                          n_components=BLOCK_COMPONENTS[min(i, len(BLOCK_COMPONENTS) - 1)],
                                          check_finite=False))
        start += width
    g_mean, g_sd = generic_stats(np.asarray(album_generic, np.float64), blocks[0])
    return TasteSpace(tuple(blocks), widths, g_mean, g_sd)


@dataclass
class LinearTaste:
    """``stars = coef . [1, z(g), e_1(x), e_2(x), ...]``: calibrated generic score plus a taste direction in
    each block of the taste space, each shrunk with its own strength (``lams``)."""

    space: TasteSpace
    coef: np.ndarray
    lams: tuple[float, ...]

    def predict(self, descriptors: np.ndarray, generic: np.ndarray) -> np.ndarray:
        return self.space.design(descriptors, generic) @ self.coef

    def to_state(self) -> dict:
        return {"space": self.space.to_state(), "coef": torch.from_numpy(np.array(self.coef, np.float64)),
                "lams": [float(v) for v in self.lams]}

    @classmethod
    def from_state(cls, state: dict) -> LinearTaste:
        space = TasteSpace.from_state(state["space"])
        coef = np.asarray(state["coef"].numpy() if isinstance(state["coef"], torch.Tensor) else state["coef"])
        if coef.shape != (2 + sum(r.projection.shape[1] for r in space.blocks),):
            raise ValueError("linear taste state has inconsistent shapes")
        return cls(space, coef.astype(np.float64), tuple(float(v) for v in state["lams"]))


def _prior(sizes: Sequence[int], lams: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Prior precision (diagonal) and mean of [intercept, slope, w_1, w_2, ...]: the intercept is free, the
    slope shrunk toward the crowd-agreeing prior as in PAM's calibration, each taste block toward zero."""
    # The intercept's prior is flat in effect (sd 100 stars), yet keeps the dual form well conditioned.
    precision = np.concatenate([[1e-4, PRIOR_WEIGHT], *[np.full(k, lam) for k, lam in zip(sizes, lams, strict=True)]])
    mean = np.zeros(precision.size)
    mean[1] = PRIOR_SLOPE
    return precision, mean


def _lambda_grid(n_blocks: int) -> list[tuple[float, ...]]:
    """Strength combinations, smoothest first (so ties keep the smoother fit)."""
    grid = list(itertools.product(LAMBDAS, repeat=n_blocks))
    return sorted(grid, key=lambda lams: -sum(np.log(lams)))


def _fit_linear_design(phi: np.ndarray, t: np.ndarray, sizes: Sequence[int]) -> tuple[np.ndarray, tuple[float, ...]]:
    """Posterior mean coefficients, each block's strength chosen by the marginal likelihood of the ratings.

    The model: ``t ~ N(phi m, s^2 (I + phi P^-1 phi^T))`` with the noise variance ``s^2`` profiled out. The
    evidence weighs fit against complexity without holding ratings out, which with 10-20 of them is steadier
    than leave-one-out error (measured on the real-photo bed: docs/eval/README.md). Every combination of
    strengths at once, in batched (n x n) or (p x p) algebra, whichever is smaller.
    """
    grid = _lambda_grid(len(sizes))
    priors = [_prior(sizes, lams) for lams in grid]
    precision = np.stack([pr for pr, _ in priors])  # (C, p)
    mean = np.stack([m for _, m in priors])
    n, p = phi.shape
    resid = t[None] - mean @ phi.T  # (C, n): the ratings less the prior's prediction
    if n < p:  # the dual (Gaussian-process) form
        k = np.einsum("ip,cp,jp->cij", phi, 1.0 / precision, phi) + np.eye(n)[None]
        k_inv = np.linalg.inv(k)
        alpha = np.einsum("cij,cj->ci", k_inv, resid)
        coef = mean + (alpha @ phi) / precision
        logdet = np.linalg.slogdet(k)[1]
        quad = (resid * alpha).sum(1)
    else:
        full = (phi.T @ phi)[None] + precision[:, :, None] * np.eye(p)[None]
        a_inv = np.linalg.inv(full)  # (C, p, p)
        coef = np.einsum("cij,cj->ci", a_inv, (phi.T @ t)[None] + precision * mean)
        logdet = np.linalg.slogdet(full)[1] - np.log(precision).sum(1)  # |I + phi P^-1 phi^T| = |A| / |P|
        proj = resid @ phi  # (C, p)
        quad = (resid * resid).sum(1) - np.einsum("ci,cij,cj->c", proj, a_inv, proj)
    neg_log_evidence = 0.5 * logdet + 0.5 * n * np.log(np.maximum(quad, 1e-12))
    best = int(np.argmin(neg_log_evidence))
    return coef[best], grid[best]


def _embed_scale(reference: AlbumReference) -> float:
    # The median distance between album embeddings is about sqrt(2) times their rms norm.
    return max(reference.bandwidth / np.sqrt(2.0), 1e-6)


def _sizes(space: TasteSpace) -> list[int]:
    return [r.projection.shape[1] for r in space.blocks]


def fit_linear(descriptors: np.ndarray, generic: np.ndarray, ratings: np.ndarray, space: TasteSpace) -> LinearTaste:
    phi = space.design(descriptors, generic)
    coef, lams = _fit_linear_design(phi, np.asarray(ratings, np.float64), _sizes(space))
    return LinearTaste(space, coef, lams)


# -- cross-validation and the choice --------------------------------------------------------------------------
def folds(n: int, seed: int = 0) -> list[np.ndarray]:
    """Held-out index sets: one per rating up to ``LOO_MAX`` ratings, else ``FOLDS`` random folds (half as
    many above 200 ratings)."""
    if n <= LOO_MAX:
        return [np.array([i]) for i in range(n)]
    k = FOLDS if n <= 200 else FOLDS // 2  # many ratings: each fold already trains on hundreds
    order = np.random.default_rng(seed).permutation(n)
    return [np.sort(order[f::k]) for f in range(k)]


def out_of_fold(fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray], n: int, seed: int = 0) -> np.ndarray:
    """Predictions of each rated photo by a model fitted without it (``fit_predict(train, test)``)."""
    pred = np.empty(n)
    everything = np.arange(n)
    for held in folds(n, seed):
        train = np.setdiff1d(everything, held, assume_unique=True)
        pred[held] = fit_predict(train, held)
    return pred


def _linear_oof(descriptors: np.ndarray, generic: np.ndarray, t: np.ndarray, space: TasteSpace,
                seed: int) -> np.ndarray:
    phi = space.design(descriptors, generic)
    sizes = _sizes(space)

    def fit_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        coef, _ = _fit_linear_design(phi[train], t[train], sizes)
        return phi[test] @ coef

    return out_of_fold(fit_predict, t.size, seed)


def _pam_oof(features: np.ndarray, generic: np.ndarray, t: np.ndarray, reference: AlbumReference,
             seed: int) -> np.ndarray:
    def fit_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        model = fit_pam(features[train], generic[train], t[train], reference=reference)
        return model.predict(features[test], generic[test])

    return out_of_fold(fit_predict, t.size, seed)


def better_than_generic(oof: np.ndarray, generic: np.ndarray, t: np.ndarray, *, seed: int = 0,
                        resamples: int = BOOTSTRAP) -> float:
    """Bootstrap probability that ``oof`` ranks the rated photos better than the generic score does.

    Paired: each resample of the rated photos scores both rankings on the same photos, so what the two
    share (the generic part of a personal score) cancels and only the difference is judged.
    """
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, t.size, size=(resamples, t.size))
    diff = _spearman_rows(oof[idx], t[idx]) - _spearman_rows(generic[idx], t[idx])
    diff = diff[np.isfinite(diff)]
    return float(np.mean(diff > 0)) if diff.size else 0.0


@dataclass
class TasteModel:
    """The user's personal score: the adopted learner (or the calibrated generic score) and why."""

    method: str  # "generic", "linear", "pam" or "adapters"
    agreement: Agreement
    calibration: tuple[float, float, float, float]  # intercept, slope (>= MIN_SLOPE), generic mean, generic sd
    linear: LinearTaste | None = None
    pam: PAMModel | None = None
    main_width: int = 0  # columns of the network features in a descriptor (PAM reads only those)

    def generic_stars(self, generic: np.ndarray) -> np.ndarray:
        a, b, mean, sd = self.calibration
        return a + b * (np.asarray(generic, np.float64) - mean) / sd

    def predict(self, features: np.ndarray, generic: np.ndarray, adapters: np.ndarray | None = None) -> np.ndarray:
        """Predicted stars (1..5, soft-limited) for photos; ``adapters``: the trained network's predictions of
        the same photos, needed when that is the adopted method."""
        if self.method == "linear" and self.linear is not None:
            raw = self.linear.predict(features, generic)
        elif self.method == "pam" and self.pam is not None:
            raw = self.pam.predict(np.asarray(features)[:, :self.main_width or None], generic)
        elif self.method == "adapters":
            if adapters is None:
                raise ValueError("this taste uses the trained adapters: pass their predictions")
            raw = np.asarray(adapters, np.float64)
        else:
            raw = self.generic_stars(generic)
        return soft_stars(raw)

    def to_state(self) -> dict:
        return {"format": STATE_FORMAT, "version": STATE_VERSION, "method": self.method,
                "agreement": self.agreement.to_state(), "calibration": [float(v) for v in self.calibration],
                "linear": self.linear.to_state() if self.linear is not None else None,
                "pam": self.pam.to_state() if self.pam is not None else None, "main_width": int(self.main_width)}

    @classmethod
    def from_state(cls, state: dict) -> TasteModel:
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise ValueError("not a taste state")
        if int(state.get("version", 0)) > STATE_VERSION:
            raise ValueError(f"taste state version {state.get('version')} is newer than this release")
        try:
            cal = tuple(float(v) for v in state["calibration"])
            model = cls(str(state["method"]), Agreement.from_state(state["agreement"]), cal,  # type: ignore[arg-type]
                        LinearTaste.from_state(state["linear"]) if state.get("linear") else None,
                        PAMModel.from_state(state["pam"]) if state.get("pam") else None,
                        int(state.get("main_width", 0)))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"taste state is malformed ({exc!r})") from None
        if len(model.calibration) != 4 or model.method not in ("generic", "adapters", *CANDIDATES):
            raise ValueError("taste state is malformed")
        return model


def _generic_calibration(generic: np.ndarray, t: np.ndarray, space: TasteSpace) -> tuple[float, float, float, float]:
    z = space.z(generic)
    zc = z - z.mean()
    slope = (float(zc @ (t - t.mean())) + PRIOR_WEIGHT * PRIOR_SLOPE) / (float(zc @ zc) + PRIOR_WEIGHT)
    slope = max(slope, MIN_SLOPE)
    return float(t.mean() - slope * z.mean()), slope, space.generic_mean, space.generic_sd


def fit_taste(descriptors: np.ndarray, generic: np.ndarray, ratings: np.ndarray, *,
              space: TasteSpace | None = None, album_descriptors: np.ndarray | None = None,
              album_generic: np.ndarray | None = None, widths: Sequence[int] | None = None,
              extra: dict[str, np.ndarray] | None = None, candidates: Sequence[str] = CANDIDATES,
              confidence: float = CONFIDENCE, seed: int = 0) -> TasteModel:
    """Choose and fit one user's personal score from all their ratings (see the module docstring).

    ``descriptors`` (n, D): each rated photo's pooled network features, then (optionally) its first-layer
    statistics; ``generic`` (n,) 1..10 scores, ``ratings`` (n,) stars. ``space`` (or ``album_descriptors``,
    ``album_generic`` and ``widths`` to fit one with :func:`fit_space`) fixes the embedding and the generic
    score's scale. ``extra``: out-of-fold predictions of heavier learners by name (the trained adapters),
    judged like the others and adopted by name.
    """
    t = np.asarray(ratings, np.float64).reshape(-1)
    g = np.asarray(generic, np.float64).reshape(-1)
    x = np.asarray(descriptors, np.float32)
    if t.size == 0:
        raise ValueError("a personal score needs at least one rating")
    if x.ndim != 2 or x.shape[0] != t.size or g.size != t.size:
        raise ValueError("one row of descriptors and one generic score per rating")
    if space is None:
        space = fit_space(album_descriptors if album_descriptors is not None else x,
                          album_generic if album_generic is not None else g, widths)
    main = space.widths[0]
    calibration = _generic_calibration(g, t, space)
    generic_rho = spearman(g, t)
    if t.size < MIN_RATINGS or np.ptp(t) == 0:
        return TasteModel("generic", Agreement(t.size, generic_rho, generic_rho, "generic"), calibration,
                          main_width=main)

    with single_threaded_blas():
        oof: dict[str, np.ndarray] = {}
        if "linear" in candidates:
            oof["linear"] = _linear_oof(x, g, t, space, seed)
        if "pam" in candidates and t.size <= PAM_MAX_RATINGS:
            oof["pam"] = _pam_oof(x[:, :main], g, t, space.main, seed)
    for name, pred in (extra or {}).items():
        if np.shape(pred) == t.shape and np.isfinite(pred).all():
            oof[name] = np.asarray(pred, np.float64)
    rho = {name: spearman(pred, t) for name, pred in oof.items()}
    ranked = sorted((name for name in rho if np.isfinite(rho[name])), key=lambda n: -rho[n])
    method, sure = "generic", float("nan")
    if ranked:
        best = ranked[0]
        sure = better_than_generic(oof[best], g, t, seed=seed)
        if sure >= confidence and (not np.isfinite(generic_rho) or rho[best] > generic_rho):
            method = best
    agreement = Agreement(t.size, rho[method] if method != "generic" else generic_rho, generic_rho, method,
                          rho, sure)
    model = TasteModel(method, agreement, calibration, main_width=main)
    with single_threaded_blas():
        if method == "linear":
            model.linear = fit_linear(x, g, t, space)
        elif method == "pam":
            model.pam = fit_pam(x[:, :main], g, t, reference=space.main)
    log.debug("taste: n=%d method=%s rho=%s generic=%.3f confidence=%.2f", t.size, method, rho, generic_rho, sure)
    return model


__all__ = ["METHOD_NAMES", "Agreement", "LinearTaste", "TasteModel", "TasteSpace", "describe", "fit_linear",
           "fit_space", "fit_taste", "soft_stars", "spearman"]
