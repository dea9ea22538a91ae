"""Training a user's adapters from all their ratings (the heavy part, see :mod:`.heavy`) and saving the
profile. Part of :mod:`.service`, the API the CLI and the GUI share."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..catalog import Catalog
from ..errors import PhotoError, UserError
from ..imaging import DRAFT_FACTOR, network_image
from ..interrupt import Interrupted
from ..models import DEFAULT_WEIGHTS
from ..models.weights import WeightsSpec
from ..scoring import SkippedFile
from .profile import Profile, profile_path, save_profile
from .ratings import rated_photos
from .scores import user_taste
from .taste import Agreement


class NotEnoughRatings(UserError, ValueError):
    """Training asked for with fewer ratings than it needs."""


# -- training ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Preparing:
    """Progress before the first epoch: ``done`` of ``total`` rated photos decoded for training, or, when
    ``scoring``, given their generic scores first (photos rated before any scan had none)."""

    done: int
    total: int
    scoring: bool = False


@dataclass
class TrainOutcome:
    profile: Profile
    path: Path
    n_ratings: int
    seconds: float
    result: object  # heavy.CrossValidated: the final run, the adapters' out-of-fold predictions and curve
    skipped: list[SkippedFile]
    agreement: Agreement | None = None  # the score the user now sees, and how well it knows them


def training_image(path: Path, size: int) -> np.ndarray:
    """Decoded for training: at least twice the network size (so random crops still hold detail
    the network sees), at most about four times (memory: 1,000 ratings stay under 2 GB)."""
    im = network_image(path, size)
    factor = min(im.size) // (DRAFT_FACTOR * size)
    if factor >= 2:
        im = im.reduce(factor)
    return np.asarray(im.convert("RGB"))


def train_user(
    catalog: Catalog,
    user: str,
    *,
    base=None,
    spec: WeightsSpec = DEFAULT_WEIGHTS,
    config=None,
    device: str | None = None,
    progress: Callable[[object], None] | None = None,
    cancel: threading.Event | None = None,
    folder: Path | None = None,
) -> TrainOutcome:
    """Train ``user``'s adapters from all their ratings, cross-validated (see :mod:`.heavy`); save the profile.

    The adapters become the score the user sees only if their out-of-fold predictions rank the user's
    photos better than the generic score and the cheap learners (:mod:`.taste`); the outcome's
    ``agreement`` says which score that is. ``base``: the generic network (default: the one ``spec``
    names, loaded here). ``progress`` gets :class:`Preparing` while photos are scored and decoded, then
    ``training.TrainProgress`` after each epoch of every run. A cancel raises
    ``training.TrainingCancelled`` and, like any failure, leaves the previous profile as it was: the new
    one is written (atomically) only at the very end.
    """
    from .heavy import CV_EPOCHS, cross_validate_adapters
    from .training import MIN_RATINGS, TrainConfig, TrainingCancelled, preload_optimisers

    start = time.monotonic()
    preload_optimisers()  # a first training's seconds of imports, while the photos are read
    cancel = cancel or threading.Event()
    config = config or TrainConfig(epochs=CV_EPOCHS)
    if base is None:
        from ..models import load_generic

        base, loaded = load_generic()
        if loaded.sha256 != spec.sha256:
            raise ValueError(f"no built-in network for {spec.model_id}; pass base=")
    scan_progress = None if progress is None else lambda p: progress(Preparing(p.done, p.total, scoring=True))
    try:
        rated = rated_photos(catalog, user, spec=spec, progress=scan_progress, cancel=cancel)
    except Interrupted:
        raise TrainingCancelled from None
    if len(rated) < MIN_RATINGS:
        raise NotEnoughRatings(
            f"{user} has {len(rated)} usable rating(s); training needs at least {MIN_RATINGS} "
            f"(personal scores from your ratings work from the first ones without training)")
    images, keep = [], []
    skipped = list(rated.skipped)
    for i, path in enumerate(rated.paths):
        if cancel.is_set():
            raise TrainingCancelled
        try:
            images.append(training_image(path, spec.input_size))
            keep.append(i)
        except (OSError, PhotoError) as exc:
            skipped.append(SkippedFile(path, str(exc)))
        if progress is not None:
            progress(Preparing(i + 1, len(rated)))
    if len(keep) < MIN_RATINGS:
        raise NotEnoughRatings(f"only {len(keep)} rated photo(s) could be read; training needs {MIN_RATINGS}")
    ratings = rated.ratings[keep]
    cv = cross_validate_adapters(base, images, ratings, rated.generic[keep], config=config, device=device,
                                 progress=progress, cancel=cancel)
    if cancel.is_set():
        raise TrainingCancelled
    result = cv.result
    profile = Profile(
        user=user.strip(), base_model_id=spec.model_id, base_sha256=spec.sha256, personal_state=result.state,
        n_ratings=len(ratings),
        metrics={"cv_spearman": cv.curve[cv.epochs], "epochs": cv.epochs, "seconds": cv.seconds},
        oof={rated.photo_ids[i]: float(v) for i, v in zip(keep, cv.oof, strict=True)},
    )
    path = profile_path(user, folder)
    save_profile(profile, path)
    taste, _ = user_taste(catalog, user, profile=profile, spec=spec, folder=folder)
    return TrainOutcome(profile, path, len(ratings), time.monotonic() - start, cv, skipped,
                        taste.agreement if taste is not None else None)
