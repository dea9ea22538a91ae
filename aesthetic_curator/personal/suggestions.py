"""Which photos a user should rate next. Part of :mod:`.service`, the API the CLI and the GUI share."""

from __future__ import annotations

import numpy as np

from ..catalog import Catalog
from ..scoring import PhotoScore, ScanReport
from .ratings import album_photo_ids

SUGGEST_METHODS = ("active-pam", "coverage", "diversity", "random")
#: Measured on the real-photo bed (docs/eval/README.md): with the taste model of taste.py, photos drawn at
#: random teach it as much as any design at 10-20 ratings and more at 50 (Active-PAM: -0.05 Spearman there).
DEFAULT_SUGGEST = "random"


# -- suggestions ------------------------------------------------------------------------------------
def suggest_photos(catalog: Catalog, user: str, album: ScanReport, n: int = 10, *,
                   method: str = DEFAULT_SUGGEST, seed: int | None = None) -> list[PhotoScore]:
    """The ``n`` photos of the album ``user`` should rate next, best first (``DEFAULT_SUGGEST``: random, a
    seeded draw, which measured best; ``"active-pam"`` is Ren et al.'s Algorithm 1).

    Ratings the user gave anywhere count: a photo rated in another album still tells us about
    their taste, and one rated here is never suggested again.
    """
    from .active import suggest

    if method not in SUGGEST_METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(SUGGEST_METHODS)}")
    if not album.scores:
        return []
    ids = album_photo_ids(catalog, album)
    ratings = catalog.ratings(user)
    # An album may hold several files of one photo: rate-able once, suggested once.
    first: dict[int, int] = {}
    copies: list[int] = []
    for i, pid in enumerate(ids):
        if pid in first:
            copies.append(i)
        else:
            first[pid] = i
    rated = [first[pid] for pid in ratings if pid in first]
    features = np.stack([s.features for s in album.scores])
    generic = np.array([s.mean for s in album.scores], np.float64)
    # Rated photos outside this album join the fit as extra rows (they cannot be suggested).
    outside = rated_photos_outside(catalog, ratings, set(ids), album.scores[0].model_id)
    if outside:
        extra_f = np.stack([f for _, f, _ in outside])
        features = np.concatenate([features, extra_f])
        generic = np.concatenate([generic, [g for _, _, g in outside]])
        rated += list(range(len(ids), len(ids) + len(outside)))
    stars = [ratings[ids[i]] if i < len(ids) else outside[i - len(ids)][0] for i in rated]
    rng = np.random.default_rng(seed)
    picks = suggest(features, generic, rated, stars, n, method=method, rng=rng,
                    exclude=[*copies, *range(len(ids), len(features))])
    return [album.scores[i] for i in picks]


def rated_photos_outside(catalog: Catalog, ratings: dict[int, float], inside: set[int], model_id: str
                         ) -> list[tuple[float, np.ndarray, float]]:
    """(stars, features, generic) of rated photos that are not in ``inside`` but have scores."""
    others = [pid for pid in ratings if pid not in inside]
    stored = catalog.scores_for(others, model_id)
    return [(ratings[pid], stored[pid].features, stored[pid].mean) for pid in others if pid in stored]
