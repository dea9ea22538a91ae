"""One user's taste, end to end: record ratings, suggest what to rate, train, score an album.

These are the functions the CLI and the GUI share. Each runs on the caller's thread (the GUI calls
them from workers), takes an open :class:`~aesthetic_curator.catalog.Catalog`, reports through plain
callbacks and stops on a ``threading.Event``. Nothing here knows about Qt.

Where a personal score comes from: :func:`user_taste` fits, after every rating and in milliseconds,
the per-user choice of :mod:`.taste` (a linear taste model, PAM offsets, or the trained adapters judged on
their out-of-fold predictions, each adopted only when it ranks the user's rated photos better than the
generic score with 90% confidence). :func:`personal_scores` applies it to an album; only when the adopted
method is the adapters does that need an inference pass (cached in the catalog under a model id that
includes the profile's hash, so a retrained profile never reuses stale scores). :func:`train_user` is the
heavy part: the cross-validated adapters of :mod:`.heavy`.

This module is the one import for callers; the code lives by concern in :mod:`.ratings` (ratings, rated
photos, users), :mod:`.suggestions` (what to rate next), :mod:`.scores` (taste, agreement, personal scores)
and :mod:`.learn` (training); :mod:`.adopted` turns the adopted score into a network that enhancement and
saliency follow (:func:`personal_model`).
"""

from __future__ import annotations

from .adopted import FOLLOWS, PersonalModel, personal_model
from .learn import NotEnoughRatings, Preparing, TrainOutcome, train_user, training_image
from .profile import ProfileError
from .ratings import (
    STARS,
    RatedPhotos,
    album_photo_ids,
    delete_user,
    parse_stars,
    rate_files,
    rated_photos,
    read_ratings_csv,
    rename_user,
)
from .scores import (
    CURVE_POINTS,
    PersonalScores,
    TasteInputs,
    agreement_curve,
    descriptors,
    load_user_profile,
    personal_network,
    personal_scores,
    personal_spec,
    taste_inputs,
    user_taste,
)
from .suggestions import DEFAULT_SUGGEST, SUGGEST_METHODS, rated_photos_outside, suggest_photos
from .taste import Agreement

__all__ = [
    "CURVE_POINTS",
    "DEFAULT_SUGGEST",
    "FOLLOWS",
    "STARS",
    "SUGGEST_METHODS",
    "Agreement",
    "NotEnoughRatings",
    "PersonalModel",
    "PersonalScores",
    "Preparing",
    "ProfileError",
    "RatedPhotos",
    "TasteInputs",
    "TrainOutcome",
    "agreement_curve",
    "album_photo_ids",
    "delete_user",
    "descriptors",
    "load_user_profile",
    "parse_stars",
    "personal_model",
    "personal_network",
    "personal_scores",
    "personal_spec",
    "rate_files",
    "rated_photos",
    "rated_photos_outside",
    "read_ratings_csv",
    "rename_user",
    "suggest_photos",
    "taste_inputs",
    "train_user",
    "training_image",
    "user_taste",
]
