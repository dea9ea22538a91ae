"""The heavy part of a personal score: residual adapters, judged by cross-validation before they are used.

Why cross-validation: the thesis kept the epoch that scored best on a handful of held-out ratings, which
with 10-30 ratings is a coin toss (a run "kept epoch 0" or kept an epoch that ranked the user's photos
worse than the generic score). Here the adapters are trained ``folds`` times, each time without one fold
of the ratings, for a fixed number of epochs, and every rated photo is predicted by the network that did
not see it. The final network is trained on all ratings for the same number of epochs, and the
out-of-fold predictions are kept in the profile, so :mod:`.taste` can compare the adapters with the cheap
learners on equal terms and adopt them only when they rank the user's photos better. Nothing is chosen on
those predictions here (an epoch count picked as the best of them would make them optimistic: the
reviewer measured +0.04 "unseen" agreement for raters whose ratings were noise); "no training" is the
generic candidate's place in that comparison. The pooled curve over epochs is reported, not used.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .taste import spearman
from .training import TrainConfig, TrainingCancelled, TrainProgress, TrainResult, train_personal

#: Folds of the adapters' cross-validation: each photo is predicted by a network trained on 2/3 of them.
FOLDS = 3
#: Epochs of each cross-validation run (the final run takes the best count, at most this).
CV_EPOCHS = 8


@dataclass
class CrossValidated:
    """The final training run and how the adapters did on ratings they did not see."""

    result: TrainResult
    oof: np.ndarray  # out-of-fold predicted stars of each rated photo, after the last epoch
    epochs: int  # epochs of every run
    curve: list[float]  # pooled out-of-fold Spearman after each epoch (index 0: before training), for reports
    seconds: float


def fold_ids(n: int, folds: int, seed: int) -> np.ndarray:
    """Fold of each rated photo, balanced and seeded."""
    order = np.random.default_rng(seed).permutation(n)
    out = np.empty(n, np.int64)
    out[order] = np.arange(n) % folds
    return out


def cross_validate_adapters(
    base,
    images: Sequence[np.ndarray],
    ratings: Sequence[float],
    generic: Sequence[float],
    *,
    config: TrainConfig | None = None,
    folds: int = FOLDS,
    device: str | None = None,
    progress: Callable[[TrainProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> CrossValidated:
    """Train ``folds`` cross-validation runs and the final one, ``config.epochs`` each; see the module docstring.

    ``progress`` gets one :class:`TrainProgress` per epoch of every run, numbered over the whole job
    (``epoch`` of ``epochs``), so a progress bar moves steadily from the first run to the last.
    """
    config = config or TrainConfig(epochs=CV_EPOCHS)
    cancel = cancel or threading.Event()
    start = time.monotonic()
    r = np.asarray(ratings, np.float64)
    g = np.asarray(generic, np.float64)
    n = r.size
    fold = fold_ids(n, folds, config.seed)
    cv_config = replace(config, val_fraction=0.0, patience=config.epochs + 1)
    pooled = np.full((config.epochs + 1, n), np.nan)
    steps_total = (folds + 1) * config.epochs
    done = 0
    run = 0  # the run now training: 1..folds check the adapters, folds + 1 is the final one

    def relay(p: TrainProgress) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            elapsed = time.monotonic() - start
            progress(replace(p, epoch=done, epochs=steps_total, elapsed_s=elapsed,
                             eta_s=elapsed / done * (steps_total - done), run=run, runs=folds + 1))

    for f in range(folds):
        run = f + 1
        if cancel.is_set():
            raise TrainingCancelled
        train = np.flatnonzero(fold != f)
        held = np.flatnonzero(fold == f)
        result = train_personal(base, [images[i] for i in train], r[train], generic_scores=g[train],
                                config=cv_config, device=device, progress=relay, cancel=cancel,
                                held_out=[images[i] for i in held])
        for e, pred in enumerate(result.held_out):
            pooled[e, held] = pred
    curve = [spearman(pooled[e], r) if np.isfinite(pooled[e]).all() else float("nan")
             for e in range(config.epochs + 1)]
    run = folds + 1
    final = train_personal(base, list(images), r, generic_scores=g, config=cv_config, device=device,
                           progress=relay, cancel=cancel)
    final.best_epoch, final.val_spearman = config.epochs, curve[-1]
    return CrossValidated(final, pooled[-1], config.epochs, curve, time.monotonic() - start)
