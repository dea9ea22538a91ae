"""Training one user's personal network: cancellable without touching the saved profile, seeded,
reporting each epoch, and refusing too few ratings with a clear message."""

from __future__ import annotations

import math
import os
import threading
from traceback import walk_tb as traceback_frames

import numpy as np
import pytest
import torch
from PIL import Image

from aesthetic_curator.catalog import Catalog
from aesthetic_curator.models import load_generic
from aesthetic_curator.models.weights import NIMA_MOBILENET_AVA
from aesthetic_curator.personal.profile import load_profile, profile_path
from aesthetic_curator.personal.service import NotEnoughRatings, Preparing, rate_files, train_user
from aesthetic_curator.personal.training import (
    MIN_RATINGS,
    TrainConfig,
    TrainingCancelled,
    TrainProgress,
    fit_calibration,
    split_validation,
    train_personal,
)

SMALL = TrainConfig(epochs=2, batch_size=4)


@pytest.fixture(scope="module")
def base():
    return load_generic()[0]


@pytest.fixture(scope="module")
def small_images(kodak_paths):
    """Eight real photos, downscaled (the network sees them at 224 px either way)."""
    return [np.asarray(Image.open(p).convert("RGB").resize((96, 96), Image.Resampling.BILINEAR))
            for p in kodak_paths[:8]]


RATINGS = [1, 2, 3, 4, 5, 3, 2, 4]


@pytest.fixture()
def rated_album(tmp_path, kodak_paths):
    """Six downscaled Kodak photos as JPEG files, rated by ``ann`` in the test's own catalog."""
    album = tmp_path / "album"
    album.mkdir()
    paths = []
    for i, src in enumerate(kodak_paths[:6]):
        path = album / f"photo{i}.jpg"
        Image.open(src).convert("RGB").resize((160, 160), Image.Resampling.BILINEAR).save(path, quality=90)
        paths.append(path)
    with Catalog() as catalog:
        done, skipped = rate_files(catalog, "ann", list(zip(paths, [1, 2, 3, 4, 5, 3], strict=True)))
        assert len(done) == 6 and not skipped
    return paths


def _folder_state(folder):
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}


# -- (a) cancelling never touches the saved profile ----------------------------------------------------------
@pytest.mark.slow
def test_cancelled_training_leaves_the_previous_profile_byte_identical(rated_album, base, isolated_profiles):
    with Catalog() as catalog:
        first = train_user(catalog, "ann", base=base, config=TrainConfig(epochs=1, batch_size=4), device="cpu",
                           folder=isolated_profiles)
        assert first.path == profile_path("ann", isolated_profiles) and first.path.is_file()
        assert first.n_ratings == 6
        before = _folder_state(isolated_profiles)
        assert list(before) == [first.path.name]

        cancel_points = {
            "while reading the photos": (TrainConfig(epochs=3, batch_size=4, seed=1),
                                         lambda p: isinstance(p, Preparing) and p.done == 2),
            "after epoch 1 of 3": (TrainConfig(epochs=3, batch_size=4, seed=1),
                                   lambda p: isinstance(p, TrainProgress) and p.epoch == 1),
            "after the last epoch": (TrainConfig(epochs=1, batch_size=4, seed=1),
                                     lambda p: isinstance(p, TrainProgress) and p.epoch == 1),
        }
        for where, (config, when) in cancel_points.items():
            cancel = threading.Event()
            seen = []

            def progress(p, when=when, cancel=cancel, seen=seen):
                seen.append(p)
                if when(p):
                    cancel.set()

            with pytest.raises(TrainingCancelled):
                train_user(catalog, "ann", base=base, config=config, device="cpu", progress=progress,
                           cancel=cancel, folder=isolated_profiles)
            assert cancel.is_set(), where
            assert _folder_state(isolated_profiles) == before, f"cancelled {where}: profile folder changed"
            epochs_done = [p.epoch for p in seen if isinstance(p, TrainProgress)]
            assert epochs_done == {"while reading the photos": [], "after epoch 1 of 3": [1],
                                   "after the last epoch": [1]}[where]

        # Not cancelled, the same training does replace the profile: the checks above were not vacuous.
        train_user(catalog, "ann", base=base, config=TrainConfig(epochs=1, batch_size=4, seed=1), device="cpu",
                   folder=isolated_profiles)
    after = _folder_state(isolated_profiles)
    assert list(after) == list(before) and after != before


def test_cancel_from_another_thread_before_the_first_profile_leaves_no_file(rated_album, base, isolated_profiles):
    """The GUI cancels from its own thread while training runs on a worker."""
    cancel = threading.Event()
    started = threading.Event()
    outcome = {}

    def progress(p):
        if isinstance(p, TrainProgress):
            started.set()
            cancel.wait(timeout=30)  # hold the worker until the other thread has pressed cancel

    def worker():
        try:
            with Catalog() as catalog:
                train_user(catalog, "ann", base=base, config=TrainConfig(epochs=3, batch_size=4), device="cpu",
                           progress=progress, cancel=cancel, folder=isolated_profiles)
            outcome["result"] = "finished"
        except BaseException as exc:
            outcome["result"] = exc

    thread = threading.Thread(target=worker)
    thread.start()
    assert started.wait(timeout=60)
    cancel.set()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert isinstance(outcome["result"], TrainingCancelled)
    assert not isolated_profiles.exists() or os.listdir(isolated_profiles) == []


class _ClickWhenRead(list):
    """Photos that press Cancel when the training takes the ``at``-th of them for a batch: the click lands
    between building a batch and its training step, the moment a between-batches check misses."""

    def __init__(self, photos, cancel: threading.Event, at: int):
        super().__init__(photos)
        self.cancel, self.at, self.reads = cancel, at, 0

    def __getitem__(self, i):
        self.reads += 1
        if self.reads == self.at:
            self.cancel.set()
        return super().__getitem__(i)


def test_a_cancel_mid_batch_stops_inside_the_network_and_leaves_no_hooks(base, small_images):
    cancel = threading.Event()
    photos = _ClickWhenRead(small_images, cancel, at=2)  # the second photo of the first batch
    epochs = []
    with pytest.raises(TrainingCancelled) as raised:
        train_personal(base, photos, RATINGS, generic_scores=[5.0] * 8, config=SMALL, device="cpu", cancel=cancel,
                       progress=epochs.append)
    assert epochs == [] and photos.reads == 4  # the batch of 4 was built, no step was taken
    frames = [f.f_code.co_name for f, _ in traceback_frames(raised.value.__traceback__)]
    assert frames[-1] == "check" and "predict" in frames, "stopped at a batch boundary, not in the network"
    assert all(not m._forward_pre_hooks and not m._forward_hooks for m in base.modules())


def test_a_cancel_before_the_generic_scores_stores_none_of_them(rated_album, base, isolated_profiles):
    """Photos rated before any scan are scored first: a Cancel stops that scan (not after it) too."""
    cancel = threading.Event()
    cancel.set()
    with Catalog() as catalog:
        with pytest.raises(TrainingCancelled):
            train_user(catalog, "ann", base=base, config=SMALL, device="cpu", cancel=cancel,
                       folder=isolated_profiles)
        assert catalog.score_count(NIMA_MOBILENET_AVA.model_id) == 0
    assert not profile_path("ann", isolated_profiles).exists()


def test_trained_profile_loads_for_the_generic_model(rated_album, base, isolated_profiles):
    from aesthetic_curator.models import NIMA_MOBILENET_AVA

    with Catalog() as catalog:
        outcome = train_user(catalog, "ann", base=base, config=TrainConfig(epochs=1, batch_size=4), device="cpu")
    assert outcome.path.parent == isolated_profiles  # $AESTHETIC_CURATOR_PROFILES when no folder is given
    profile = load_profile(outcome.path, NIMA_MOBILENET_AVA)
    assert profile.user == "ann" and profile.n_ratings == 6
    assert profile.personal_state is not None
    assert 0 <= profile.metrics["epochs"] <= 1  # chosen on the out-of-fold predictions of all six ratings
    with Catalog() as catalog:
        assert set(profile.oof) == set(catalog.ratings("ann"))  # one out-of-fold prediction per rated photo
    assert outcome.agreement is not None and outcome.agreement.n_ratings == 6


# -- (b) seeded ----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_same_seed_same_state_other_seed_other_state(base, small_images):
    rng_before = torch.get_rng_state()
    runs = [train_personal(base, small_images, RATINGS, config=TrainConfig(epochs=2, batch_size=4, seed=seed),
                           device="cpu") for seed in (0, 0, 1)]
    assert torch.equal(torch.get_rng_state(), rng_before)  # the caller's random stream is left alone
    a, b, c = (r.state for r in runs)
    assert a.keys() == b.keys() == c.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [h.train_loss for h in runs[0].history] == [h.train_loss for h in runs[1].history]
    assert runs[0].best_epoch == runs[1].best_epoch
    assert not all(torch.equal(a[k], c[k]) for k in a)


# -- (c) progress --------------------------------------------------------------------------------------------
def test_progress_reports_every_epoch(base, small_images):
    seen = []
    result = train_personal(base, small_images, RATINGS, config=TrainConfig(epochs=3, batch_size=4),
                            device="cpu", progress=seen.append)
    assert [p.epoch for p in seen] == [1, 2, 3]
    assert all(isinstance(p, TrainProgress) and p.epochs == 3 for p in seen)
    assert all(math.isfinite(p.train_loss) and p.train_loss >= 0 for p in seen)
    assert all(math.isfinite(p.val_loss) for p in seen)  # 8 ratings: a validation split exists
    assert all(0 <= p.best_epoch <= p.epoch for p in seen)
    assert [p.elapsed_s for p in seen] == sorted(p.elapsed_s for p in seen)
    assert all(p.eta_s >= 0 for p in seen) and seen[-1].eta_s == 0
    assert result.history == seen
    assert result.best_epoch == seen[-1].best_epoch
    assert result.n_train + result.n_val == len(RATINGS) and result.n_val >= 2
    assert result.device == "cpu"


# -- (e) too few ratings -------------------------------------------------------------------------------------
def test_too_few_ratings_say_how_many(tmp_path, kodak_paths, base, isolated_profiles):
    album = tmp_path / "album"
    album.mkdir()
    paths = []
    for i, src in enumerate(kodak_paths[:5]):
        paths.append(album / f"p{i}.jpg")
        Image.open(src).convert("RGB").resize((64, 64)).save(paths[-1])
    with Catalog() as catalog:
        with pytest.raises(NotEnoughRatings) as info:
            train_user(catalog, "bob", base=base, config=SMALL, device="cpu")  # never rated anything
        assert "0 usable rating" in str(info.value) and str(MIN_RATINGS) in str(info.value)

        rate_files(catalog, "bob", [(p, 4) for p in paths[:3]])
        with pytest.raises(ValueError) as info:  # NotEnoughRatings is a ValueError
            train_user(catalog, "bob", base=base, config=SMALL, device="cpu")
        assert isinstance(info.value, NotEnoughRatings)
        assert "3 usable rating" in str(info.value) and "at least 5" in str(info.value)

        # Five ratings, but one photo has since been deleted: four are usable.
        rate_files(catalog, "bob", [(p, 2) for p in paths[3:]])
        paths[0].unlink()
        with pytest.raises(NotEnoughRatings, match="4 usable rating"):
            train_user(catalog, "bob", base=base, config=SMALL, device="cpu")
    assert not isolated_profiles.exists()


def test_train_personal_checks_its_arguments(base, small_images):
    with pytest.raises(ValueError, match="at least 5"):
        train_personal(base, small_images[:4], RATINGS[:4], config=SMALL, device="cpu")
    with pytest.raises(ValueError, match="one rating per image"):
        train_personal(base, small_images, RATINGS[:5], config=SMALL, device="cpu")


# -- (f) calibration and the validation split ----------------------------------------------------------------
def test_fit_calibration_recovers_a_linear_relation():
    g = np.array([4.0, 4.5, 5.0, 5.5, 6.0])
    slope, shift = fit_calibration(g, 0.8 * g - 1.0)
    assert slope == pytest.approx(0.8) and shift == pytest.approx(-1.0)


def test_fit_calibration_keeps_a_contrary_taste_learnable():
    """A user whose ratings run against the generic score: the slope stays small and positive,
    so the network's output still carries gradient (a zero slope would freeze the adapters)."""
    g = np.array([4.0, 4.5, 5.0, 5.5, 6.0])
    r = np.array([5.0, 4.0, 3.0, 2.0, 1.0])
    slope, shift = fit_calibration(g, r)
    assert slope == pytest.approx(0.25 * r.std() / g.std())
    assert shift == pytest.approx(r.mean() - slope * g.mean())


def test_fit_calibration_slope_is_least_squares_within_its_bounds():
    g = np.array([5.00, 5.01, 5.02, 5.03])  # the generic model barely tells these apart
    r = np.array([1.0, 2.0, 4.0, 5.0])
    slope, shift = fit_calibration(g, r)
    assert slope == pytest.approx(np.cov(g, r, bias=True)[0, 1] / g.var())
    assert slope >= 0.25 * r.std() / g.std()
    assert shift == pytest.approx(r.mean() - slope * g.mean())


@pytest.mark.parametrize("g, r", [
    ([5.0, 6.0], [1.0, 5.0]),  # fewer than 3 ratings
    ([5.0, 6.0, 7.0, 4.0], [3.0, 3.0, 3.0, 3.0]),  # a one-note rater
    ([5.0, 5.0, 5.0, 5.0], [1.0, 2.0, 4.0, 5.0]),  # the generic model sees no difference
])
def test_fit_calibration_falls_back_to_the_mean(g, r):
    assert fit_calibration(np.array(g), np.array(r)) == (0.0, pytest.approx(np.mean(r)))


@pytest.mark.parametrize("n, n_val", [(3, 0), (4, 0), (5, 2), (8, 2), (20, 4), (100, 20)])
def test_split_validation(n, n_val):
    train, val = split_validation(n, 0.2, np.random.default_rng(0))
    assert len(val) == n_val
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(n))
    assert list(train) == sorted(train) and list(val) == sorted(val)
    again = split_validation(n, 0.2, np.random.default_rng(0))
    assert np.array_equal(again[0], train) and np.array_equal(again[1], val)
