"""The scoring engine over a real album and the catalog: caching, moves, cancel, progress."""

from __future__ import annotations

import shutil
import threading

import numpy as np
import pytest

from aesthetic_curator.catalog import Catalog
from aesthetic_curator.scoring import Progress, Scorer, score_album


def _no_inference() -> Scorer:
    raise AssertionError("the network was built although every photo was already scored")


@pytest.fixture
def album(tmp_path, kodak_paths):
    root = tmp_path / "album"
    (root / "day1").mkdir(parents=True)
    for i, p in enumerate(kodak_paths[:8]):
        shutil.copy(p, root / ("day1" if i < 4 else "") / p.name)
    return root


def test_scores_every_photo_and_rescoring_runs_no_inference(album, scorer, tmp_path):
    with Catalog(tmp_path / "c.sqlite3") as cat:
        first = score_album(album, cat, scorer=scorer)
        assert first.inferred == 8 and not first.skipped
        assert all(1 <= s.mean <= 10 and 0 < s.std < 4.5 for s in first.scores)
        assert all(s.features.shape == (1024,) and s.distribution.shape == (10,) for s in first.scores)
        second = score_album(album, cat, scorer=_no_inference, spec=scorer.spec)
    assert second.inferred == 0 and all(s.cached for s in second.scores)
    a = {s.path: s for s in first.scores}
    for s in second.scores:
        assert s.mean == pytest.approx(a[s.path].mean, abs=1e-9)
        np.testing.assert_allclose(s.distribution, a[s.path].distribution)
        np.testing.assert_allclose(s.features, a[s.path].features, rtol=1e-3, atol=1e-3)  # stored as float16


def test_moved_and_renamed_photos_keep_their_scores_without_decoding(album, scorer, tmp_path):
    with Catalog(tmp_path / "c.sqlite3") as cat:
        before = {s.path.name: s.mean for s in score_album(album, cat, scorer=scorer).scores}
        moved = tmp_path / "elsewhere"
        shutil.move(album / "day1", moved)
        (moved / "kodim01.png").rename(moved / "best shot.png")
        after = score_album([album, moved], cat, scorer=_no_inference, spec=scorer.spec)
        # The same photos under new paths: the scorer factory was never needed.
        assert after.inferred == 0 and len(after.scores) == 8
        by_name = {s.path.name: s.mean for s in after.scores}
        assert by_name["best shot.png"] == pytest.approx(before["kodim01.png"])
        assert cat.photo_count() == 8


def test_an_edited_photo_is_scored_again(album, scorer, tmp_path):
    from PIL import Image, ImageEnhance

    with Catalog(tmp_path / "c.sqlite3") as cat:
        score_album(album, cat, scorer=scorer)
        target = album / "kodim05.png"
        ImageEnhance.Contrast(Image.open(target)).enhance(0.3).save(target)
        again = score_album(album, cat, scorer=scorer)
    assert again.inferred == 1
    assert {s.path.name for s in again.scores if not s.cached} == {"kodim05.png"}


def test_cancel_stops_early_and_keeps_what_was_stored(album, tmp_path):
    scorer = Scorer.generic(device="cpu", batch_size=2)
    cancel = threading.Event()
    seen: list[Progress] = []

    def progress(p: Progress) -> None:
        seen.append(p)
        if p.scored >= 2:
            cancel.set()

    with Catalog(tmp_path / "c.sqlite3") as cat:
        report = score_album(album, cat, scorer=scorer, progress=progress, cancel=cancel, decode_workers=1)
        assert report.cancelled
        assert 2 <= report.inferred < 8
        assert cat.score_count(scorer.spec.model_id) == report.inferred
        resumed = score_album(album, cat, scorer=scorer)
    assert resumed.inferred == 8 - report.inferred and len(resumed.scores) == 8


def test_progress_reports_counts_up_to_the_total(album, scorer, tmp_path):
    seen: list[Progress] = []
    with Catalog(tmp_path / "c.sqlite3") as cat:
        score_album(album, cat, scorer=scorer, progress=seen.append)
    assert seen and seen[-1].done == seen[-1].total == 8
    assert [p.done for p in seen] == sorted(p.done for p in seen)


def test_a_single_file_can_be_scored(kodak_paths, scorer, tmp_path):
    with Catalog(tmp_path / "c.sqlite3") as cat:
        report = score_album(kodak_paths[0], cat, scorer=scorer)
    assert [s.path for s in report.scores] == [kodak_paths[0]]


def test_scores_of_an_earlier_release_get_their_first_layer_statistics_once(album, scorer, tmp_path):
    """Catalogs before schema 5 hold no first-layer statistics: the next scan scores those photos again,
    once, and keeps their ids (and so every rating and flag); the scan after that infers nothing."""
    with Catalog(tmp_path / "c.sqlite3") as cat:
        first = score_album(album, cat, scorer=scorer)
        assert all(s.look is not None and s.look.shape == (64,) for s in first.scores)
        ids = cat.photo_ids(s.content_hash for s in first.scores)
        cat._db.execute("UPDATE scores SET look = NULL")  # what an earlier release left behind
        again = score_album(album, cat, scorer=scorer)
        assert again.inferred == 8 and all(s.look is not None for s in again.scores)
        assert cat.photo_ids(s.content_hash for s in again.scores) == ids
        third = score_album(album, cat, scorer=_no_inference, spec=scorer.spec)
    assert third.inferred == 0 and all(s.look is not None for s in third.scores)
    a = {s.path: s.look for s in first.scores}
    for s in third.scores:
        np.testing.assert_allclose(s.look, a[s.path], rtol=1e-2, atol=1e-2)


def test_a_photo_gone_since_it_was_listed_is_skipped_and_the_rest_scored(tmp_path, kodak_paths, scorer):
    """The app scores the paths it listed; one moved or deleted meanwhile must not stop the scan."""
    import shutil

    from aesthetic_curator.catalog import Catalog
    from aesthetic_curator.scoring import score_album

    paths = []
    for p in kodak_paths[:2]:
        shutil.copy(p, tmp_path / p.name)
        paths.append(tmp_path / p.name)
    gone = tmp_path / "gone.jpg"
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        report = score_album([*paths, gone], catalog, scorer=scorer)
    assert sorted(s.path for s in report.scores) == sorted(paths)
    assert [(k.path, k.reason) for k in report.skipped] == [(gone, "no such file (moved or deleted?)")]
