"""Bursts and near-duplicates: found on a constructed burst set of real photos; keep-best marks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from aesthetic_curator.album_state import Album
from aesthetic_curator.catalog import PICK, REJECT, Catalog
from aesthetic_curator.culling import PhotoGroup, capture_times, group_album, keep_best_marks
from aesthetic_curator.evaluation.bursts import make_burst_album
from aesthetic_curator.groups import GroupConfig, best_of, find_groups, hamming, pair_scores, perceptual_hash
from aesthetic_curator.scoring import score_album


@pytest.fixture(scope="module")
def burst_album(kodak_paths, tmp_path_factory, scorer):
    folder = tmp_path_factory.mktemp("bursts")
    truth = make_burst_album(folder / "album", kodak_paths)
    catalog = Catalog(folder / "catalog.sqlite3")
    report = score_album(folder / "album", catalog, scorer=scorer)
    assert len(report.scores) == len(truth) == 24 + 6 * 3
    labels = [truth[s.path] for s in report.scores]
    yield catalog, report, labels
    catalog.close()


@pytest.mark.parametrize("use_times", [True, False])
def test_finds_the_bursts_with_precision_and_recall_of_at_least_0_9(burst_album, use_times):
    catalog, report, labels = burst_album
    times = None if use_times else np.full(len(labels), np.nan)
    groups = group_album(catalog, report, times=times)
    precision, recall = pair_scores([np.array(g.members) for g in groups], labels)
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)
    assert len(groups) == 6


def test_capture_times_come_from_exif_with_subseconds(burst_album):
    _, report, _ = burst_album
    times = capture_times([s.path for s in report.scores])
    assert not np.isnan(times).any()
    assert np.any(times % 1 != 0)  # sub-seconds were read


def test_an_editors_datetime_is_no_capture_time_for_bursts(tmp_path):
    """EXIF DateTime is when a file was last written: fine to sort by, but photos batch-edited
    in one go share it, and they are no burst."""
    from PIL import Image

    from aesthetic_curator.browse import capture_time

    exif = Image.Exif()
    exif[0x0132] = "2026:07:01 10:00:00"  # DateTime only, as an editor leaves it
    p = tmp_path / "edited.jpg"
    Image.fromarray(np.full((8, 8, 3), 100, np.uint8)).save(p, exif=exif)
    assert capture_time(p) is not None
    assert np.isnan(capture_times([p])).all()


def test_the_scan_stores_perceptual_hashes_and_they_separate_copies_from_other_photos(burst_album):
    catalog, report, labels = burst_album
    ids = catalog.photo_ids(s.content_hash for s in report.scores)
    stored = catalog.phashes(ids.values())
    assert len(stored) == len(report.scores)
    a = np.array([stored[ids[s.content_hash]] for s in report.scores], np.uint64)
    d = hamming(a[:, None], a[None, :])
    labels = np.array(labels)
    other = labels[:, None] != labels[None, :]
    assert d[other].min() > 8  # no two different scenes look near-identical


def test_perceptual_hash_survives_resizing_and_recompression(kodak_paths):
    from PIL import Image

    im = Image.open(kodak_paths[0]).convert("RGB")
    small = im.resize((im.width // 3, im.height // 3), Image.Resampling.BILINEAR)
    h1, h2 = perceptual_hash(np.asarray(im)), perceptual_hash(np.asarray(small))
    h3 = perceptual_hash(np.asarray(Image.open(kodak_paths[5]).convert("RGB")))
    assert hamming(np.uint64(h1), np.uint64(h2)) <= 4
    assert hamming(np.uint64(h1), np.uint64(h3)) > 16


def test_time_links_frames_that_features_alone_would_not():
    rng = np.random.default_rng(0)
    base = rng.random(32)
    moved = base + 0.6 * rng.random(32)  # the subject moved
    far = rng.random(32)
    f = np.stack([base, moved, far])
    cos = f @ f.T / np.outer(np.linalg.norm(f, axis=1), np.linalg.norm(f, axis=1))
    cfg = GroupConfig(near_duplicate=float(cos[0, 1]) + 0.01, burst=float(cos[0, 1]) - 0.01, hash_bits=-1)
    assert find_groups(f, [0.0, np.nan, 9.0], config=cfg) == []
    assert [g.tolist() for g in find_groups(f, [0.0, 0.4, 9.0], config=cfg)] == [[0, 1]]
    assert find_groups(f, [0.0, 30.0, 9.0], config=cfg) == []
    # Sub-seconds hold for real capture dates (2065 here), not only for times near zero: 1.5 s
    # apart is a burst, 2.5 s apart is not.
    t0 = 3.0e9
    assert [g.tolist() for g in find_groups(f, [t0, t0 + 1.5, t0 + 9.0], config=cfg)] == [[0, 1]]
    assert find_groups(f, [t0, t0 + 2.5, t0 + 9.0], config=cfg) == []
    # In an album that spans decades too: 2.5 s stays 2.5 s
    assert [g.tolist() for g in find_groups(f, [t0, t0 + 1.5, 1.0], config=cfg)] == [[0, 1]]
    assert find_groups(f, [t0, t0 + 2.5, 1.0], config=cfg) == []


def test_raw_frames_a_quarter_second_apart_sort_in_capture_order_and_make_one_burst(tmp_path):
    """Burst frames of a camera share their second: only SubSecTimeOriginal orders them and puts them
    within the burst window. Real DNGs, named and written against their capture order, so neither the
    name nor the file time can give the order the capture time gives."""
    from aesthetic_curator.browse import PhotoTable, capture_time

    from dng import Shot, write_dng

    second = dt.datetime(2024, 5, 1, 10, 22, 33)
    pixels = np.full((32, 48, 3), 120, np.uint8)
    later = write_dng(tmp_path / "a.dng", pixels, preview=None, shot=Shot(taken=second, subsec="50"))
    earlier = write_dng(tmp_path / "b.dng", pixels, preview=None, shot=Shot(taken=second, subsec="25"))
    elsewhere = write_dng(tmp_path / "c.dng", pixels, preview=None, shot=Shot(taken=second.replace(minute=40)))
    paths = [later, earlier, elsewhere]
    times = capture_times(paths)
    assert times[0] - times[1] == pytest.approx(0.25)
    table = PhotoTable(paths, mtimes=[3.0, 2.0, 1.0])
    table.set_captured([0, 1, 2], [capture_time(p) for p in paths])
    assert [table.names[r] for r in table.order("date")] == ["b.dng", "a.dng", "c.dng"]
    # Features as alike as two takes of a moving subject (cosine 0.7): no duplicates, a burst by time only.
    f = np.array([[1.0, 0.0, 0.0], [0.7, np.sqrt(1 - 0.7**2), 0.0], [0.7, 0.0, np.sqrt(1 - 0.7**2)]])
    assert [g.tolist() for g in find_groups(f, times)] == [[0, 1]]
    assert find_groups(f, np.full(3, np.nan)) == []  # without capture times: no burst


def test_best_of_prefers_stars_then_personal_then_generic():
    g = np.array([0, 1, 2])
    generic = np.array([5.0, 6.0, 4.0])
    assert best_of(g, None, generic) == 1
    assert best_of(g, np.array([2.0, 1.0, 3.0]), generic) == 2
    assert best_of(g, np.array([2.0, 1.0, np.nan]), generic) == 0
    assert best_of(g, np.array([2.0, 1.0, 3.0]), generic, stars=np.array([0, 4, 0])) == 1


def test_keep_best_rejects_the_rest_but_never_a_copy_of_the_best():
    groups = [PhotoGroup((0, 1, 2), best=1), PhotoGroup((3, 4), best=4)]
    photo_ids = [10, 11, 12, 13, 11]  # row 4 is a copy of row 1's photo
    changes = dict(keep_best_marks(groups, photo_ids, flags={12: REJECT}))
    assert changes == {10: REJECT, 11: PICK, 13: REJECT}


def test_keep_best_never_rejects_what_the_user_picked_or_starred_as_high_as_the_best():
    groups = [PhotoGroup((0, 1, 2, 3), best=0)]
    photo_ids = [10, 11, 12, 13]
    changes = dict(keep_best_marks(groups, photo_ids, flags={11: PICK}, stars={10: 4, 12: 4, 13: 3}))
    assert changes == {10: PICK, 13: REJECT}  # 11 stays picked, 12 (four stars, like the best) stays
    # The best chosen before the user starred another take (the app's stacks): the starred one stays
    changes = dict(keep_best_marks([PhotoGroup((0, 1), best=0)], [10, 11], flags={}, stars={11: 4}))
    assert changes == {10: PICK}


def test_keep_best_stores_flags_and_returns_what_undo_needs(burst_album, tmp_path):
    catalog, report, _ = burst_album
    groups = group_album(catalog, report)
    album = Album.from_scan(report, catalog, "ana")
    undo = album.keep_best(catalog, groups)
    assert album.flags == catalog.flags("ana")  # written through, and held
    flags = catalog.flags("ana")
    assert sum(f == PICK for f in flags.values()) == len(groups)
    assert sum(f == REJECT for f in flags.values()) == sum(len(g.members) - 1 for g in groups)
    catalog.set_flags("ana", [(pid, old) for pid, old, _ in undo])
    assert catalog.flags("ana") == {}
