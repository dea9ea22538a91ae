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
"""

from __future__ import annotations

import csv
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..catalog import Catalog
from ..errors import InvalidValueError, PhotoError, UserError
from ..imaging import is_photo_name, load_photo, open_image
from ..interrupt import Interrupted
from ..models.weights import NIMA_MOBILENET_AVA, WeightsSpec, sha256_of
from ..scoring import PhotoScore, ProgressCallback, ScanReport, SkippedFile, score_album
from .profile import Profile, ProfileError, load_profile, profile_path, save_profile
from .taste import Agreement, TasteModel, TasteSpace, fit_space, fit_taste

logger = logging.getLogger(__name__)

STARS = (1, 5)
SUGGEST_METHODS = ("active-pam", "coverage", "diversity", "random")
#: Measured on the real-photo bed (docs/eval/README.md): with the taste model of taste.py, photos drawn at
#: random teach it as much as any design at 10-20 ratings and more at 50 (Active-PAM: -0.05 Spearman there).
DEFAULT_SUGGEST = "random"


class NotEnoughRatings(UserError, ValueError):
    """Training asked for with fewer ratings than it needs."""


# -- ratings ----------------------------------------------------------------------------------------
def parse_stars(text: str) -> float | None:
    """A rating as a user types it: ``1``..``5`` stars; ``0``, ``-`` or empty clears it."""
    text = text.strip()
    if text in ("", "0", "-"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise InvalidValueError(f"{text!r} is not a rating (1 to 5 stars, 0 to clear)") from None
    if not STARS[0] <= value <= STARS[1]:
        raise InvalidValueError(f"{text!r} is not a rating (1 to 5 stars, 0 to clear)")
    return value


def read_ratings_csv(path: Path) -> tuple[list[tuple[Path, float | None]], list[str]]:
    """Rows of ``path,rating`` (a header row is allowed); relative paths are relative to the CSV's
    folder. Returns the good rows, and a message for each row that is not one."""
    path = Path(path)
    rows: list[tuple[Path, float | None]] = []
    problems: list[str] = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            lines = list(csv.reader(fh))
    except UnicodeDecodeError:
        raise InvalidValueError(f"{path} is not a CSV text file (UTF-8): expected 'path,rating' rows") from None
    except (OSError, csv.Error) as exc:
        raise InvalidValueError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    for line_no, row in enumerate(lines, start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < 2:
            problems.append(f"{path}:{line_no}: expected 'path,rating', got {','.join(row)!r}")
            continue
        try:
            stars = parse_stars(row[1])
        except ValueError as exc:
            if line_no == 1:  # a header such as "path,rating"
                continue
            problems.append(f"{path}:{line_no}: {exc}")
            continue
        photo = Path(row[0].strip()).expanduser()
        rows.append((photo if photo.is_absolute() else path.parent / photo, stars))
    return rows, problems


def rate_files(catalog: Catalog, user: str, items: Sequence[tuple[Path, float | None]]
               ) -> tuple[list[tuple[Path, int]], list[SkippedFile]]:
    """Record ``user``'s stars for files (``None`` clears), in one transaction.

    A photo is identified by its content, so a rating follows the photo when it is moved or
    copied. Files that cannot be read are skipped with the reason; the rest are rated.
    """
    done: list[tuple[Path, int]] = []
    skipped: list[SkippedFile] = []
    updates: list[tuple[int, float | None]] = []
    for path, stars in items:
        if stars is not None and not STARS[0] <= stars <= STARS[1]:
            skipped.append(SkippedFile(Path(path), f"a rating is 1 to 5 stars, not {stars}"))
            continue
        if not is_photo_name(Path(path)):
            skipped.append(SkippedFile(Path(path), "not a photo file type"))
            continue
        try:
            photo_id = catalog.photo_id_for_file(path, check=open_image)
        except PhotoError as exc:
            skipped.append(SkippedFile(Path(path), exc.reason))
            continue
        except OSError as exc:
            skipped.append(SkippedFile(Path(path), exc.strerror or str(exc)))
            continue
        done.append((Path(path), photo_id))
        updates.append((photo_id, stars))
    catalog.set_ratings(user, updates)
    return done, skipped


@dataclass
class RatedPhotos:
    """A user's rated photos with what the generic model says of them (rows aligned)."""

    photo_ids: list[int]
    ratings: np.ndarray
    generic: np.ndarray
    features: np.ndarray
    paths: list[Path]
    skipped: list[SkippedFile] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.photo_ids)


def rated_photos(catalog: Catalog, user: str, *, spec: WeightsSpec = NIMA_MOBILENET_AVA,
                 scorer=None, progress: ProgressCallback | None = None,
                 cancel: threading.Event | None = None) -> RatedPhotos:
    """Every photo ``user`` rated that can still be found, with its generic score and features.

    Rated photos the generic model has not scored yet (rated from the command line before any
    scan) are scored now (``progress`` hears that scan). Photos whose every known path is gone are
    skipped with a reason. A set ``cancel`` stops that scan within one layer of the network and raises
    :class:`~aesthetic_curator.interrupt.Interrupted`.
    """
    ratings = catalog.ratings(user)
    paths = catalog.paths_of(ratings)
    located: dict[int, Path] = {}
    skipped: list[SkippedFile] = []
    for pid in sorted(ratings):
        existing = [Path(p) for p in paths.get(pid, []) if Path(p).is_file()]
        if existing:
            located[pid] = existing[0]
        else:
            where = paths.get(pid, ["(no known path)"])[0]
            skipped.append(SkippedFile(Path(where), "rated photo not found at any known path"))
    stored = catalog.scores_for(located, spec.model_id)
    missing = [located[pid] for pid in located if pid not in stored]
    if missing:
        report = score_album(missing, catalog, scorer=scorer, spec=spec, progress=progress, cancel=cancel)
        if report.cancelled:
            raise Interrupted
        skipped.extend(report.skipped)
        stored = catalog.scores_for(located, spec.model_id)
    ids = [pid for pid in located if pid in stored]
    dim = next(iter(stored.values())).features.size if stored else 0
    return RatedPhotos(
        photo_ids=ids,
        ratings=np.array([ratings[i] for i in ids], np.float64),
        generic=np.array([stored[i].mean for i in ids], np.float64),
        features=np.stack([stored[i].features for i in ids]) if ids else np.zeros((0, dim), np.float32),
        paths=[located[i] for i in ids],
        skipped=skipped,
    )


def album_photo_ids(catalog: Catalog, album: ScanReport) -> list[int]:
    """The catalog's photo id of each scored photo of a scan, in the scan's order."""
    ids = catalog.photo_ids(s.content_hash for s in album.scores)
    return [ids[s.content_hash] for s in album.scores]


# -- users ----------------------------------------------------------------------------------------
def rename_user(catalog: Catalog, old: str, new: str, folder: Path | None = None) -> None:
    """Rename a user: their ratings, flags and profile follow. The new profile is written (atomically)
    before the old file goes, so a crash in between leaves one of the two, never none."""
    old_path, new_path = profile_path(old, folder), profile_path(new, folder)
    profile = load_profile(old_path) if old_path.exists() else None  # a damaged one stops us here
    catalog.rename_user(old, new)
    if profile is not None:
        profile.user = new.strip()
        save_profile(profile, new_path)
        old_path.unlink()


def delete_user(catalog: Catalog, name: str, folder: Path | None = None) -> None:
    """Forget a user: ratings, flags and profile. The photos and their generic scores stay."""
    catalog.delete_user(name)
    profile_path(name, folder).unlink(missing_ok=True)


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


def load_user_profile(user: str, spec: WeightsSpec = NIMA_MOBILENET_AVA, folder: Path | None = None
                      ) -> Profile | None:
    """The user's profile, or None when they have none yet. A damaged profile or one for another
    generic model raises :class:`ProfileError` with the reason."""
    path = profile_path(user, folder)
    if not path.exists():
        return None
    return _checked(load_profile(path, spec), user, path)


def personal_network(user: str, base, spec: WeightsSpec = NIMA_MOBILENET_AVA, folder: Path | None = None):
    """The user's trained personal network on a copy of ``base`` (the generic network, left as it
    is), or None while they have no trained adapters (PAM offsets have no gradient to follow)."""
    profile = load_user_profile(user, spec, folder)
    if profile is None or profile.personal_state is None:
        return None
    from .adapters import PersonalNet, load_personal_state

    model = PersonalNet(base)
    load_personal_state(model, profile.personal_state)
    return model


def _checked(profile: Profile, user: str, path: Path) -> Profile:
    if profile.user != user.strip():
        raise ProfileError(f"{path} is the profile of {profile.user!r}, not of {user!r}")
    return profile


def training_image(path: Path, size: int) -> np.ndarray:
    """Decoded for training: at least twice the network size (so random crops still hold detail
    the network sees), at most about four times (memory: 1,000 ratings stay under 2 GB)."""
    im = load_photo(path, min_size=2 * size)
    factor = min(im.size) // (2 * size)
    if factor >= 2:
        im = im.reduce(factor)
    return np.asarray(im.convert("RGB"))


def train_user(
    catalog: Catalog,
    user: str,
    *,
    base=None,
    spec: WeightsSpec = NIMA_MOBILENET_AVA,
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
    scanned scores."""
    if with_look:
        return np.stack([np.concatenate([s.features, s.look]) for s in scores]).astype(np.float32)
    return np.stack([s.features for s in scores]).astype(np.float32)


def taste_inputs(catalog: Catalog, ratings: dict[int, float], spec: WeightsSpec = NIMA_MOBILENET_AVA,
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


def user_taste(catalog: Catalog, user: str, *, profile: Profile | None = None, spec: WeightsSpec = NIMA_MOBILENET_AVA,
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


def agreement_curve(catalog: Catalog, user: str, spec: WeightsSpec = NIMA_MOBILENET_AVA, *,
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
    spec: WeightsSpec = NIMA_MOBILENET_AVA,
    base=None,
    device: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    folder: Path | None = None,
    use_adapters: bool = True,
) -> PersonalScores:
    """``user``'s predicted stars for every scored photo of ``album`` (see :mod:`.taste` for the choice).

    Only when the trained adapters are the adopted method does this run the personal network over the
    album (its scores are cached in the catalog per profile); otherwise it costs milliseconds. A set
    ``cancel`` stops that pass within one layer and raises :class:`~aesthetic_curator.interrupt.Interrupted`.
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

    def make_scorer():
        from ..models import load_generic
        from ..scoring import Scorer
        from .adapters import PersonalNet, load_personal_state

        net = base if base is not None else load_generic()[0]
        model = PersonalNet(net)
        load_personal_state(model, profile.personal_state)
        return Scorer(model, pspec, device=device)

    report = score_album([s.path for s in album.scores], catalog, scorer=make_scorer, spec=pspec,
                         progress=progress, cancel=cancel, require_look=False)
    if report.cancelled:  # stopped part-way: no scores rather than scores missing some photos
        raise Interrupted
    by_hash = {s.content_hash: s.mean for s in report.scores}
    network = np.array([by_hash.get(s.content_hash, np.nan) for s in album.scores])
    scores = taste.predict(features, generic, adapters=network)
    return PersonalScores("adapters", scores, len(inputs), report.skipped, agreement=taste.agreement)


__all__ = [
    "Agreement",
    "NotEnoughRatings",
    "PersonalScores",
    "Preparing",
    "ProfileError",
    "RatedPhotos",
    "TasteInputs",
    "TrainOutcome",
    "agreement_curve",
    "album_photo_ids",
    "delete_user",
    "load_user_profile",
    "parse_stars",
    "personal_network",
    "personal_scores",
    "personal_spec",
    "rate_files",
    "rated_photos",
    "read_ratings_csv",
    "rename_user",
    "suggest_photos",
    "taste_inputs",
    "train_user",
    "user_taste",
]
