"""FLICKR-AES harness: file parsing, the Ren/thesis split, per-worker trials and Table 6.1 statistics."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from flickr_fixture import RATINGS_FILE, SCORES_FILE, TinyFlickr, write_tiny_flickr_aes
from scipy import stats as scipy_stats

from aesthetic_curator.evaluation.flickr_aes import (
    REN_TRIALS,
    THESIS_TRIALS,
    FlickrAESFormatError,
    find_test_workers_file,
    load_flickr_aes,
    load_image_scores,
    load_ratings,
    load_test_workers,
    split,
    trial_rng,
    worker_trials,
)
from aesthetic_curator.evaluation.stats import format_table, spearman, summarise

SHARED_TEST_WORKERS = Path(__file__).resolve().parents[2] / "shared" / "data" / "flickr-aes" / "test_workers_ID.csv"


@pytest.fixture
def tiny(tmp_path: Path) -> TinyFlickr:
    return write_tiny_flickr_aes(tmp_path / "flickr", rng=0)


# ------------------------------------------------------------------ parsing


def test_load_matches_what_was_written(tiny: TinyFlickr) -> None:
    data = load_flickr_aes(tiny.root)
    assert data.ratings == tiny.ratings  # names and ids stripped of the release's leading spaces
    assert data.image_scores == pytest.approx(tiny.image_scores)
    assert data.workers == sorted(tiny.workers)
    assert data.n_ratings == 60 * 3
    assert data.duplicate_ratings == 0
    assert data.missing_images() == []
    assert data.image_path(tiny.images[0]) == tiny.root / "40K" / tiny.images[0]
    assert data.image_path(" " + tiny.images[0]).is_file()


def test_crlf_bom_and_blank_lines(tmp_path: Path) -> None:
    facts = write_tiny_flickr_aes(tmp_path / "f", crlf=True, rng=3)
    for name in (RATINGS_FILE, SCORES_FILE, "test_workers_ID.csv"):
        path = facts.root / name
        raw = path.read_bytes()
        first, rest = raw.split(b"\r\n", 1)
        path.write_bytes(b"\xef\xbb\xbf" + first + b"\r\n\r\n  \r\n" + rest + b"\r\n")
    data = load_flickr_aes(facts.root)
    assert data.ratings == facts.ratings
    assert data.image_scores == pytest.approx(facts.image_scores)
    assert load_test_workers(facts.test_workers_csv) == facts.test_workers


def test_columns_found_by_name_and_duplicates_keep_first(tmp_path: Path) -> None:
    path = tmp_path / RATINGS_FILE
    path.write_text(" score , worker,imagePair\n4, W1 ,  a.jpg \n2,W1,a.jpg\n3.0,W2,a.jpg\n")
    ratings, duplicates = load_ratings(path)
    assert ratings == {"W1": {"a.jpg": 4}, "W2": {"a.jpg": 3}}
    assert duplicates == 1


def test_scores_accept_comma_and_header(tmp_path: Path) -> None:
    path = tmp_path / SCORES_FILE
    path.write_text("name score\n a.jpg,0.5\nb.jpg\t 1\n")
    assert load_image_scores(path) == {"a.jpg": 0.5, "b.jpg": 1.0}


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (" worker, imagePair, score\nW1, a.jpg, 3\nW1, b.jpg\n", 3, "expected 3 fields"),
        (" worker, imagePair, score\nW1, a.jpg, three\n", 2, "not a number"),
        (" worker, imagePair, score\nW1, a.jpg, 2.5\n", 2, "not an integer"),
        (" worker, imagePair, score\n\nW1, a.jpg, 6\n", 3, "outside 1..5"),
        (" worker, imagePair, score\n , a.jpg, 3\n", 2, "empty worker"),
        (" worker, image, score\nW1, a.jpg, 3\n", 1, "header"),
    ],
)
def test_malformed_rating_rows_name_file_and_line(tmp_path: Path, text: str, line: int, reason: str) -> None:
    path = tmp_path / RATINGS_FILE
    path.write_text(text)
    with pytest.raises(FlickrAESFormatError, match=reason) as info:
        load_ratings(path)
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (" a.jpg 0.5\n b.jpg\n", 2, "expected 'name score'"),
        (" a.jpg 0.5\n b.jpg high\n", 2, "not a number"),
        (" a.jpg 1.5\n", 1, r"outside \[0, 1\]"),
        (" a.jpg 0.5\n\n a.jpg 0.25\n", 3, "different score"),
    ],
)
def test_malformed_score_lines_name_file_and_line(tmp_path: Path, text: str, line: int, reason: str) -> None:
    path = tmp_path / SCORES_FILE
    path.write_text(text)
    with pytest.raises(FlickrAESFormatError, match=reason) as info:
        load_image_scores(path)
    assert str(info.value).startswith(f"{path}:{line}: ")


def test_missing_files_are_clear(tiny: TinyFlickr, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=RATINGS_FILE):
        load_flickr_aes(tmp_path / "nowhere")
    (tiny.root / "40K").rename(tiny.root / "elsewhere")
    with pytest.raises(FileNotFoundError, match="40K"):
        load_flickr_aes(tiny.root)
    assert load_flickr_aes(tiny.root, require_images=False).ratings == tiny.ratings


def test_image_path_stays_in_folder(tiny: TinyFlickr) -> None:
    data = load_flickr_aes(tiny.root)
    for bad in ("../secret.jpg", "/etc/passwd", "", ".."):
        with pytest.raises(ValueError, match="not a FLICKR-AES image"):
            data.image_path(bad)


def test_test_worker_list(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("ID\n W1 \n\nW2\n")
    assert load_test_workers(path) == ["W1", "W2"]
    path.write_text("ID\nW1\nW1\n")
    with pytest.raises(FlickrAESFormatError, match="already listed on line 2"):
        load_test_workers(path)
    path.write_text("worker\nW1\n")
    with pytest.raises(FlickrAESFormatError, match="header 'ID'"):
        load_test_workers(path)


def test_test_worker_file_found_next_to_root(tiny: TinyFlickr) -> None:
    assert find_test_workers_file(tiny.root) == tiny.test_workers_csv
    beside = tiny.root.parent / "test_workers_ID.csv"
    tiny.test_workers_csv.rename(beside)
    assert find_test_workers_file(tiny.root) == beside
    beside.unlink()
    with pytest.raises(FileNotFoundError, match="explicitly"):
        find_test_workers_file(tiny.root)


@pytest.mark.skipif(not SHARED_TEST_WORKERS.is_file(), reason="shared test_workers_ID.csv not available")
def test_standard_test_worker_list_has_37() -> None:
    ids = load_test_workers(SHARED_TEST_WORKERS)
    assert len(ids) == len(set(ids)) == 37


# ------------------------------------------------------------------ split


def test_split_properties(tiny: TinyFlickr) -> None:
    data = load_flickr_aes(tiny.root)
    s = split(data, load_test_workers(find_test_workers_file(tiny.root)))
    test_images = set().union(*(tiny.ratings[w] for w in tiny.test_workers))
    assert s.test_workers == tiny.test_workers
    assert set(s.train_workers) == set(tiny.workers) - set(tiny.test_workers)  # every non-test worker trains
    assert s.test_images == test_images
    assert not set(s.train_images) & test_images  # no image shared with any test worker
    assert s.overlap() == set()
    trained_on = set().union(*(tiny.ratings[w] for w in s.train_workers))
    assert set(s.train_images) == trained_on - test_images
    assert s.excluded_images == trained_on & test_images and s.excluded_images  # the fixture does exercise this
    for image in s.train_images:
        given = [tiny.ratings[w][image] for w in s.train_workers if image in tiny.ratings[w]]
        assert s.train_ratings[image] == pytest.approx(np.mean(given))
    summary = s.summary(data)
    assert summary["n_overlap_images"] == 0
    assert summary["n_train_workers"] + summary["n_test_workers"] == summary["n_workers"] == 12
    used = sum(1 for w in s.train_workers for i in tiny.ratings[w] if i not in test_images)
    assert summary["n_train_ratings"] == used


def test_split_rejects_unknown_test_worker(tiny: TinyFlickr) -> None:
    data = load_flickr_aes(tiny.root)
    with pytest.raises(ValueError, match="not in the ratings file"):
        split(data, [*tiny.test_workers, "ANOTHERRELEASE"])


def test_split_check_catches_leak(tiny: TinyFlickr) -> None:
    data = load_flickr_aes(tiny.root)
    s = split(data, tiny.test_workers)
    leaked = next(iter(s.test_images))
    s.train_images.append(leaked)
    s.train_ratings[leaked] = 3.0
    with pytest.raises(ValueError, match="in both training set"):
        s.check(data)


# ------------------------------------------------------------------ per-worker trials


def test_worker_trials_partition_the_workers_images(tiny: TinyFlickr) -> None:
    data = load_flickr_aes(tiny.root)
    worker = max(tiny.workers, key=lambda w: len(tiny.ratings[w]))
    mine = set(tiny.ratings[worker])
    trials = worker_trials(data, worker, k=10, n_trials=THESIS_TRIALS[10], rng=7)
    assert len(trials) == 10
    for train, evaluation in trials:
        assert len(train) == 10 and len(evaluation) == len(mine) - 10
        assert not set(train) & set(evaluation)
        assert set(train) | set(evaluation) == mine
    assert len({tuple(t) for t, _ in trials}) > 1  # each trial draws afresh


def test_worker_trials_deterministic(tiny: TinyFlickr) -> None:
    data = load_flickr_aes(tiny.root)
    worker = max(tiny.workers, key=lambda w: len(tiny.ratings[w]))
    a = worker_trials(data, worker, 5, 3, rng=11)
    assert a == worker_trials(data, worker, 5, 3, rng=np.random.default_rng(11))
    assert a != worker_trials(data, worker, 5, 3, rng=12)
    # trial_rng: a worker's draws depend on (seed, worker) only, not on the order workers are visited
    first = worker_trials(data, worker, 5, 3, trial_rng(1, worker))
    assert first == worker_trials(data, worker, 5, 3, trial_rng(1, worker))
    assert first != worker_trials(data, worker, 5, 3, trial_rng(2, worker))


def test_worker_trials_skip_small_workers(tiny: TinyFlickr) -> None:
    data = load_flickr_aes(tiny.root)
    small = min(tiny.workers, key=lambda w: len(tiny.ratings[w]))
    n = len(tiny.ratings[small])
    assert worker_trials(data, small, k=n - 4, n_trials=REN_TRIALS, rng=0) == []  # 4 left < min_eval 5
    assert len(worker_trials(data, small, k=n - 5, n_trials=2, rng=0)) == 2  # exactly 5 left is enough
    assert worker_trials(data, small, k=n - 2, n_trials=1, rng=0, min_eval=2) != []
    with pytest.raises(ValueError, match="k must be"):
        worker_trials(data, small, k=0, n_trials=1)
    with pytest.raises(KeyError, match="NOBODY"):
        worker_trials(data, "NOBODY", k=1, n_trials=1)


# ------------------------------------------------------------------ statistics


def test_summarise_known_numbers() -> None:
    s = summarise([0.1, 0.4, 0.2, 0.3])
    assert s["mean"] == pytest.approx(0.25)
    assert s["sd"] == pytest.approx(math.sqrt(0.05 / 3))  # sample sd, ddof=1
    assert s["median"] == pytest.approx(0.25)
    assert (s["min"], s["max"], s["n"], s["n_missing"]) == (pytest.approx(0.1), pytest.approx(0.4), 4, 0)
    s = summarise([1.0, math.nan, 3.0])
    assert (s["mean"], s["n"], s["n_missing"]) == (2.0, 2, 1)
    one = summarise([0.5])
    assert one["mean"] == 0.5 and math.isnan(one["sd"])
    assert math.isnan(summarise([])["mean"])


def test_spearman() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 45]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    rng = np.random.default_rng(0)
    a, b = rng.integers(1, 6, 50), rng.normal(size=50)
    assert spearman(a, b) == pytest.approx(scipy_stats.spearmanr(a, b).statistic)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConstantInputWarning
        assert math.isnan(spearman([3, 3, 3], [1, 2, 3]))
        assert math.isnan(spearman([1], [2]))
        assert math.isnan(spearman([1, 2, math.nan], [1, 2, 3]))
    with pytest.raises(ValueError, match="equal lengths"):
        spearman([1, 2], [1, 2, 3])


def test_format_table() -> None:
    table = format_table({"Baseline": summarise([0.5, 0.6, 0.7]), "K=10": {"mean": 0.575}})
    lines = table.splitlines()
    assert lines[0].split() == ["method", "mean", "sd", "median", "min", "max", "n"]
    assert lines[2].split() == ["Baseline", "0.600", "0.100", "0.600", "0.500", "0.700", "3"]
    assert lines[3].split() == ["K=10", "0.575", "-", "-", "-", "-", "-"]
    assert len({len(line) for line in lines}) == 1  # aligned
