"""The personal score a user sees: chosen per user, by cross-validation on all their ratings.

Why this module exists: a personal score that ranks someone's photos worse than the generic one is
worse than none, and with 10-20 ratings every learner is noisy. So nothing here is trusted on faith:

1. Several cheap learners are fitted on the generic network's pooled features (already in the
   catalog: no inference), each with its own hyperparameters chosen inside the training data:

   * ``linear``: Bayesian ridge ``stars = a + b z(g) + w . e(x)``: ``z(g)`` the generic score's standing
     in the album, ``e(x)`` the photo's album-PCA embedding. The slope ``b`` is shrunk toward a
     crowd-agreeing prior but free to turn negative for a user who rates against the crowd; ``w`` (a
     taste direction in feature space) is shrunk toward zero with a strength chosen by exact
     leave-one-out error. A linear map generalises from ten ratings where a kernel cannot.
   * ``pam``: Ren et al.'s PAM offsets (RBF kernel ridge, :mod:`.pam`): local, needs more ratings.
   * ``adapters``: the trained personal network (the heavy part), when the caller has its
     out-of-fold predictions (see :mod:`.heavy`).

2. Every candidate's **out-of-fold** predictions come from leave-one-out (up to ``LOO_MAX`` ratings) or
   ``FOLDS``-fold cross-validation of the *whole* fit, hyperparameter choice included, so the agreement
   it reports is one the user could check on photos the model did not see.

3. The best candidate is adopted only when a paired bootstrap over the rated photos says it ranks
   them better than the generic score with ``CONFIDENCE`` confidence. Otherwise the user sees the generic
   ranking on their own star scale, and is told to rate more. A user whose ratings are noise gets the
   generic ranking; a user with a clear taste gets theirs from about ten ratings.

Fitting all of it for 100 ratings takes tens of milliseconds, so it runs after every rating.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

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

#: Ridge strengths of the taste direction, strongest first (ties keep the smoother fit). With the
#: embedding scaled to unit mean square norm, 1/lambda is the prior variance of the taste term in stars^2.
LAMBDAS = (1e6, 100.0, 30.0, 10.0, 3.0, 1.0, 0.3, 0.1)
MIN_RATINGS = 5  # below this nothing is learnt: the generic ranking on the user's scale
LOO_MAX = 60  # leave-one-out up to this many ratings, k-fold above
FOLDS = 10
CONFIDENCE = 0.9  # a candidate replaces the generic ranking only when it is better with this confidence
BOOTSTRAP = 400
MIN_SLOPE = 0.05  # the generic candidate keeps the generic order: its slope never reaches zero
CANDIDATES = ("linear", "pam")


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho with average ranks for ties; NaN when either side is constant."""
    from scipy.stats import rankdata

    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    ra, rb = rankdata(a), rankdata(b)
    ra -= ra.mean()
    rb -= rb.mean()
    return float(ra @ rb / np.sqrt((ra @ ra) * (rb @ rb)))


def _rank_rows(x: np.ndarray) -> np.ndarray:
    """Average ranks along the last axis (ties shared), for many rows at once."""
    from scipy.stats import rankdata

    return rankdata(x, axis=-1)


def _spearman_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ra, rb = _rank_rows(a), _rank_rows(b)
    ra -= ra.mean(-1, keepdims=True)
    rb -= rb.mean(-1, keepdims=True)
    den = np.sqrt((ra * ra).sum(-1) * (rb * rb).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (ra * rb).sum(-1) / np.where(den > 0, den, 1.0), np.nan)


def soft_stars(x: np.ndarray, lo: float = 1.0, hi: float = 5.0, knee: float = 0.5) -> np.ndarray:
    """Predicted stars kept within ``lo``..``hi`` without ties: unchanged inside the knees, compressed
    smoothly (and monotonically, so the ranking is the model's) toward the limits beyond them."""
    x = np.asarray(x, dtype=np.float64)
    out = x.copy()
    top, bottom = hi - knee, lo + knee
    over, under = x > top, x < bottom
    out[over] = top + knee * np.tanh((x[over] - top) / knee)
    out[under] = bottom - knee * np.tanh((bottom - x[under]) / knee)
    return out


# -- the linear learner ------------------------------------------------------------------------------------
@dataclass
class LinearTaste:
    """``stars = coef[0] + coef[1] * z(g) + coef[2:] . e(x) / embed_scale``; ``e`` = album PCA embedding."""

    projection: np.ndarray  # (D, k) float32
    shift: np.ndarray  # (k,)
    embed_scale: float
    generic_mean: float
    generic_sd: float
    coef: np.ndarray  # (k + 2,)
    lam: float

    def design(self, features: np.ndarray, generic: np.ndarray) -> np.ndarray:
        x = np.asarray(features, np.float32)
        e = (x @ self.projection + self.shift).astype(np.float64) / self.embed_scale
        z = (np.asarray(generic, np.float64) - self.generic_mean) / self.generic_sd
        return np.column_stack([np.ones(len(z)), z, e])

    def predict(self, features: np.ndarray, generic: np.ndarray) -> np.ndarray:
        return self.design(features, generic) @ self.coef

    def to_state(self) -> dict:
        return {"projection": torch.from_numpy(np.array(self.projection, np.float32)),
                "shift": torch.from_numpy(np.array(self.shift, np.float32)),
                "coef": torch.from_numpy(np.array(self.coef, np.float64)),
                "embed_scale": float(self.embed_scale), "generic_mean": float(self.generic_mean),
                "generic_sd": float(self.generic_sd), "lam": float(self.lam)}

    @classmethod
    def from_state(cls, state: dict) -> LinearTaste:
        arrays = {k: np.asarray(state[k].numpy() if isinstance(state[k], torch.Tensor) else state[k])
                  for k in ("projection", "shift", "coef")}
        model = cls(**arrays, **{k: float(state[k]) for k in ("embed_scale", "generic_mean", "generic_sd", "lam")})
        k = model.projection.shape[1] if model.projection.ndim == 2 else -1
        if model.shift.shape != (k,) or model.coef.shape != (k + 2,) or not model.generic_sd > 0:
            raise ValueError("linear taste state has inconsistent shapes")
        return model


def _prior(k: int, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Prior precision (diagonal) and mean of [intercept, slope, w]: the intercept is free, the slope
    shrunk toward the crowd-agreeing prior as in PAM's calibration, the taste direction toward zero."""
    precision = np.concatenate([[1e-8, PRIOR_WEIGHT], np.full(k, lam)])
    mean = np.zeros(k + 2)
    mean[1] = PRIOR_SLOPE
    return precision, mean


def _ridge(phi: np.ndarray, t: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean coefficients and exact leave-one-out residuals of the ridge fit."""
    precision, mean = _prior(phi.shape[1] - 2, lam)
    a = phi.T @ phi + np.diag(precision)
    a_inv = np.linalg.inv(a)
    coef = a_inv @ (phi.T @ t + precision * mean)
    hat = np.einsum("ij,jk,ik->i", phi, a_inv, phi)
    loo = (t - phi @ coef) / np.maximum(1.0 - hat, 1e-9)
    return coef, loo


def _fit_linear_design(phi: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, float]:
    """Coefficients with the taste strength chosen by exact leave-one-out squared error."""
    best: tuple[float, np.ndarray, float] | None = None
    for lam in LAMBDAS:
        coef, loo = _ridge(phi, t, lam)
        err = float(np.mean(loo**2))
        if best is None or err < best[0] * 0.99:  # a rougher fit must earn its place
            best = (err, coef, lam)
    assert best is not None
    return best[1], best[2]


def _embed_scale(reference: AlbumReference) -> float:
    # The median distance between album embeddings is about sqrt(2) times their rms norm.
    return max(reference.bandwidth / np.sqrt(2.0), 1e-6)


def fit_linear(features: np.ndarray, generic: np.ndarray, ratings: np.ndarray, reference: AlbumReference
               ) -> LinearTaste:
    g = np.asarray(generic, np.float64)
    g_mean, g_sd = generic_stats(g, reference)
    model = LinearTaste(reference.projection, reference.shift, _embed_scale(reference), g_mean, g_sd,
                        np.zeros(reference.projection.shape[1] + 2), 0.0)
    phi = model.design(features, g)
    model.coef, model.lam = _fit_linear_design(phi, np.asarray(ratings, np.float64))
    return model


# -- cross-validation and the choice --------------------------------------------------------------------------
def folds(n: int, seed: int = 0) -> list[np.ndarray]:
    """Held-out index sets: one per rating up to ``LOO_MAX`` ratings, else ``FOLDS`` random folds."""
    if n <= LOO_MAX:
        return [np.array([i]) for i in range(n)]
    order = np.random.default_rng(seed).permutation(n)
    return [np.sort(order[f::FOLDS]) for f in range(FOLDS)]


def out_of_fold(fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray], n: int, seed: int = 0) -> np.ndarray:
    """Predictions of each rated photo by a model fitted without it (``fit_predict(train, test)``)."""
    pred = np.empty(n)
    everything = np.arange(n)
    for held in folds(n, seed):
        train = np.setdiff1d(everything, held, assume_unique=True)
        pred[held] = fit_predict(train, held)
    return pred


def _linear_oof(features: np.ndarray, generic: np.ndarray, t: np.ndarray, reference: AlbumReference,
                seed: int) -> np.ndarray:
    g_mean, g_sd = generic_stats(generic, reference)
    shape = LinearTaste(reference.projection, reference.shift, _embed_scale(reference), g_mean, g_sd,
                        np.zeros(reference.projection.shape[1] + 2), 0.0)
    phi = shape.design(features, generic)

    def fit_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        coef, _ = _fit_linear_design(phi[train], t[train])
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
class Agreement:
    """How well a score agrees with the user's own ratings, as Spearman's rho over their rated photos.

    ``personal`` comes from out-of-fold predictions (each photo predicted by a model that did not see
    its rating); ``generic`` needs no cross-validation (the generic model never sees ratings).
    """

    n_ratings: int
    personal: float
    generic: float
    method: str
    candidates: dict[str, float] = field(default_factory=dict)
    confidence: float = float("nan")

    @property
    def better(self) -> bool:
        return self.method != "generic"

    def to_state(self) -> dict:
        return {"n_ratings": int(self.n_ratings), "personal": float(self.personal), "generic": float(self.generic),
                "method": self.method, "candidates": {k: float(v) for k, v in self.candidates.items()},
                "confidence": float(self.confidence)}

    @classmethod
    def from_state(cls, state: dict) -> Agreement:
        return cls(int(state["n_ratings"]), float(state["personal"]), float(state["generic"]), str(state["method"]),
                   {str(k): float(v) for k, v in dict(state.get("candidates", {})).items()},
                   float(state.get("confidence", float("nan"))))


@dataclass
class TasteModel:
    """The user's personal score: the adopted learner (or the calibrated generic score) and why."""

    method: str  # "generic", "linear", "pam" or "adapters"
    agreement: Agreement
    calibration: tuple[float, float, float, float]  # intercept, slope (>= MIN_SLOPE), generic mean, generic sd
    linear: LinearTaste | None = None
    pam: PAMModel | None = None

    def generic_stars(self, generic: np.ndarray) -> np.ndarray:
        a, b, mean, sd = self.calibration
        return a + b * (np.asarray(generic, np.float64) - mean) / sd

    def predict(self, features: np.ndarray, generic: np.ndarray, adapters: np.ndarray | None = None) -> np.ndarray:
        """Predicted stars (1..5, soft-limited) for photos; ``adapters``: the trained network's predictions of
        the same photos, needed when that is the adopted method."""
        if self.method == "linear" and self.linear is not None:
            raw = self.linear.predict(features, generic)
        elif self.method == "pam" and self.pam is not None:
            raw = self.pam.predict(features, generic)
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
                "pam": self.pam.to_state() if self.pam is not None else None}

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
                        PAMModel.from_state(state["pam"]) if state.get("pam") else None)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"taste state is malformed ({exc!r})") from None
        if len(model.calibration) != 4 or model.method not in ("generic", "adapters", *CANDIDATES):
            raise ValueError("taste state is malformed")
        return model


def _generic_calibration(generic: np.ndarray, t: np.ndarray, reference: AlbumReference
                         ) -> tuple[float, float, float, float]:
    g_mean, g_sd = generic_stats(generic, reference)
    z = (generic - g_mean) / g_sd
    zc = z - z.mean()
    slope = (float(zc @ (t - t.mean())) + PRIOR_WEIGHT * PRIOR_SLOPE) / (float(zc @ zc) + PRIOR_WEIGHT)
    slope = max(slope, MIN_SLOPE)
    return float(t.mean() - slope * z.mean()), slope, g_mean, g_sd


def fit_taste(features: np.ndarray, generic: np.ndarray, ratings: np.ndarray, *,
              reference: AlbumReference | None = None, album_features: np.ndarray | None = None,
              album_generic: np.ndarray | None = None, extra: dict[str, np.ndarray] | None = None,
              candidates: Sequence[str] = CANDIDATES, seed: int = 0) -> TasteModel:
    """Choose and fit one user's personal score from all their ratings (see the module docstring).

    ``features`` (n, D), ``generic`` (n,) 1..10, ``ratings`` (n,) stars of the rated photos. The album
    (``reference``, or ``album_features``/``album_generic`` to fit one) fixes the embedding and the generic
    score's album statistics. ``extra``: out-of-fold predictions of heavier learners by name (the trained
    adapters), judged like the others and adopted by name.
    """
    t = np.asarray(ratings, np.float64).reshape(-1)
    g = np.asarray(generic, np.float64).reshape(-1)
    x = np.asarray(features, np.float32)
    if t.size == 0:
        raise ValueError("a personal score needs at least one rating")
    if x.shape[0] != t.size or g.size != t.size:
        raise ValueError("one row of features and one generic score per rating")
    if reference is None:
        reference = fit_album_reference(album_features if album_features is not None else x, album_generic)
    calibration = _generic_calibration(g, t, reference)
    generic_rho = spearman(g, t)
    if t.size < MIN_RATINGS or np.ptp(t) == 0:
        return TasteModel("generic", Agreement(t.size, generic_rho, generic_rho, "generic"), calibration)

    with single_threaded_blas():
        oof: dict[str, np.ndarray] = {}
        if "linear" in candidates:
            oof["linear"] = _linear_oof(x, g, t, reference, seed)
        if "pam" in candidates:
            oof["pam"] = _pam_oof(x, g, t, reference, seed)
    for name, pred in (extra or {}).items():
        if np.shape(pred) == t.shape and np.isfinite(pred).all():
            oof[name] = np.asarray(pred, np.float64)
    rho = {name: spearman(pred, t) for name, pred in oof.items()}
    ranked = sorted((name for name in rho if np.isfinite(rho[name])), key=lambda n: -rho[n])
    method, confidence = "generic", float("nan")
    if ranked:
        best = ranked[0]
        confidence = better_than_generic(oof[best], g, t, seed=seed)
        if confidence >= CONFIDENCE and (not np.isfinite(generic_rho) or rho[best] > generic_rho):
            method = best
    agreement = Agreement(t.size, rho[method] if method != "generic" else generic_rho, generic_rho, method,
                          rho, confidence)
    model = TasteModel(method, agreement, calibration)
    with single_threaded_blas():
        if method == "linear":
            model.linear = fit_linear(x, g, t, reference)
        elif method == "pam":
            model.pam = fit_pam(x, g, t, reference=reference)
    log.debug("taste: n=%d method=%s rho=%s generic=%.3f confidence=%.2f", t.size, method, rho, generic_rho,
              confidence)
    return model


METHOD_NAMES = {
    "generic": "the generic score",
    "linear": "a taste model on the photos' features",
    "pam": "PAM offsets",
    "adapters": "your trained adapters",
}


def _figure(rho: float) -> str:
    return "n/a" if not np.isfinite(rho) else f"{rho:+.2f}"


def describe(agreement: Agreement) -> str:
    """In plain words: which score the user sees, how well it agrees with their own ratings on photos it did
    not see, next to the generic score's figure, and whether to rate more. The CLI and the app both say this."""
    a = agreement
    scale = "(1 = ranks your photos exactly as you did, 0 = no better than chance)"
    if a.n_ratings < MIN_RATINGS:
        return (f"{a.n_ratings} rating(s): too few to learn your taste from yet, so your score follows the generic "
                f"ranking on your star scale. Rate at least {MIN_RATINGS} photos.")
    if a.better:
        return (f"From your {a.n_ratings} ratings, your personal score ({METHOD_NAMES.get(a.method, a.method)}) "
                f"agrees with your own ratings at {_figure(a.personal)} on photos it did not see, against "
                f"{_figure(a.generic)} for the generic score {scale}. It ranks your photos better than the "
                f"generic score does.")
    best = max(a.candidates.items(), key=lambda kv: kv[1] if np.isfinite(kv[1]) else -9, default=None)
    tried = (f" (best tried: {METHOD_NAMES.get(best[0], best[0])}, {_figure(best[1])} on photos it did not see)"
             if best else "")
    return (f"From your {a.n_ratings} ratings, nothing learnt ranks your photos reliably better than the generic "
            f"score yet{tried}; the generic score agrees with your ratings at {_figure(a.generic)} {scale}. "
            f"Your score follows the generic ranking: rate more photos, especially ones you disagree with.")
