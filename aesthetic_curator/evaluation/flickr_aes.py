"""FLICKR-AES (Ren et al. 2017, "UAD" in the paper): loading, the standard split and the per-worker protocol.

Why this module exists: the personalisation numbers we quote (thesis Table 6.1, Ren et al. Table 4)
are only comparable if we read the public files the same way, split workers and images the same
way and sample each test worker's training photos the same way. Everything here is plain Python
and numpy so the harness runs without torch or Qt.

**Files** (public release; the dataset is not shipped, users keep it anywhere): a root folder with

- ``FLICKR-AES_image_labeled_by_each_worker.csv``: header ``worker, imagePair, score`` (the
  released names carry a leading space, so header names and values are stripped), one row per
  rating: worker id, image file name, integer rating 1-5;
- ``FLICKR-AES_image_score.txt``: one ``name score`` line per image, the weighted mean rating
  scaled to [0, 1] (names may start with a space; a comma separator is accepted too, because the
  thesis read these tables "as comma-separated values");
- ``40K/``: the JPEG images.

**Split, what the papers say.** Ren et al. (seed 001, line 239): "we select 37 workers and the
4,737 images they rated as our testing users and images. The number of images they labeled ranges
from 105 to 171 (avg. = 137). The remaining 173 workers and their labeled images are used for
training generic aesthetics models. With our data splitting, the training set does not have any
images labeled by the testing workers, and vice versa". The thesis (seed 000, lines 2151-2162)
could not obtain Ren's exact split and rebuilt one: 37 test workers who rated 4977 pictures,
112 to 180 per worker (mean 138.89); "the remaining 173 workers, and there are no pictures in the
train set that are also in the test set". The thesis is inconsistent with itself elsewhere: line
1635 says the test workers labelled "about 4373 images", line 2486 says the generic model was
trained on the ratings of "the 171 workers" on "around 35000 pictures". 210 - 37 = 173, so 173 is
the number we expect; "171" looks like a slip (perhaps confused with Ren's 171-image maximum).

**Split, what we implement** (:func:`split`): test workers = the given list (the standard 37 in
``test_workers_ID.csv``); training workers = every other worker in the ratings file; test images =
every image rated by a test worker; generic training images = every image rated by a training
worker MINUS the test images. Each image is rated by about five workers, so an image rated by a
test worker is usually also rated by training workers; those images are dropped from the generic
training set (:attr:`Split.excluded_images`), which is what makes "no image in both" true.
Training workers' ratings of excluded images are not used at all. The generic target is the
unweighted mean rating over training workers (the thesis: "mean of the ratings"); for a training
image every rater is a training worker, so Ren's performance-weighted mean in the txt file
(:attr:`FlickrAES.image_scores`) also involves training workers only and may be used instead.

**Per-worker protocol** (:func:`worker_trials`): Ren et al. (line 782): "Given a user, each time we
randomly select k images as our training images ... and test the model on the remaining images ...
we run the experiments 50 times and report the average results as well as the standard deviation"
for k = 10 and k = 100. The thesis (lines 2619-2627, 2661-2663): for each test worker "10 pictures
will be chosen at random", the model "evaluated on the remaining pictures ... rated by said
worker", repeated "in a 10-fold validation fashion"; for k = 100 "the network will be trained 3
times instead of 10, thus using a 3-fold cross validation configuration". With 105-180 images per
worker these cannot be true k-folds (ten disjoint training sets of 10 or three of 100 do not fit
the evaluation), so both papers amount to independent random draws of k training images, the rest
for evaluation; we implement exactly that, with the trial counts in :data:`THESIS_TRIALS` and
:data:`REN_TRIALS`.
"""

from __future__ import annotations

import csv
import logging
import math
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InvalidValueError, MissingDataError

log = logging.getLogger(__name__)

RATINGS_FILE = "FLICKR-AES_image_labeled_by_each_worker.csv"
SCORES_FILE = "FLICKR-AES_image_score.txt"
IMAGES_DIR = "40K"
TEST_WORKERS_FILE = "test_workers_ID.csv"
RATINGS_COLUMNS = ("worker", "imagePair", "score")
RATING_MIN, RATING_MAX = 1, 5

#: Trials per test worker in the thesis: "10-fold" for k = 10, "3-fold" for k = 100 (lines 2627, 2663).
THESIS_TRIALS: dict[int, int] = {10: 10, 100: 3}
#: Trials per test worker in Ren et al. (line 782), for both k = 10 and k = 100.
REN_TRIALS = 50
#: Fewest evaluation images a worker must keep after k are drawn for training. Ren's smallest test
#: worker rated 105 images, so at k = 100 Ren necessarily evaluated on 5; a larger minimum would
#: silently drop workers both papers kept. Five distinct ratings still give a defined Spearman rho.
DEFAULT_MIN_EVAL = 5


class FlickrAESFormatError(ValueError):
    """A malformed label file. ``str()`` is ``path:line: reason`` so the user can open the file there."""

    def __init__(self, path: Path | str, line: int | None, reason: str):
        self.path = Path(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {reason}")


@dataclass
class FlickrAES:
    """The label files of one FLICKR-AES copy, parsed. Images stay on disk (see :meth:`image_path`)."""

    root: Path
    #: worker id -> image file name -> integer rating 1..5.
    ratings: dict[str, dict[str, int]]
    #: image file name -> Ren's performance-weighted mean rating scaled to [0, 1] (the txt file).
    image_scores: dict[str, float]
    #: (worker, image) pairs that appeared more than once in the csv; the first rating was kept.
    duplicate_ratings: int = 0

    @property
    def workers(self) -> list[str]:
        """Every worker id in the ratings file, sorted, so iteration order never depends on the file."""
        return sorted(self.ratings)

    @property
    def n_ratings(self) -> int:
        """Number of distinct (worker, image) ratings."""
        return sum(len(r) for r in self.ratings.values())

    def rated_images(self, workers: Iterable[str] | None = None) -> set[str]:
        """Images rated by any of ``workers`` (all workers when None)."""
        chosen = self.ratings if workers is None else workers
        out: set[str] = set()
        for w in chosen:
            out.update(self.ratings[w])
        return out

    def image_path(self, name: str) -> Path:
        """Where image ``name`` lives: ``root/40K/name``. Rejects names that would leave that folder."""
        name = name.strip()
        if not name or Path(name).name != name or name in (".", ".."):
            raise ValueError(f"not a FLICKR-AES image file name: {name!r}")
        return self.root / IMAGES_DIR / name

    def missing_images(self) -> list[str]:
        """Rated images with no file in ``40K/`` (sorted); a partial download shows up here, not mid-training."""
        return sorted(n for n in self.rated_images() if not self.image_path(n).is_file())


# --------------------------------------------------------------------------- parsing


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(1-based line number, text) of every non-blank line; BOM and CRLF removed by the text layer."""
    with path.open("r", encoding="utf-8-sig", newline=None) as fh:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                yield number, line


def _parse_rating(path: Path, line: int, text: str) -> int:
    """An integer 1..5; ``"3.0"`` is accepted (integer-valued), ``"2.5"`` is not: the scale is discrete."""
    try:
        value = float(text)
    except ValueError:
        raise FlickrAESFormatError(path, line, f"score {text!r} is not a number") from None
    if not math.isfinite(value) or value != int(value):
        raise FlickrAESFormatError(path, line, f"score {text!r} is not an integer rating")
    rating = int(value)
    if not RATING_MIN <= rating <= RATING_MAX:
        raise FlickrAESFormatError(path, line, f"score {rating} outside {RATING_MIN}..{RATING_MAX}")
    return rating


def load_ratings(path: Path) -> tuple[dict[str, dict[str, int]], int]:
    """Parse the per-worker csv into worker -> image -> rating; also return the duplicate-pair count.

    Header names and values are stripped (the release has ``" imagePair"``); columns are found by
    name, not position. A worker who rated the same image twice keeps the first rating and the
    count is logged, rather than failing on a quirk of the crowd-sourcing that we cannot check here.
    """
    path = Path(path)
    ratings: dict[str, dict[str, int]] = {}
    duplicates = 0
    conflicting: list[str] = []
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, skipinitialspace=True)
        header: list[str] | None = None
        index: dict[str, int] = {}
        for row in reader:
            line = reader.line_num
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            if header is None:
                header = cells
                missing = [c for c in RATINGS_COLUMNS if c not in header]
                if missing or len(header) != len(RATINGS_COLUMNS):
                    raise FlickrAESFormatError(
                        path, line, f"header {header} is not the columns {list(RATINGS_COLUMNS)}")
                index = {c: header.index(c) for c in RATINGS_COLUMNS}
                continue
            if len(cells) != len(header):
                raise FlickrAESFormatError(path, line, f"expected {len(header)} fields, found {len(cells)}: {row}")
            worker, image = cells[index["worker"]], cells[index["imagePair"]]
            if not worker:
                raise FlickrAESFormatError(path, line, "empty worker id")
            if not image:
                raise FlickrAESFormatError(path, line, "empty image name")
            rating = _parse_rating(path, line, cells[index["score"]])
            per_worker = ratings.setdefault(worker, {})
            if image in per_worker:
                duplicates += 1
                if per_worker[image] != rating and len(conflicting) < 3:
                    conflicting.append(f"line {line}: {worker} {image} {rating} (kept {per_worker[image]})")
                continue
            per_worker[image] = rating
    if header is None:
        raise FlickrAESFormatError(path, None, "empty file: no header, no ratings")
    if duplicates:
        log.warning("%s: %d repeated (worker, image) rows; first rating kept. Conflicting, e.g.: %s",
                    path, duplicates, "; ".join(conflicting) or "none")
    return ratings, duplicates


_SCORE_SPLIT = re.compile(r"[,\s]+")


def load_image_scores(path: Path) -> dict[str, float]:
    """Parse the ``name score`` txt (whitespace or comma separated) into image -> score in [0, 1].

    One header-looking first line (a non-numeric alphabetic second field) is skipped; anything
    else that does not parse is an error naming the line, because a half-read score file would
    silently shrink the generic training set.
    """
    path = Path(path)
    scores: dict[str, float] = {}
    first = True
    for line, text in _lines(path):
        fields = _SCORE_SPLIT.split(text.strip())
        if len(fields) != 2:
            raise FlickrAESFormatError(
                path, line, f"expected 'name score', found {len(fields)} fields: {text.strip()!r}")
        name, raw = fields
        try:
            score = float(raw)
        except ValueError:
            if first and raw.isalpha():
                log.info("%s:%d: skipping header line %r", path, line, text.strip())
                first = False
                continue
            raise FlickrAESFormatError(path, line, f"score {raw!r} is not a number") from None
        first = False
        if not (math.isfinite(score) and 0.0 <= score <= 1.0):
            raise FlickrAESFormatError(path, line, f"score {raw} outside [0, 1]")
        if name in scores and scores[name] != score:
            raise FlickrAESFormatError(path, line, f"{name} listed again with a different score ({scores[name]})")
        scores[name] = score
    return scores


def load_flickr_aes(root: Path, *, require_images: bool = True) -> FlickrAES:
    """Read the two label files under ``root`` (which also holds ``40K/``).

    ``require_images=False`` allows statistics and splits on a copy without the 5.8 GB of photos.
    """
    root = Path(root)
    ratings_path, scores_path = root / RATINGS_FILE, root / SCORES_FILE
    for p in (ratings_path, scores_path):
        if not p.is_file():
            raise MissingDataError(
                f"{p} not found: point at the FLICKR-AES folder holding "
                f"{RATINGS_FILE}, {SCORES_FILE} and {IMAGES_DIR}/")
    if require_images and not (root / IMAGES_DIR).is_dir():
        raise MissingDataError(f"{root / IMAGES_DIR} not found: the FLICKR-AES images folder is missing")
    ratings, duplicates = load_ratings(ratings_path)
    scores = load_image_scores(scores_path)
    data = FlickrAES(root=root, ratings=ratings, image_scores=scores, duplicate_ratings=duplicates)
    unscored = len(data.rated_images() - scores.keys())
    log.info("FLICKR-AES at %s: %d workers, %d ratings, %d rated images, %d scored images (%d rated but unscored)",
             root, len(ratings), data.n_ratings, len(data.rated_images()), len(scores), unscored)
    return data


def find_test_workers_file(root: Path) -> Path:
    """The standard test-worker list next to the dataset: ``root/test_workers_ID.csv``, else beside ``root``.

    Raises FileNotFoundError saying to pass the path explicitly: the list is not part of the public
    release, so it may well be elsewhere.
    """
    root = Path(root)
    for candidate in (root / TEST_WORKERS_FILE, root.parent / TEST_WORKERS_FILE):
        if candidate.is_file():
            return candidate
    raise MissingDataError(
        f"no {TEST_WORKERS_FILE} in {root} or {root.parent}: pass the test-worker ID csv explicitly")


def load_test_workers(path: Path) -> list[str]:
    """Worker ids from a one-column csv with header ``ID``, in file order.

    Duplicate or empty ids are errors: the list defines the test set, so a mangled copy must not
    quietly yield a different split.
    """
    path = Path(path)
    ids: list[str] = []
    seen: dict[str, int] = {}
    header_seen = False
    for line, text in _lines(path):
        value = text.strip().strip(",").strip().strip('"').strip()
        if not header_seen:
            if value != "ID":
                raise FlickrAESFormatError(path, line, f"expected header 'ID', found {text.strip()!r}")
            header_seen = True
            continue
        if not value or "," in value:
            raise FlickrAESFormatError(path, line, f"expected one worker id, found {text.strip()!r}")
        if value in seen:
            raise FlickrAESFormatError(path, line, f"worker {value} already listed on line {seen[value]}")
        seen[value] = line
        ids.append(value)
    if not header_seen:
        raise FlickrAESFormatError(path, None, "empty file: expected header 'ID' and worker ids")
    return ids


# --------------------------------------------------------------------------- split


@dataclass
class Split:
    """The worker/image split of :func:`split`; see the module docstring for what the papers say."""

    test_workers: list[str]
    train_workers: list[str]
    #: Every image rated by at least one test worker.
    test_images: set[str]
    #: Generic training images (sorted): rated by training workers and by no test worker.
    train_images: list[str]
    #: Generic target per training image: mean rating over the training workers who rated it.
    train_ratings: dict[str, float]
    #: Rated by training workers but dropped because a test worker rated them too.
    excluded_images: set[str] = field(default_factory=set)
    #: Training workers' ratings not used because they fall on excluded images.
    excluded_train_ratings: int = 0

    def overlap(self) -> set[str]:
        """Images in both the generic training set and the test workers' images; empty by construction."""
        return self.test_images.intersection(self.train_images)

    def check(self, dataset: FlickrAES) -> None:
        """Raise ValueError unless the split's invariants hold on ``dataset``, so a later edit cannot leak."""
        problems = []
        if self.overlap():
            problems.append(f"{len(self.overlap())} images in both training set and test workers' images")
        if set(self.test_workers) & set(self.train_workers):
            problems.append("a worker is both test and training worker")
        if set(self.test_workers) | set(self.train_workers) != set(dataset.ratings):
            problems.append("test + training workers are not all the workers")
        if self.test_images != dataset.rated_images(self.test_workers):
            problems.append("test images are not exactly the test workers' images")
        if set(self.train_images) != dataset.rated_images(self.train_workers) - self.test_images:
            problems.append("training images are not the training workers' images minus the test images")
        if self.train_ratings.keys() != set(self.train_images):
            problems.append("train_ratings keys differ from train_images")
        if problems:
            raise InvalidValueError("invalid FLICKR-AES split: " + "; ".join(problems))

    def summary(self, dataset: FlickrAES) -> dict[str, float | int]:
        """Counts to compare with the papers (Ren: 4,737 test images, 105-171 per worker, avg. 137)."""
        per_test = [len(dataset.ratings[w]) for w in self.test_workers]
        return {
            "n_workers": len(dataset.ratings),
            "n_test_workers": len(self.test_workers),
            "n_train_workers": len(self.train_workers),
            "n_test_images": len(self.test_images),
            "n_train_images": len(self.train_images),
            "n_excluded_images": len(self.excluded_images),
            "n_overlap_images": len(self.overlap()),
            "n_test_ratings": sum(per_test),
            "n_train_ratings": sum(len(dataset.ratings[w]) for w in self.train_workers) - self.excluded_train_ratings,
            "n_excluded_train_ratings": self.excluded_train_ratings,
            "test_images_per_worker_min": min(per_test, default=0),
            "test_images_per_worker_mean": float(np.mean(per_test)) if per_test else math.nan,
            "test_images_per_worker_max": max(per_test, default=0),
        }


def split(dataset: FlickrAES, test_workers: Sequence[str]) -> Split:
    """The Ren/thesis split: given test workers; all others train; training images exclude test workers' images.

    Every listed test worker must be in the ratings file: a list from a different release would
    otherwise produce a smaller, silently different test set.
    """
    tests = list(dict.fromkeys(w.strip() for w in test_workers))
    unknown = [w for w in tests if w not in dataset.ratings]
    if unknown:
        raise InvalidValueError(f"{len(unknown)} test workers are not in the ratings file: {unknown[:5]}")
    test_set = set(tests)
    train_workers = [w for w in dataset.workers if w not in test_set]
    test_images = dataset.rated_images(tests)
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    excluded: set[str] = set()
    excluded_ratings = 0
    for w in train_workers:
        for image, rating in dataset.ratings[w].items():
            if image in test_images:
                excluded.add(image)
                excluded_ratings += 1
                continue
            sums[image] = sums.get(image, 0.0) + rating
            counts[image] = counts.get(image, 0) + 1
    train_images = sorted(sums)
    result = Split(
        test_workers=tests,
        train_workers=train_workers,
        test_images=test_images,
        train_images=train_images,
        train_ratings={i: sums[i] / counts[i] for i in train_images},
        excluded_images=excluded,
        excluded_train_ratings=excluded_ratings,
    )
    result.check(dataset)
    stats = result.summary(dataset)
    log.info("FLICKR-AES split: %s", stats)
    if stats["n_test_workers"] != 37:
        log.info("split has %d test workers; the standard split has 37", stats["n_test_workers"])
    return result


# --------------------------------------------------------------------------- per-worker protocol


def trial_rng(seed: int, worker: str) -> np.random.Generator:
    """A generator for one worker from a run seed, so a worker's draws do not depend on worker order.

    The worker id enters through CRC32 (stable across runs and Python versions, unlike ``hash``).
    """
    return np.random.default_rng([seed, zlib.crc32(worker.encode("utf-8"))])


def worker_trials(
    dataset: FlickrAES,
    worker: str,
    k: int,
    n_trials: int,
    rng: np.random.Generator | int | None = None,
    *,
    min_eval: int = DEFAULT_MIN_EVAL,
) -> list[tuple[list[str], list[str]]]:
    """``n_trials`` independent draws of (k training images, the worker's other images for evaluation).

    Both lists are sorted; each trial draws afresh from all of the worker's images, as both papers
    do (see module docstring). A worker with fewer than ``k + min_eval`` images is skipped: the
    result is an empty list and the skip is logged, so callers can report how many workers a k
    leaves. ``rng`` may be a Generator, a seed, or None (fresh entropy: not reproducible).
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if n_trials < 1:
        raise ValueError(f"n_trials must be at least 1, got {n_trials}")
    if min_eval < 1:
        raise ValueError(f"min_eval must be at least 1, got {min_eval}")
    if worker not in dataset.ratings:
        raise KeyError(f"worker {worker!r} is not in the FLICKR-AES ratings")
    images = sorted(dataset.ratings[worker])
    if len(images) < k + min_eval:
        log.info("skipping worker %s: %d images < k=%d + min_eval=%d", worker, len(images), k, min_eval)
        return []
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    trials = []
    for _ in range(n_trials):
        chosen = np.zeros(len(images), dtype=bool)
        chosen[gen.choice(len(images), size=k, replace=False)] = True
        train = [im for im, c in zip(images, chosen, strict=True) if c]
        evaluation = [im for im, c in zip(images, chosen, strict=True) if not c]
        trials.append((train, evaluation))
    return trials
