"""A tiny synthetic FLICKR-AES copy in the released file format, for tests of the evaluation harness.

The real dataset (40,988 photos, 193,208 ratings) is not available in CI, so the harness is tested
on a few dozen 32x32 JPEGs written with the same quirks as the release: leading spaces in the csv
header names and values, a leading space before names in the score txt, optional CRLF.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

RATINGS_FILE = "FLICKR-AES_image_labeled_by_each_worker.csv"
SCORES_FILE = "FLICKR-AES_image_score.txt"
TEST_WORKERS_FILE = "test_workers_ID.csv"


@dataclass
class TinyFlickr:
    """What was written, so tests can compare the loader's output with ground truth."""

    root: Path
    workers: list[str]
    images: list[str]
    ratings: dict[str, dict[str, int]]
    image_scores: dict[str, float]
    test_workers: list[str]
    test_workers_csv: Path


def _worker_id(rng: np.random.Generator) -> str:
    """An AMT-looking id (``A`` + 13 upper-case letters and digits), like the release's."""
    alphabet = np.array(list(string.ascii_uppercase + string.digits))
    return "A" + "".join(rng.choice(alphabet, size=13))


def write_tiny_flickr_aes(
    root: Path,
    n_workers: int = 12,
    n_images: int = 60,
    ratings_per_image: int = 3,
    n_test_workers: int = 3,
    *,
    crlf: bool = False,
    rng: np.random.Generator | int = 0,
) -> TinyFlickr:
    """Write ``root/{csv, txt, 40K/, test_workers_ID.csv}`` and return the facts.

    Each image gets ``ratings_per_image`` distinct workers drawn with linearly decreasing weights,
    so worker sizes differ (the last workers rate few images, for the "too few images" path) and
    images are shared between test and training workers (for the exclusion path). Test workers
    are spread evenly over that order, so they include heavy and light raters.
    """
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    root = Path(root)
    (root / "40K").mkdir(parents=True, exist_ok=True)
    workers: list[str] = []
    while len(workers) < n_workers:
        w = _worker_id(rng)
        if w not in workers:
            workers.append(w)
    images = [f"farm{1 + i % 9}_{1000 + i}_{int(rng.integers(16**10)):010x}_b.jpg" for i in range(n_images)]
    weights = np.linspace(1.0, 0.15, n_workers)
    weights /= weights.sum()

    ratings: dict[str, dict[str, int]] = {w: {} for w in workers}
    rows: list[tuple[str, str, int]] = []
    for image in images:
        raters = rng.choice(n_workers, size=ratings_per_image, replace=False, p=weights)
        for r in raters:
            rating = int(rng.integers(1, 6))
            ratings[workers[r]][image] = rating
            rows.append((workers[r], image, rating))
    order = rng.permutation(len(rows))  # the release is not grouped by worker or image
    rows = [rows[i] for i in order]

    image_scores = {}
    for image in images:
        given = [r[image] for r in ratings.values() if image in r]
        image_scores[image] = round((float(np.mean(given)) - 1.0) / 4.0, 6)

    nl = "\r\n" if crlf else "\n"
    csv_text = " worker, imagePair, score" + nl + "".join(f" {w}, {im}, {s}{nl}" for w, im, s in rows)
    (root / RATINGS_FILE).write_bytes(csv_text.encode("utf-8"))
    txt_text = "".join(f" {im} {image_scores[im]}{nl}" for im in images)
    (root / SCORES_FILE).write_bytes(txt_text.encode("utf-8"))

    test_workers = [workers[int(i)] for i in np.linspace(1, n_workers - 1, n_test_workers)]
    test_csv = root / TEST_WORKERS_FILE
    test_csv.write_bytes(("ID" + nl + "".join(w + nl for w in test_workers)).encode("utf-8"))

    for image in images:
        pixels = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(root / "40K" / image, format="JPEG", quality=80)

    return TinyFlickr(root=root, workers=workers, images=images, ratings=ratings, image_scores=image_scores,
                      test_workers=test_workers, test_workers_csv=test_csv)
