"""A user's personal scores: the taste fitted from their ratings (milliseconds), its agreement curve, and
the scores of an album (an inference pass only when the trained adapters are the adopted method). Part of
:mod:`.service`, the API the CLI and the GUI share."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..catalog import Catalog
from ..interrupt import Interrupted
from ..models import DEFAULT_WEIGHTS
from ..models.weights import WeightsSpec, sha256_of
from ..scoring import PhotoScore, ProgressCallback, ScanReport, SkippedFile, score_album
from ..scoring.scan import InferStage
from .profile import Profile, ProfileError, load_profile, profile_path
from .taste import Agreement, TasteModel, TasteSpace, fit_space, fit_taste


# -- profiles ---------------------------------------------------------------------------------------
def load_user_profile(user: str, spec: WeightsSpec = DEFAULT_WEIGHTS, folder: Path | None = None
                      ) -> Profile | None:
    """The user's profile, or None when they have none yet. A damaged profile or one for another
    generic model raises :class:`ProfileError` with the reason."""
    path = profile_path(user, folder)
    if not path.exists():
        return None
    return _checked(load_profile(path, spec), user, path)


def personal_network(user: str, base, spec: WeightsSpec = DEFAULT_WEIGHTS, folder: Path | None = None):
    """The user's trained personal network on a copy of ``base`` (the generic network, left as it
    is), or None while they have no trained adapters. Whether it is the user's score is another matter
    (cross-validation decides): what an edit follows is :func:`.adopted.personal_model`'s."""
    profile = load_user_profile(user, spec, folder)
    if profile is None or profile.personal_state is None:
        return None
    from .adapters import PersonalNet, load_personal_state

    model = PersonalNet(base)
    load_personal_state(model, profile.personal_state)
    return model


def adapted_scorer(profile: Profile | Path | str, spec: WeightsSpec, *, base=None,
                   base_spec: WeightsSpec = DEFAULT_WEIGHTS, device: str | None = None, batch_size: int = 32):
    """A :class:`~aesthetic_curator.scoring.Scorer` of the personal network a profile's adapters make on the
    generic network (``base``, default the shipped one), under ``spec`` (:func:`personal_spec` of the
    profile file). ``profile``: loaded, or its file (a cluster's worker reads it from the shared disk: a file
    changed since ``spec`` was taken is refused, its scores would be stored under the old one's name)."""
    from ..models import load_generic
    from ..scoring import Scorer
    from .adapters import PersonalNet, load_personal_state

    if not isinstance(profile, Profile):
        path = Path(profile)
        if sha256_of(path) != spec.sha256:
            raise ProfileError(f"{path} changed since this scan began: run it again")
        profile = load_profile(path, base_spec)
    if profile.personal_state is None:
        raise ProfileError(f"the profile of {profile.user!r} has no trained adapters")
    model = PersonalNet(base if base is not None else load_generic()[0])
    load_personal_state(model, profile.personal_state)
    return Scorer(model, spec, device=device, batch_size=batch_size)


def _checked(profile: Profile, user: str, path: Path) -> Profile:
    if profile.user != user.strip():
        raise ProfileError(f"{path} is the profile of {profile.user!r}, not of {user!r}")
    return profile


# -- personal scores --------------------------------------------------------------------------------
@dataclass
class PersonalScores:
    """Personal scores (predicted stars, 1..5) aligned with ``album.scores``.

    ``source`` names the score the user sees: ``"linear"``, ``"pam"`` or ``"adapters"`` when a learnt taste
    proved better than the generic score on ratings it did not see, ``"generic"`` (the generic ranking on the
    user's star scale) when none did yet, or ``None`` when the user has no ratings (then ``scores`` is empty).
    ``agreement`` says how well each agrees with the user (see :class:`~.taste.Agreement`).
    """

    source: str | None
    scores: np.ndarray
    n_ratings: int
    skipped: list[SkippedFile] = field(default_factory=list)
    agreement: Agreement | None = None
    adapters_stale: bool = False  # a trained profile exists but ratings changed since: retrain to judge it


def personal_spec(profile_file: Path, base: WeightsSpec) -> WeightsSpec:
    """The identity of one profile's scores: changes whenever the profile file does."""
    return WeightsSpec(name=f"personal-{profile_file.name.removesuffix('.profile.pt')}", filename=str(profile_file),
                       sha256=sha256_of(profile_file), input_size=base.input_size, resample=base.resample)


@dataclass
class TasteInputs:
    """What a user's taste is learnt from: every photo they rated that has a generic score (in the order
    they rated them), as descriptors (pooled features, then first-layer statistics when every photo
    involved has them), and the taste space fitted on a catalog-wide sample.

    The space comes from the whole catalog, not from one album, so a user's taste and the agreement
    figures are the same in every album, in ``train`` and in ``score --user``.
    """

    space: TasteSpace
    photo_ids: list[int]
    descriptors: np.ndarray
    generic: np.ndarray
    stars: np.ndarray

    def __len__(self) -> int:
        return len(self.photo_ids)

    @property
    def uses_look(self) -> bool:
        return len(self.space.widths) > 1


def descriptors(scores: Sequence, with_look: bool) -> np.ndarray:
    """(N, D) rows of pooled features, then first-layer statistics when ``with_look``, of stored or
    scanned scores, rounded as the catalog stores them (float16): a photo just scanned holds the network's
    float32 figures, the same photo read back the stored ones, and its personal score must not move by
    a few thousandths of a star between the two (nor differ from :class:`.taste_net.TasteNet`'s)."""
    if with_look:
        rows = np.stack([np.concatenate([s.features, s.look]) for s in scores])
    else:
        rows = np.stack([s.features for s in scores])
    return rows.astype(np.float16).astype(np.float32)


def taste_inputs(catalog: Catalog, ratings: dict[int, float], spec: WeightsSpec = DEFAULT_WEIGHTS,
                 album: Sequence[PhotoScore] = ()) -> TasteInputs | None:
    """The rated photos of ``ratings`` that have generic scores, and the catalog's taste space; None when
    there is none. First-layer statistics join the descriptors when the sample, the rated photos and the
    ``album`` to be scored all have them."""
    stored = catalog.scores_for(list(ratings), spec.model_id)
    ids = [pid for pid in ratings if pid in stored and _finite(stored[pid])]  # a damaged row teaches nothing
    if not ids:
        return None
    rated = [stored[i] for i in ids]
    # The look block joins when the photos to learn from and to score have it; the space is then fitted on
    # the sample's rows that have it (an album not yet re-scanned since an upgrade changes nothing).
    with_look = all(s.look is not None for s in (*rated, *album))
    sample = [s for s in catalog.score_sample(spec.model_id) if _finite(s) and (s.look is not None or not with_look)]
    if len(sample) < 2:
        sample = rated
    widths = (rated[0].features.size, rated[0].look.size) if with_look else (rated[0].features.size,)
    space = fit_space(descriptors(sample, with_look), np.array([s.mean for s in sample], np.float64), widths)
    return TasteInputs(space, ids, descriptors(rated, with_look), np.array([s.mean for s in rated], np.float64),
                       np.array([ratings[i] for i in ids], np.float64))


def _finite(score) -> bool:
    return bool(np.isfinite(score.features).all() and (score.look is None or np.isfinite(score.look).all()))


def _adapter_oof(catalog: Catalog, user: str, profile: Profile | None, photo_ids: Sequence[int],
                 spec: WeightsSpec, folder: Path | None) -> np.ndarray | None:
    """The trained adapters' predictions of these rated photos by networks that never saw their rating.

    A photo rated before training: its out-of-fold prediction, stored in the profile. A photo rated since:
    the final network's prediction, which the app's scan has cached in the catalog (the final network was
    trained before that rating existed). None when some rated photo has neither: then the comparison would
    not be on equal terms, and the adapters wait for the next training.
    """
    if profile is None or profile.personal_state is None or not profile.oof:
        return None
    missing = [pid for pid in photo_ids if pid not in profile.oof]
    later: dict[int, float] = {}
    if missing:
        path = profile_path(user, folder)
        if not path.exists():
            return None
        stored = catalog.scores_for(missing, personal_spec(path, spec).model_id)
        if len(stored) < len(missing):
            return None
        later = {pid: float(v.mean) for pid, v in stored.items()}
    return np.array([profile.oof.get(pid, later.get(pid, np.nan)) for pid in photo_ids], np.float64)


def user_taste(catalog: Catalog, user: str, *, profile: Profile | None = None, spec: WeightsSpec = DEFAULT_WEIGHTS,
               ratings: dict[int, float] | None = None, album: Sequence[PhotoScore] = (), folder: Path | None = None
               ) -> tuple[TasteModel | None, TasteInputs | None]:
    """Fit the personal score ``user`` sees from all their ratings (milliseconds: features only).

    (None, None) when they have no rated photo with a generic score. The trained adapters in ``profile``
    join the comparison through predictions made without each rating (see :func:`_adapter_oof`).
    """
    ratings = catalog.ratings(user) if ratings is None else ratings
    inputs = taste_inputs(catalog, ratings, spec, album) if ratings else None
    if inputs is None:
        return None, None
    oof = _adapter_oof(catalog, user, profile, inputs.photo_ids, spec, folder)
    model = fit_taste(inputs.descriptors, inputs.generic, inputs.stars, space=inputs.space,
                      extra={"adapters": oof} if oof is not None else None)
    return model, inputs


#: Numbers of ratings at which :func:`agreement_curve` measures the agreement.
CURVE_POINTS = (5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 500)


def agreement_curve(catalog: Catalog, user: str, spec: WeightsSpec = DEFAULT_WEIGHTS, *,
                    now: Agreement | None = None) -> list[Agreement]:
    """How the cross-validated agreement grew with the user's ratings, replayed in the order they gave them
    (the features-only learners: the adapters' figure exists only for the ratings they were trained on).
    ``now``: the agreement the user sees at present (the trained adapters may be in it), used as the last
    point instead of refitting it, so the plot ends where the sentence does."""
    ratings = catalog.ratings(user)
    inputs = taste_inputs(catalog, ratings, spec) if ratings else None
    if inputs is None:
        return []
    n = len(inputs)
    out = []
    for p in [p for p in CURVE_POINTS if p < n] + [n]:
        if p == n and now is not None and now.n_ratings == n:
            out.append(now)
            continue
        out.append(fit_taste(inputs.descriptors[:p], inputs.generic[:p], inputs.stars[:p],
                             space=inputs.space).agreement)
    return out


def personal_scores(
    catalog: Catalog,
    user: str,
    album: ScanReport,
    *,
    spec: WeightsSpec = DEFAULT_WEIGHTS,
    base=None,
    device: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    folder: Path | None = None,
    use_adapters: bool = True,
    adapters_stage: Callable[[Path, WeightsSpec], AbstractContextManager[InferStage]] | None = None,
) -> PersonalScores:
    """``user``'s predicted stars for every scored photo of ``album`` (see :mod:`.taste` for the choice).

    Only when the trained adapters are the adopted method does this run the personal network over the
    album (its scores are cached in the catalog per profile); otherwise it costs milliseconds, from the
    generic scan's stored features: the scores of many users come from one pass over the photos. A set
    ``cancel`` stops that pass within one layer and raises :class:`~aesthetic_curator.interrupt.Interrupted`.
    ``adapters_stage(profile_file, spec)``: where that pass runs instead of here, as a context manager giving
    a ``score_album`` ``infer=`` stage (a cluster's, whose workers build the network with
    :func:`adapted_scorer` from the profile file, which they must see).
    """
    ratings = catalog.ratings(user)
    if not album.scores or not ratings:
        return PersonalScores(None, np.zeros(0), len(ratings))
    path = profile_path(user, folder)
    profile = _checked(load_profile(path, spec), user, path) if use_adapters and path.exists() else None
    taste, inputs = user_taste(catalog, user, profile=profile, spec=spec, ratings=ratings, album=album.scores,
                               folder=folder)
    if taste is None or inputs is None:
        return PersonalScores(None, np.zeros(0), 0)
    features = descriptors(album.scores, inputs.uses_look)
    generic = np.array([s.mean for s in album.scores], np.float64)
    # Adapters out of the comparison because of ratings given since training ("stale"), not because an
    # earlier release trained them without out-of-fold predictions (then retraining is simply the way in).
    stale = (profile is not None and profile.personal_state is not None and bool(profile.oof)
             and "adapters" not in taste.agreement.candidates)
    if taste.method != "adapters":
        scores = taste.predict(features, generic)
        return PersonalScores(taste.method, scores, len(inputs), agreement=taste.agreement, adapters_stale=stale)
    assert profile is not None and profile.personal_state is not None
    pspec = personal_spec(path, spec)
    files = [s.path for s in album.scores]
    if adapters_stage is not None:  # the pass elsewhere (a cluster's workers build the network themselves)
        with adapters_stage(path, pspec) as stage:
            report = score_album(files, catalog, spec=pspec, progress=progress, cancel=cancel, require_look=False,
                                 infer=stage)
    else:
        report = score_album(files, catalog, scorer=lambda: adapted_scorer(profile, pspec, base=base, device=device),
                             spec=pspec, progress=progress, cancel=cancel, require_look=False)
    if report.cancelled:  # stopped part-way: no scores rather than scores missing some photos
        raise Interrupted
    by_hash = {s.content_hash: s.mean for s in report.scores}
    network = np.array([by_hash.get(s.content_hash, np.nan) for s in album.scores])
    scores = taste.predict(features, generic, adapters=network)
    return PersonalScores("adapters", scores, len(inputs), report.skipped, agreement=taste.agreement)
