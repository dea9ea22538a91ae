"""The network of a user's *adopted* personal score, for the tools that follow a score's gradient.

Why: enhancement and saliency used to follow the trained adapters whenever a profile existed, even when
cross-validation had rejected them, so the enhance preview could say "your stars: 3.19" beside a side panel
saying "you 4.2", and an edit "for your taste" followed a score the app did not use. Here the choice is the
one :func:`.scores.personal_scores` makes (the same :func:`.scores.user_taste` on the same catalog), turned
into a network (:mod:`.taste_net`) whose figure for a photo is the side panel's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..catalog import Catalog
from ..models import DEFAULT_WEIGHTS
from ..models.weights import WeightsSpec
from ..scoring import PhotoScore
from .agreement import METHOD_NAMES
from .profile import ProfileError
from .scores import load_user_profile, personal_network, user_taste

#: Which score an edit or a saliency map for the user follows, per adopted method: the sentence the enhance
#: dialog and the command line show.
FOLLOWS = {
    "linear": ("This follows your personal score: your taste model (the generic score plus a taste direction "
               "in the photos' features and look), chosen from your ratings by cross-validation."),
    "pam": ("This follows your personal score: PAM offsets (the generic score on your star scale plus offsets "
            "learnt from the photos you rated like it), chosen from your ratings by cross-validation."),
    "adapters": ("This follows your personal score: your trained adapters, chosen from your ratings by "
                 "cross-validation."),
    "generic": ("Your personal score is the generic ranking on your star scale (nothing learnt from your "
                "ratings ranks your photos reliably better yet), so this follows the generic score."),
}


@dataclass
class PersonalModel:
    """A user's adopted personal score as networks.

    ``method``: the adopted method (``"generic"``, ``"linear"``, ``"pam"`` or ``"adapters"``). ``network``:
    its ``predict(x)[1]`` is the user's stars, the side panel's figure (a :class:`~.taste_net.TasteNet`).
    ``follow``: what an edit or a saliency map "for the user" follows: ``network``, except for ``generic``,
    where it is the generic network itself (the same ranking; the edit is the generic one).
    ``description``: the sentence saying which score that is (:data:`FOLLOWS`).
    """

    method: str
    network: object
    follow: object
    description: str

    @property
    def follows_generic(self) -> bool:
        return self.follow is not self.network


def personal_model(catalog: Catalog, user: str, base, *, spec: WeightsSpec = DEFAULT_WEIGHTS,
                   folder: Path | None = None, album: Sequence[PhotoScore] = ()) -> PersonalModel | None:
    """``user``'s adopted personal score on the generic network ``base`` (shared, not modified), chosen
    from all their ratings in ``catalog`` exactly as :func:`.scores.personal_scores` chooses it; None when
    they have no rated photo with a generic score (then there is no personal score to follow).

    ``album``: the scores of the album the photo is shown in, when there is one: whether the taste reads
    first-layer statistics depends on it (:func:`.scores.taste_inputs`), and the figure should be that
    album's. A damaged profile raises :class:`~.profile.ProfileError`, as
    it does for the side panel's scores.
    """
    from .taste_net import TasteNet, taste_head

    profile = load_user_profile(user, spec, folder)
    taste, _ = user_taste(catalog, user, profile=profile, spec=spec, album=album, folder=folder)
    if taste is None:
        return None
    network = base
    if taste.method == "adapters":
        network = personal_network(user, base, spec, folder)
        if network is None:  # the profile went between the two reads
            raise ProfileError(f"{user}'s trained adapters are their score but their profile is gone")
    model = TasteNet(network, taste_head(taste))
    follow = base if taste.method == "generic" else model
    words = FOLLOWS.get(taste.method, f"This follows your personal score: {METHOD_NAMES.get(taste.method)}.")
    return PersonalModel(taste.method, model, follow, words)


__all__ = ["FOLLOWS", "PersonalModel", "personal_model"]
