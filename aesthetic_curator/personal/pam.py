"""PAM offsets (Ren et al., "Personalized Image Aesthetics", sec. 4.1): a personal score from a handful of ratings.

The model is ``personal(x, g) = a + b * z(g) + offset(x)``:

* ``g`` is the generic network's mean score (1..10 NIMA scale; inside one album typically 4..6.5,
  sd 0.3-0.5) and ``z(g) = (g - album mean) / album sd`` its standing *within the album*.
* ``a + b * z`` is a linear **calibration** of the generic score onto the user's 1..5 star scale. It is a
  ridge regression of the ratings on ``z`` with an unpenalised intercept and the slope shrunk toward a
  prior ``b0 = 0.5`` stars per album-sd (a user whose ratings have sd ~1 star and correlate ~0.5 with the
  generic score), with the weight of ``PRIOR_WEIGHT = 4`` ratings at one album-sd. With 1-3 ratings the
  slope stays near the prior instead of swinging on one pair of photos, and the intercept is the user's own
  mean rating (no star prior: the user's mean is exactly what one rating tells us). Because the intercept is
  unpenalised, the calibrated residuals sum to zero, so the offsets below carry only *where* the user
  departs from the crowd, not their overall leniency.
* ``offset(x)`` regresses the residual ``rating - calibrated generic`` on the photo's pooled aesthetic
  features with **kernel ridge regression** (the paper uses an RBF nu-SVR on 20 attribute/content
  features; KRR is its squared-loss cousin with a closed-form fit and closed-form leave-one-out error).
  Features are standardised per dimension and projected on their top ``N_COMPONENTS = 32`` principal axes,
  both fitted on the album (the unrated photos say which directions vary in *this* album; a few tens of
  dimensions keep an RBF kernel meaningful with 10-100 ratings where 1024 raw dimensions would make all
  distances alike). The RBF bandwidth starts at the median pairwise distance of album photos; the bandwidth
  multiplier (0.5, 1, 2) and the ridge ``lam`` (0.03..100, relative to a unit kernel diagonal) are chosen by
  exact leave-one-out error, which costs one n x n Cholesky factorisation per (bandwidth, lam). Below
  ``MIN_FOR_SELECTION = 5`` ratings LOO is noise, so ``lam = 1`` (offsets half-shrunk) and the median
  bandwidth are used. KRR without intercept predicts offset 0 far from every rated photo: there the
  personal score falls back to the calibrated generic one.

Fitting is millisecond-scale (projection of the rated photos plus an n x n problem); the album
reference (standardisation, PCA, bandwidth) is fitted on at most ``MAX_REFERENCE_ROWS`` evenly spaced album
photos and can be fitted once and reused (:func:`fit_album_reference`). A fitted :class:`PAMModel` is a few
arrays (the D x k projection dominates: 128 KiB for D = 1024) and round-trips through ``torch.save`` /
``torch.load(weights_only=True)`` via :meth:`PAMModel.to_state` / :meth:`PAMModel.from_state`.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np
import torch
from scipy.linalg import lapack

log = logging.getLogger(__name__)

STATE_FORMAT = "aesthetic-curator-pam"
STATE_VERSION = 1

N_COMPONENTS = 32
MAX_REFERENCE_ROWS = 2048  # album rows used for standardisation and PCA: ample for 32 components
MAX_MEDIAN_ROWS = 512  # album rows used for the median-distance bandwidth
PRIOR_SLOPE = 0.5  # stars per album-sd of the generic score
PRIOR_WEIGHT = 4.0  # the slope prior counts as this many ratings one album-sd from the mean
PRIOR_GENERIC_SD = 0.4  # typical within-album sd of NIMA means, used when the album's is unknown
LAMBDAS = (100.0, 30.0, 10.0, 3.0, 1.0, 0.3, 0.1, 0.03)  # most regularised first: ties keep the smoother fit
BANDWIDTH_FACTORS = (2.0, 1.0, 0.5)  # smoothest first, like LAMBDAS
DEFAULT_LAMBDA = 1.0
MIN_FOR_SELECTION = 5
MAX_FOR_BANDWIDTH_SEARCH = 300  # above this many ratings only lambda is searched (24 -> 8 factorisations)


@functools.cache
def _openblas_thread_setters() -> tuple[Callable[[int], int], ...]:
    """``openblas_set_num_threads_local`` of every OpenBLAS loaded in this process (numpy's, scipy's), if any.

    Linux only (found through /proc/self/maps); elsewhere, or with another BLAS, an empty tuple.
    """
    if not sys.platform.startswith("linux"):
        return ()
    try:
        with open("/proc/self/maps", encoding="utf-8") as fh:
            paths = sorted({line.split()[-1] for line in fh if "openblas" in line.rsplit("/", 1)[-1].lower()})
    except OSError:
        return ()
    setters = []
    for path in paths:
        try:
            fn = ctypes.CDLL(path).openblas_set_num_threads_local  # already loaded: this only takes a handle
        except (OSError, AttributeError):
            continue
        fn.argtypes, fn.restype = [ctypes.c_int], ctypes.c_int
        setters.append(fn)
    return tuple(setters)


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run small dense linear algebra on one BLAS thread, for the calling thread only.

    n x n problems with n <= a few hundred gain nothing from threads, and OpenBLAS's threaded LAPACK stalls
    badly (measured: a 100-rating fit went from 1.3 ms to 2.6 s) when another process or the app's own
    training keeps the cores busy. Uses OpenBLAS's thread-local setting, so other threads are unaffected;
    a no-op where it is not available.
    """
    setters = _openblas_thread_setters()
    previous = [fn(1) for fn in setters]
    try:
        yield
    finally:
        for fn, prev in zip(setters, previous, strict=True):
            fn(prev)


@dataclass(frozen=True)
class AlbumReference:
    """What PAM takes from the album, ratings aside; fit once per album with :func:`fit_album_reference`.

    ``embed(x) = x @ projection + shift`` is standardisation followed by PCA (float32, k columns).
    ``feat_mean``/``feat_scale`` are the per-dimension standardisation (also used by Active-PAM's distances).
    ``bandwidth`` is the median pairwise distance between album embeddings. ``generic_mean``/``generic_sd``
    are the album's generic-score statistics (1..10 scale), or None when no album scores were given.
    """

    feat_mean: np.ndarray
    feat_scale: np.ndarray
    projection: np.ndarray
    shift: np.ndarray
    bandwidth: float
    generic_mean: float | None = None
    generic_sd: float | None = None

    def embed(self, features: np.ndarray) -> np.ndarray:
        """(N, D) features -> (N, k) float32 embeddings."""
        return features @ self.projection + self.shift


@dataclass
class PAMModel:
    """A fitted PAM: calibration ``a + b * z(g)`` plus KRR offsets on embedded features.

    Fields are plain floats and numpy arrays; ``alpha`` (n,) are the KRR dual weights on the rated photos'
    embeddings ``train_embedding`` (n, k); ``lam``/``bandwidth`` the chosen ridge and RBF length scale;
    ``loo_rmse`` the leave-one-out RMSE of the offsets in stars (NaN below ``MIN_FOR_SELECTION`` ratings),
    a cheap honest "how well do we know this user" figure.
    """

    projection: np.ndarray
    shift: np.ndarray
    train_embedding: np.ndarray
    alpha: np.ndarray
    bandwidth: float
    lam: float
    cal_intercept: float
    cal_slope: float
    generic_mean: float
    generic_sd: float
    n_ratings: int
    loo_rmse: float = float("nan")

    @property
    def feature_dim(self) -> int:
        return int(self.projection.shape[0])

    def _check(self, features: np.ndarray, generic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(features, dtype=np.float32)
        g = np.asarray(generic, dtype=np.float64).reshape(-1)
        if x.ndim != 2 or x.shape[1] != self.feature_dim:
            raise ValueError(f"features must be (N, {self.feature_dim}), got {x.shape}")
        if g.shape[0] != x.shape[0]:
            raise ValueError(f"{x.shape[0]} feature rows but {g.shape[0]} generic scores")
        return x, g

    def calibrated_generic(self, generic: np.ndarray) -> np.ndarray:
        """The generic 1..10 score mapped onto the user's star scale (the prediction with zero offsets)."""
        g = np.asarray(generic, dtype=np.float64).reshape(-1)
        return self.cal_intercept + self.cal_slope * (g - self.generic_mean) / self.generic_sd

    def predict_offsets(self, features: np.ndarray, generic: np.ndarray) -> np.ndarray:
        """Predicted ``rating - calibrated generic`` in stars, float64 (N,).

        Depends on the features only (as in the paper's offsets regressor); ``generic`` is validated for
        shape so the two predictors take the same arguments. Tends to 0 for photos unlike any rated one.
        """
        x, _ = self._check(features, generic)
        if self.alpha.size == 0 or not np.any(self.alpha):
            return np.zeros(x.shape[0])
        with single_threaded_blas():
            emb = (x @ self.projection + self.shift).astype(np.float64)
            return _rbf(emb, self.train_embedding.astype(np.float64), self.bandwidth) @ self.alpha

    def predict(self, features: np.ndarray, generic: np.ndarray) -> np.ndarray:
        """The user's predicted rating on their 1..5 star scale, float64 (N,).

        Not clipped: values slightly outside 1..5 keep their order (useful for ranking); clip for display.
        """
        _, g = self._check(features, generic)
        return self.calibrated_generic(g) + self.predict_offsets(features, g)

    def to_state(self) -> dict[str, float | int | str | list | torch.Tensor]:
        """Plain values and tensors only, so a profile can hold it and load it with ``weights_only=True``."""
        return {
            "format": STATE_FORMAT, "version": STATE_VERSION,
            "projection": torch.from_numpy(np.array(self.projection, copy=True)),
            "shift": torch.from_numpy(np.array(self.shift, copy=True)),
            "train_embedding": torch.from_numpy(np.array(self.train_embedding, copy=True)),
            "alpha": torch.from_numpy(np.array(self.alpha, copy=True)),
            "bandwidth": float(self.bandwidth), "lam": float(self.lam),
            "cal_intercept": float(self.cal_intercept), "cal_slope": float(self.cal_slope),
            "generic_mean": float(self.generic_mean), "generic_sd": float(self.generic_sd),
            "n_ratings": int(self.n_ratings), "loo_rmse": float(self.loo_rmse),
        }

    @classmethod
    def from_state(cls, state: dict) -> PAMModel:
        """Inverse of :meth:`to_state`; raises ValueError on a state that is not a PAM or is inconsistent."""
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise ValueError("not a PAM state")
        if int(state.get("version", 0)) > STATE_VERSION:
            raise ValueError(f"PAM state version {state.get('version')} is newer than this release")
        try:
            arrays = {k: _to_numpy(state[k]) for k in ("projection", "shift", "train_embedding", "alpha")}
            model = cls(**arrays, **{k: float(state[k]) for k in (
                "bandwidth", "lam", "cal_intercept", "cal_slope", "generic_mean", "generic_sd", "loo_rmse")},
                n_ratings=int(state["n_ratings"]))
        except KeyError as exc:
            raise ValueError(f"PAM state lacks {exc}") from None
        k = model.projection.shape[1] if model.projection.ndim == 2 else -1
        n = model.alpha.shape[0]
        if (model.projection.ndim != 2 or model.shift.shape != (k,) or model.train_embedding.shape != (n, k)
                or model.alpha.ndim != 1 or not model.bandwidth > 0 or not model.generic_sd > 0):
            raise ValueError("PAM state has inconsistent shapes or values")
        return model


def _to_numpy(value: object) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy().copy()
    return np.asarray(value)


def _rbf(a: np.ndarray, b: np.ndarray, bandwidth: float) -> np.ndarray:
    """exp(-|a_i - b_j|^2 / (2 bandwidth^2)), (len(a), len(b))."""
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.exp(-np.maximum(sq, 0.0) / (2.0 * bandwidth * bandwidth))


def evenly_spaced(n: int, m: int) -> np.ndarray:
    return np.arange(n) if n <= m else np.linspace(0, n - 1, m).round().astype(np.int64)


def _orthonormal(y: np.ndarray) -> np.ndarray:
    """Orthonormal basis of y's columns via the small Gram matrix (LAPACK QR is slow under thread contention)."""
    y = y.astype(np.float64)
    if y.shape[1] == 0:
        return y
    evals, evecs = np.linalg.eigh(y.T @ y)
    keep = evals > max(float(evals.max()), 0.0) * 1e-10 + 1e-300
    return y @ (evecs[:, keep] / np.sqrt(evals[keep]))


def _top_components(xc: np.ndarray, k: int) -> np.ndarray:
    """Top-k right singular vectors of the centred (m, D) matrix, (k, D).

    Halko et al.'s randomised range finder (k + 10 columns, two power iterations, fixed seed so a reference is
    reproducible); exact when m or D is at most k + 10. Every dense eigenproblem stays <= 42 x 42: OpenBLAS's
    threaded eigenvector solvers stall for tens of ms from n ~ 64 up whenever another process holds a core.
    """
    m, d = xc.shape
    cols = min(k + 10, m, d)
    x32 = xc.astype(np.float32)  # the big products in float32: a subspace estimate needs no more
    q = _orthonormal(x32 @ np.random.default_rng(0).standard_normal((d, cols)).astype(np.float32))
    for _ in range(2 if cols < min(m, d) else 0):
        q = _orthonormal(x32 @ _orthonormal(x32.T @ q.astype(np.float32)).astype(np.float32))
    if q.shape[1] == 0:  # constant features: no direction varies
        return np.zeros((0, d))
    b = (q.astype(np.float32).T @ x32).astype(np.float64)  # its right singular vectors are xc's top ones
    evals, evecs = np.linalg.eigh(b @ b.T)
    order = np.argsort(evals)[::-1][:k]
    order = order[evals[order] > max(float(evals.max()), 0.0) * 1e-12 + 1e-300]
    return ((b.T @ evecs[:, order]) / np.sqrt(evals[order])).T


def _median_distance(emb: np.ndarray) -> float:
    if emb.shape[0] < 2 or emb.shape[1] == 0:
        return 1.0
    e = emb[evenly_spaced(emb.shape[0], MAX_MEDIAN_ROWS)].astype(np.float64)
    sq = (e * e).sum(1)[:, None] + (e * e).sum(1)[None, :] - 2.0 * (e @ e.T)
    iu = np.triu_indices(e.shape[0], 1)
    med = float(np.sqrt(np.median(np.maximum(sq[iu], 0.0))))
    return med if med > 1e-12 else 1.0


def _check_features(features: np.ndarray, name: str, check_finite: bool = True) -> np.ndarray:
    x = np.asarray(features, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D (N, D) array, got shape {x.shape}")
    if check_finite and not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def fit_album_reference(album_features: np.ndarray, album_generic: np.ndarray | None = None, *,
                        n_components: int = N_COMPONENTS, check_finite: bool = True) -> AlbumReference:
    """Standardisation, PCA basis and RBF bandwidth from an album's (N, D) features (ratings not needed).

    Uses at most ``MAX_REFERENCE_ROWS`` evenly spaced photos, so its cost does not grow with the album beyond
    the finiteness check (``check_finite=False`` skips it for callers that have checked already).
    Dimensions whose sd is below 1% of the mean sd are scaled by that floor rather than blown up.
    """
    x = _check_features(album_features, "album_features", check_finite)
    with single_threaded_blas():
        return _fit_album_reference(x, album_generic, n_components)


def _fit_album_reference(x: np.ndarray, album_generic: np.ndarray | None, n_components: int) -> AlbumReference:
    sample = x[evenly_spaced(x.shape[0], MAX_REFERENCE_ROWS)]
    mean = sample.mean(0, dtype=np.float64)
    sd = sample.std(0, dtype=np.float64)
    floor = 0.01 * float(sd.mean()) if sd.mean() > 0 else 1.0
    scale = np.maximum(sd, floor)
    xc = (sample - mean.astype(np.float32)) / scale.astype(np.float32)
    k = max(0, min(n_components, sample.shape[0] - 1, x.shape[1]))
    comps = _top_components(xc, k) if k > 0 else np.zeros((0, x.shape[1]))
    projection = (comps.T / scale[:, None]).astype(np.float32)
    shift = (-(mean / scale) @ comps.T).astype(np.float32)
    bandwidth = _median_distance(xc @ comps.T.astype(np.float32))
    g_mean, g_sd = _album_generic_stats(album_generic)
    return AlbumReference(mean.astype(np.float32), scale.astype(np.float32), projection, shift, bandwidth,
                          g_mean, g_sd)


def _album_generic_stats(album_generic: np.ndarray | None) -> tuple[float | None, float | None]:
    """Mean and sd of the album's generic scores; sd None when it is degenerate (one photo, all equal)."""
    if album_generic is None:
        return None, None
    g = np.asarray(album_generic, dtype=np.float64).reshape(-1)
    if g.size == 0 or not np.isfinite(g).all():
        raise ValueError("album_generic must be a non-empty finite 1-D array")
    sd = float(g.std())
    return float(g.mean()), (sd if sd > 1e-6 else None)


def generic_stats(generic: np.ndarray, reference: AlbumReference | None) -> tuple[float, float]:
    """Album mean/sd of the generic score; from the rated photos, sd shrunk toward PRIOR_GENERIC_SD, if unknown."""
    mean = reference.generic_mean if reference is not None and reference.generic_mean is not None else None
    sd = reference.generic_sd if reference is not None and reference.generic_sd is not None else None
    if mean is None:
        mean = float(generic.mean())
    if sd is None:
        ss = float(((generic - generic.mean()) ** 2).sum())
        sd = float(np.sqrt((ss + PRIOR_WEIGHT * PRIOR_GENERIC_SD**2) / (generic.size - 1 + PRIOR_WEIGHT)))
    return mean, sd


def _calibrate(z: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    """Ridge fit t ~ a + b z with a free and b shrunk to PRIOR_SLOPE (weight PRIOR_WEIGHT)."""
    zc = z - z.mean()
    slope = (float(zc @ (t - t.mean())) + PRIOR_WEIGHT * PRIOR_SLOPE) / (float(zc @ zc) + PRIOR_WEIGHT)
    return float(t.mean() - slope * z.mean()), slope


def _krr_loo(kernel: np.ndarray, y: np.ndarray, lam: float) -> tuple[float, np.ndarray | None]:
    """Exact leave-one-out RMSE and dual weights of KRR: residual_i = alpha_i / [(K + lam I)^-1]_ii.

    Cholesky-based (potrf/potrs/potri): cheap, and unlike eigh it does not stall under CPU contention.
    """
    chol, info = lapack.dpotrf(kernel + lam * np.eye(y.size), lower=1, clean=1)
    if info != 0:
        return float("inf"), None
    alpha = lapack.dpotrs(chol, y, lower=1)[0]
    inverse, info = lapack.dpotri(chol, lower=1)
    if info != 0:
        return float("inf"), None
    return float(np.sqrt(np.mean((alpha / np.diag(inverse)) ** 2))), alpha


def _fit_krr(emb: np.ndarray, y: np.ndarray, base_bandwidth: float) -> tuple[np.ndarray, float, float, float]:
    """Dual weights, bandwidth, lambda and LOO RMSE; (lam, bandwidth) by exact leave-one-out when n allows."""
    n = y.size
    if n < MIN_FOR_SELECTION or not np.any(y):
        kernel = _rbf(emb, emb, base_bandwidth)
        alpha = np.linalg.solve(kernel + DEFAULT_LAMBDA * np.eye(n), y) if np.any(y) else np.zeros(n)
        return alpha, base_bandwidth, DEFAULT_LAMBDA, float("nan")
    factors = BANDWIDTH_FACTORS if n <= MAX_FOR_BANDWIDTH_SEARCH else (1.0,)
    best: tuple[float, float, float, np.ndarray] | None = None  # (loo, bandwidth, lam, alpha)
    for factor in factors:
        kernel = _rbf(emb, emb, base_bandwidth * factor)
        for lam in LAMBDAS:
            loo, alpha = _krr_loo(kernel, y, lam)
            # The grid runs from smooth to rough: leave a smoother fit only for a clear (1%) gain.
            if alpha is not None and (best is None or loo < best[0] * 0.99):
                best = (loo, base_bandwidth * factor, lam, alpha)
    if best is None:  # cannot happen with lam > 0 and a PSD kernel, but never leave the caller without a model
        return np.zeros(n), base_bandwidth, DEFAULT_LAMBDA, float("nan")
    loo, bandwidth, lam, alpha = best
    return alpha, bandwidth, lam, loo


def fit_pam(features: np.ndarray, generic: np.ndarray, ratings: np.ndarray,
            album_features: np.ndarray | None = None, album_generic: np.ndarray | None = None, *,
            reference: AlbumReference | None = None) -> PAMModel:
    """Fit PAM on the rated photos: (n, D) pooled features, (n,) generic 1..10 means, (n,) ratings in stars.

    ``album_features``/``album_generic`` (all photos of the album, rated or not) make the standardisation,
    PCA and generic-score statistics those of the album rather than of the few rated photos; pass a
    precomputed ``reference`` instead to skip refitting them (Active-PAM refits PAM after every rating).
    Raises ValueError with no ratings: without one there is no personal model, only the generic score.
    """
    t = np.asarray(ratings, dtype=np.float64).reshape(-1)
    if t.size == 0:
        raise ValueError("PAM needs at least one rating: with none there is no personal model "
                         "(use the generic score until the user has rated a photo)")
    x = _check_features(features, "features")
    g = np.asarray(generic, dtype=np.float64).reshape(-1)
    if x.shape[0] != t.size or g.size != t.size:
        raise ValueError(f"features ({x.shape[0]}), generic ({g.size}) and ratings ({t.size}) must have one "
                         "entry per rated photo")
    if not (np.isfinite(g).all() and np.isfinite(t).all()):
        raise ValueError("generic scores and ratings must be finite")
    if reference is None:
        reference = fit_album_reference(album_features if album_features is not None else x, album_generic)
    else:
        if reference.projection.shape[0] != x.shape[1]:
            raise ValueError(f"reference is for {reference.projection.shape[0]}-D features, got {x.shape[1]}-D")
        if album_generic is not None:
            g_mean, g_sd = _album_generic_stats(album_generic)
            reference = replace(reference, generic_mean=g_mean, generic_sd=g_sd)

    g_mean, g_sd = generic_stats(g, reference)
    z = (g - g_mean) / g_sd
    intercept, slope = _calibrate(z, t)
    y = t - (intercept + slope * z)
    with single_threaded_blas():
        emb = reference.embed(x)
        alpha, bandwidth, lam, loo = _fit_krr(emb.astype(np.float64), y, reference.bandwidth)
    log.debug("PAM fit: n=%d slope=%.3f lam=%g bandwidth=%.3g loo_rmse=%.3f", t.size, slope, lam, bandwidth, loo)
    return PAMModel(projection=reference.projection, shift=reference.shift, train_embedding=emb.astype(np.float32),
                    alpha=alpha, bandwidth=float(bandwidth), lam=float(lam), cal_intercept=intercept,
                    cal_slope=slope, generic_mean=g_mean, generic_sd=g_sd, n_ratings=int(t.size), loo_rmse=loo)
