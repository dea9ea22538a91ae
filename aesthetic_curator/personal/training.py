"""Training one user's personal network from their star ratings.

The recipe follows the seed thesis (sec. 5.3), with its evaluation flaw fixed:

* target: the user's own rating, loss = MSE on ratings standardised by the user's spread;
* trainable: adapters (Adam with weight decay 0.05, the thesis's best), BatchNorm affine
  parameters, head and calibration (Adam, no weight decay); everything else frozen;
* augmentation: the thesis's horizontal flip, rescaling and random cropping;
* the epoch is chosen on a validation split of the user's *training* ratings (never on the
  photos being evaluated), and the weights of that epoch are kept;
* seeded: the same ratings and seed give the same profile on the same device.

Progress goes to a plain callback after every epoch (on the training thread); a
``threading.Event`` cancels by raising :class:`TrainingCancelled`, within one layer's compute (a
training step of one batch takes seconds on a CPU, too long to wait for). Nothing is
written here: the caller saves the result atomically, so a cancelled or crashed run leaves the
previous profile untouched.
"""

from __future__ import annotations

import importlib
import logging
import math
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from PIL import Image

from ..devices import resolve_device
from ..imaging import network_array
from ..interrupt import Interrupted, interruptible
from ..models.base import AestheticNet
from .adapters import PersonalNet, personal_state_dict
from .limits import MIN_RATINGS

logger = logging.getLogger(__name__)


class TrainingCancelled(Interrupted):
    """Raised out of :func:`train_personal` when its cancel event is set: between batches, or within one
    layer of the network's forward or backward pass (:func:`~aesthetic_curator.interrupt.interruptible`)."""


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 20
    batch_size: int = 8  # on a 2-core CPU 37 ms per image and step at 8, 43 at 16 (cache effects)
    lr: float = 1e-3
    adapter_weight_decay: float = 0.05
    val_fraction: float = 0.2
    patience: int = 6
    crop_min: float = 0.8  # random crops keep 80-100% of each side (rescale + crop augmentation)
    seed: int = 0


@dataclass(frozen=True)
class TrainProgress:
    """After each epoch. ``val_spearman`` is NaN when there is no validation split (too few ratings, or a
    cross-validated job). In a cross-validated job (:mod:`.heavy`) ``epoch``/``epochs`` count over the whole
    job, ``run`` is the run this epoch belongs to (1..``runs``; the last run is the final one on every
    rating), so a progress bar moves steadily and a label can say which run it is."""

    epoch: int
    epochs: int
    train_loss: float
    val_loss: float
    val_spearman: float
    best_epoch: int
    elapsed_s: float
    eta_s: float
    run: int = 1
    runs: int = 1


@dataclass
class TrainResult:
    state: dict[str, torch.Tensor]
    best_epoch: int
    val_loss: float
    val_spearman: float
    n_train: int
    n_val: int
    seconds: float
    device: str
    history: list[TrainProgress] = field(default_factory=list)
    #: Predictions of the ``held_out`` photos after each epoch (index 0: before training), when asked for.
    held_out: list[np.ndarray] = field(default_factory=list)


class _EpochKeeper:
    """Keeps the weights of the best validation epoch (epoch 0, the starting model, included),
    reports each epoch, and says when patience has run out. Shared by both training modes."""

    def __init__(self, model: PersonalNet, config: TrainConfig, validate, progress, start: float):
        self.model, self.config, self.validate, self.progress, self.start = model, config, validate, progress, start
        loss, self.spearman = validate()
        self.loss = math.inf if math.isnan(loss) else loss
        self.epoch, self.state = 0, personal_state_dict(model)
        self.stale = 0
        self.history: list[TrainProgress] = []

    def end_epoch(self, epoch: int, train_loss: float) -> bool:
        """Validate after ``epoch``; True when training should stop (no gain for ``patience`` epochs)."""
        val_loss, val_rho = self.validate()
        if math.isnan(val_loss) or val_loss < self.loss:  # no validation split: the last epoch wins
            self.loss, self.epoch, self.spearman = val_loss, epoch, val_rho
            self.state = personal_state_dict(self.model)
            self.stale = 0
        else:
            self.stale += 1
        elapsed = time.monotonic() - self.start
        step = TrainProgress(epoch, self.config.epochs, train_loss, val_loss, val_rho, self.epoch, elapsed,
                             elapsed / epoch * (self.config.epochs - epoch))
        self.history.append(step)
        logger.info("epoch %d/%d loss %.4f val %.4f rho %.3f", epoch, self.config.epochs, train_loss, val_loss, val_rho)
        if self.progress is not None:
            self.progress(step)
        return self.stale >= self.config.patience

    def result(self, n_train: int, n_val: int, device: str) -> TrainResult:
        return TrainResult(self.state, self.epoch, self.loss, self.spearman, n_train, n_val,
                           time.monotonic() - self.start, device, self.history)


_DYNAMO = "torch._dynamo"
_preload_lock = threading.Lock()
_preload: threading.Thread | None = None


def preload_optimisers() -> threading.Thread | None:
    """Start importing, on a thread of its own, what ``torch.optim`` imports on its first use; None when done.

    Why: the first optimiser a process builds imports ``torch._dynamo`` (and sympy): 2.3 s on this 2-core CPU
    shared with other work, 8 s with every core busy, and no Cancel can stop an import. Started early
    (``service.train_user`` does it before reading the photos) it overlaps with other work, and
    :func:`train_personal` waits for it in a way a Cancel interrupts (the import then finishes in the
    background, for the next training).
    """
    global _preload
    if _DYNAMO in sys.modules and (_preload is None or not _preload.is_alive()):
        return None
    with _preload_lock:
        if _preload is None:
            _preload = threading.Thread(target=importlib.import_module, args=(_DYNAMO,), daemon=True,
                                        name="import torch._dynamo")
            _preload.start()
    return _preload


def _wait_for_optimisers(cancel: threading.Event) -> None:
    thread = preload_optimisers()
    while thread is not None and thread.is_alive():
        thread.join(0.05)
        if cancel.is_set():
            raise TrainingCancelled


def fit_calibration(generic: np.ndarray, ratings: np.ndarray) -> tuple[float, float]:
    """Initial (scale, shift) mapping a 1..10 generic score onto the user's rating scale.

    Least squares, with the slope kept at least a quarter of ``sd_r / sd_g``. The floor matters
    for a user whose taste runs against the crowd's: with a zero slope the network's output would
    be multiplied by zero and no gradient would reach the adapters, so the network could never
    learn that taste; with a small positive one it can (and the scale itself is trained, so it may
    still turn negative). With fewer than 3 ratings, or no spread, the plain mean.
    """
    g = np.asarray(generic, np.float64)
    r = np.asarray(ratings, np.float64)
    if len(r) < 3 or g.std() < 1e-6 or r.std() < 1e-6:
        return 0.0, float(r.mean())
    slope = float(np.cov(g, r, bias=True)[0, 1] / g.var())
    slope = max(slope, 0.25 * r.std() / g.std())
    return slope, float(r.mean() - slope * g.mean())


def _augment(im: np.ndarray, size: int, rng: np.random.Generator, crop_min: float) -> np.ndarray:
    h, w = im.shape[:2]
    ch = max(1, round(h * rng.uniform(crop_min, 1.0)))
    cw = max(1, round(w * rng.uniform(crop_min, 1.0)))
    top = int(rng.integers(0, h - ch + 1))
    left = int(rng.integers(0, w - cw + 1))
    out = network_array(Image.fromarray(im[top:top + ch, left:left + cw]), size, "nearest")
    return out[:, ::-1] if rng.random() < 0.5 else out


def network_input(im: np.ndarray, size: int) -> np.ndarray:
    """An already decoded photo (uint8 HWC, e.g. a :func:`~.learn.training_image`) squashed to the network's
    square input, as the generic scan squashes (nearest). For a file, see :func:`..imaging.network_input`."""
    return network_array(Image.fromarray(im), size, "nearest")


def as_batch(arrays: list[np.ndarray], device: torch.device) -> torch.Tensor:
    """uint8 HWC arrays of one size as a float NCHW batch in [0, 1] on ``device``."""
    # NHWC numpy permuted to NCHW has channels-last strides; make it contiguous (see below).
    x = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2)
    return x.to(device).float().div_(255.0).contiguous()


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    from scipy.stats import spearmanr

    return float(spearmanr(a, b)[0])


def split_validation(n: int, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, validation indices). At least 2 validation photos once there are 5
    ratings; none below that (then every epoch is kept, the last one wins)."""
    order = rng.permutation(n)
    n_val = 0 if n < MIN_RATINGS or fraction <= 0 else max(2, round(n * fraction))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def train_personal(
    base: AestheticNet,
    images: Sequence[np.ndarray],
    ratings: Sequence[float],
    *,
    generic_scores: Sequence[float] | None = None,
    config: TrainConfig = TrainConfig(),
    device: str | None = None,
    progress: Callable[[TrainProgress], None] | None = None,
    cancel: threading.Event | None = None,
    held_out: Sequence[np.ndarray] = (),
) -> TrainResult:
    """Train a personal network for one user; return its personal state (nothing is saved).

    ``images``: decoded RGB photos, uint8 HWC, ideally at about twice the network size or
    more (``imaging.load_photo(path, min_size=2 * input_size)``). ``ratings``: 1..5 stars.
    ``generic_scores``: the base model's scores of those photos, to initialise the calibration
    (computed here when not given). ``held_out``: photos whose predictions are recorded after every epoch
    (the cross-validation of :func:`~.heavy.cross_validate_adapters`).
    """
    if len(images) != len(ratings):
        raise ValueError("one rating per image")
    # A validation split needs MIN_RATINGS; a cross-validation run (no split) learns from a fold's few.
    needed = MIN_RATINGS if config.val_fraction > 0 else 2
    if len(ratings) < needed:
        raise ValueError(f"training needs at least {needed} ratings, got {len(ratings)}")
    cancel = cancel or threading.Event()
    dev = resolve_device(device)
    rng = np.random.default_rng(config.seed)
    r = np.asarray(ratings, np.float32)
    size = base.input_size
    start = time.monotonic()

    with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        torch.manual_seed(config.seed)
        model = PersonalNet(base).to(dev)
        # Cancel lands within one layer's compute, not at the end of a batch (see ..interrupt).
        with interruptible(model, cancel, TrainingCancelled):
            plain = [network_input(im, size) for im in images]
            if generic_scores is None:  # untrained, the personal network is the generic one
                model.eval()
                with torch.inference_mode():
                    generic_scores = torch.cat([
                        model.predict(as_batch(plain[i:i + 32], dev))[1].cpu() for i in range(0, len(plain), 32)
                    ]).numpy()
            train_idx, val_idx = split_validation(len(r), config.val_fraction, rng)
            scale, shift = fit_calibration(np.asarray(generic_scores)[train_idx], r[train_idx])
            with torch.no_grad():
                model.scale.fill_(scale)
                model.shift.fill_(shift)
            spread = max(float(r[train_idx].std()), 0.5)  # standardise; a floor for one-note raters

            _wait_for_optimisers(cancel)
            adapter_ids = {id(p) for p in model.adapter_parameters()}
            others = [p for p in model.personal_parameters() if id(p) not in adapter_ids]
            optimiser = torch.optim.Adam([
                {"params": model.adapter_parameters(), "weight_decay": config.adapter_weight_decay},
                {"params": others, "weight_decay": 0.0},
            ], lr=config.lr)
            # No channels-last in training: on torch 2.14.1's CPU build the backward pass through this
            # network in channels-last is ~100x slower and, at batch >= 10, corrupts the heap.
            # Inference in channels-last is unaffected.

            def validate() -> tuple[float, float]:
                if len(val_idx) == 0:
                    return float("nan"), float("nan")
                model.eval()
                with torch.inference_mode():
                    pred = model.predict(as_batch([plain[i] for i in val_idx], dev))[1].cpu().numpy()
                loss = float(np.mean(((pred - r[val_idx]) / spread) ** 2))
                return loss, _spearman(pred, r[val_idx])

            held = [network_input(im, size) for im in held_out]
            held_predictions: list[np.ndarray] = []

            def predict_held() -> None:
                if held:
                    model.eval()
                    with torch.inference_mode():
                        out = [model.predict(as_batch(held[i:i + 32], dev))[1].cpu() for i in range(0, len(held), 32)]
                    held_predictions.append(torch.cat(out).numpy().astype(np.float64))

            # Epoch 0, the calibrated generic model, is a candidate too: training must beat it.
            keeper = _EpochKeeper(model, config, validate, progress, start)
            predict_held()
            target = torch.from_numpy(r).to(dev)
            for epoch in range(1, config.epochs + 1):
                model.train()
                order = rng.permutation(train_idx)
                losses = []
                for b in range(0, len(order), config.batch_size):
                    if cancel.is_set():
                        raise TrainingCancelled
                    idx = order[b:b + config.batch_size]
                    x = as_batch([_augment(images[i], size, rng, config.crop_min) for i in idx], dev)
                    pred = model.predict(x)[1]
                    loss = (((pred - target[idx]) / spread) ** 2).mean()
                    optimiser.zero_grad(set_to_none=True)
                    loss.backward()
                    optimiser.step()
                    losses.append(loss.item() * len(idx))
                predict_held()
                if keeper.end_epoch(epoch, sum(losses) / len(train_idx)):
                    break
    result = keeper.result(len(train_idx), len(val_idx), str(dev))
    result.held_out = held_predictions
    return result


def train_last_layers(
    base: AestheticNet,
    features: np.ndarray,
    ratings: Sequence[float],
    *,
    generic_scores: Sequence[float],
    config: TrainConfig = TrainConfig(epochs=60, lr=1e-3),
    progress: Callable[[TrainProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> TrainResult:
    """Fine-tune only the head (and the calibration) on the frozen network's pooled features.

    The thesis's "last layers" baseline. With the backbone frozen its features are fixed, so
    they are computed once (by the album scan) and each epoch costs microseconds; the price is
    no image augmentation. The state returned fits :class:`PersonalNet` (adapters stay zero and
    BatchNorm generic), so it is a profile like any other.
    """
    if len(features) != len(ratings):
        raise ValueError("one rating per feature row")
    if len(ratings) < MIN_RATINGS:
        raise ValueError(f"training needs at least {MIN_RATINGS} ratings, got {len(ratings)}")
    cancel = cancel or threading.Event()
    rng = np.random.default_rng(config.seed)
    r = np.asarray(ratings, np.float32)
    start = time.monotonic()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = PersonalNet(base)
        for name, p in model.personal_named_parameters():
            p.requires_grad_(name.startswith("net.head.") or name in ("scale", "shift"))
        train_idx, val_idx = split_validation(len(r), config.val_fraction, rng)
        scale, shift = fit_calibration(np.asarray(generic_scores)[train_idx], r[train_idx])
        with torch.no_grad():
            model.scale.fill_(scale)
            model.shift.fill_(shift)
        spread = max(float(r[train_idx].std()), 0.5)
        x = torch.as_tensor(np.asarray(features, np.float32))
        target = torch.from_numpy(r)
        optimiser = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=config.lr)

        def validate() -> tuple[float, float]:
            if len(val_idx) == 0:
                return float("nan"), float("nan")
            model.eval()
            with torch.inference_mode():
                pred = model.rating(model.forward_head(x[val_idx])).numpy()
            return float(np.mean(((pred - r[val_idx]) / spread) ** 2)), _spearman(pred, r[val_idx])

        keeper = _EpochKeeper(model, config, validate, progress, start)
        for epoch in range(1, config.epochs + 1):
            if cancel.is_set():
                raise TrainingCancelled
            model.train()
            order = rng.permutation(train_idx)
            total = 0.0
            for b in range(0, len(order), config.batch_size):
                idx = torch.from_numpy(order[b:b + config.batch_size])
                loss = (((model.rating(model.forward_head(x[idx])) - target[idx]) / spread) ** 2).mean()
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                total += loss.item() * len(idx)
            if keeper.end_epoch(epoch, total / len(train_idx)):
                break
    return keeper.result(len(train_idx), len(val_idx), "cpu")
