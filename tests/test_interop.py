"""Ratings through XMP: the app's marks round-trip through sidecars into a fresh catalog, and a
photographer's existing star ratings train a personal model."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy.stats import spearmanr

from aesthetic_curator.catalog import PICK, REJECT, Catalog
from aesthetic_curator.interop import import_ratings, write_sidecars
from aesthetic_curator.scoring import score_album
from aesthetic_curator.xmp import sidecar_path, update_sidecar

FIXTURES = Path(__file__).parent / "fixtures" / "xmp"


@pytest.fixture
def album(tmp_path, kodak_paths, scorer):
    folder = tmp_path / "album"
    folder.mkdir()
    for p in kodak_paths[:8]:
        Image.open(p).convert("RGB").save(folder / f"{p.stem}.jpg", quality=90)
    catalog = Catalog(tmp_path / "a.sqlite3")
    report = score_album(folder, catalog, scorer=scorer)
    yield folder, catalog, report
    catalog.close()


def marks_by_hash(catalog: Catalog, user: str, report) -> dict[str, tuple[float, int]]:
    ids = catalog.photo_ids(s.content_hash for s in report.scores)
    stars, flags = catalog.ratings(user), catalog.flags(user)
    return {h: (stars.get(pid, 0), flags.get(pid, 0)) for h, pid in ids.items()
            if pid in stars or pid in flags}


@pytest.mark.parametrize("style", ["darktable", "lightroom"])
def test_marks_round_trip_through_sidecars_into_a_fresh_catalog(album, tmp_path, style):
    folder, catalog, report = album
    ids = catalog.photo_ids(s.content_hash for s in report.scores)
    pid = [ids[s.content_hash] for s in report.scores]
    catalog.set_marks("ana", ratings=[(pid[0], 5), (pid[1], 1), (pid[2], 3), (pid[3], 4)],
                      flags=[(pid[0], PICK), (pid[2], REJECT), (pid[4], REJECT), (pid[5], PICK)])
    written = write_sidecars(catalog, "ana", report.scores, style=style)
    assert len(written.written) == 6  # only the marked photos get a sidecar
    assert written.written == [sidecar_path(s.path, style) for s in report.scores[:6]]

    fresh = Catalog(tmp_path / "fresh.sqlite3")
    result = import_ratings(fresh, "ana", sorted(folder.glob("*.jpg")), style=style)
    assert (result.ratings, result.flags, result.unmarked) == (4, 4, 2)
    assert marks_by_hash(fresh, "ana", report) == marks_by_hash(catalog, "ana", report)

    # Taking marks back here clears them in the sidecars too.
    catalog.set_marks("ana", ratings=[(pid[1], None)], flags=[(pid[5], None)])
    write_sidecars(catalog, "ana", report.scores, style=style)
    again = Catalog(tmp_path / "again.sqlite3")
    import_ratings(again, "ana", sorted(folder.glob("*.jpg")), style=style)
    assert marks_by_hash(again, "ana", report) == marks_by_hash(catalog, "ana", report)


def test_imports_what_darktable_lightroom_and_digikam_wrote(album, tmp_path):
    folder, _, _ = album
    photos = sorted(folder.glob("*.jpg"))
    shutil.copy(FIXTURES / "darktable.jpg.xmp", sidecar_path(photos[0], "darktable"))
    shutil.copy(FIXTURES / "lightroom.xmp", sidecar_path(photos[1], "lightroom"))
    shutil.copy(FIXTURES / "digikam.xmp", sidecar_path(photos[2], "lightroom"))
    (sidecar_path(photos[3], "darktable")).write_text("<x:xmpmeta")  # broken
    catalog = Catalog(tmp_path / "fresh.sqlite3")
    result = import_ratings(catalog, "ben", photos)
    assert (result.ratings, result.flags) == (2, 2)
    assert len(result.skipped) == 1 and "kodim04" in str(result.skipped[0].path)
    assert "unusable" in result.skipped[0].reason
    ids = [catalog.photo_id_for_file(p) for p in photos[:3]]
    assert [catalog.ratings("ben").get(i, 0) for i in ids] == [4, 0, 3]
    assert [catalog.flags("ben").get(i, 0) for i in ids] == [0, REJECT, PICK]


def test_what_the_user_said_here_wins_unless_overwrite(album):
    _, catalog, report = album
    photo = report.scores[0].path
    pid = catalog.photo_id_for_file(photo)
    catalog.set_ratings("ana", [(pid, 2)])
    update_sidecar(photo, "darktable", stars=5, flag=0, user="lightroom-user")
    kept = import_ratings(catalog, "ana", [photo])
    assert kept.kept == 1 and catalog.ratings("ana")[pid] == 2
    import_ratings(catalog, "ana", [photo], overwrite=True)
    assert catalog.ratings("ana")[pid] == 5


@pytest.mark.slow
def test_imported_ratings_train_a_profile_that_beats_the_generic_score_on_held_out_photos(
        tmp_path, kodak_dir, nima):
    """A photographer whose darktable stars favour darker, moodier exposures: import, train, and
    the personal score ranks *other scenes'* photos closer to their stars than the generic one."""
    from aesthetic_curator.evaluation.simulated import build_album, simulated_ratings
    from aesthetic_curator.personal.service import personal_scores, train_user
    from aesthetic_curator.personal.training import TrainConfig

    sim = build_album(kodak_dir, nima, n_variants=4, seed=3)
    stars = simulated_ratings(sim, "brightness", -1, 1.5, 0.3, np.random.default_rng(0))
    folder = tmp_path / "lightroom-album"
    folder.mkdir()
    paths = []
    for i, im in enumerate(sim.images):
        p = folder / f"scene{sim.scene[i]:02d}_{i:03d}.jpg"
        Image.fromarray(im).save(p, quality=92)
        paths.append(p)
    train = sim.scene < 16  # rated in darktable and imported; scenes 16-23 held out
    darktable = (FIXTURES / "darktable.jpg.xmp").read_text(encoding="utf-8")
    for p, s, t in zip(paths, stars, train, strict=True):
        if t:  # the sidecar as darktable writes it, with this photo's stars
            sidecar_path(p, "darktable").write_text(darktable.replace('xmp:Rating="4"', f'xmp:Rating="{int(s)}"'),
                                                    encoding="utf-8")

    catalog = Catalog(tmp_path / "catalog.sqlite3")
    result = import_ratings(catalog, "ana", paths, style="darktable")
    assert result.ratings == int(train.sum())
    train_user(catalog, "ana", base=nima, config=TrainConfig(epochs=2), device="cpu")

    report = score_album(folder, catalog)
    by_path = {s.path: i for i, s in enumerate(report.scores)}
    personal = personal_scores(catalog, "ana", report, base=nima, device="cpu")
    # The adapters were trained and judged on ratings they did not see; whichever learner ranks ana's
    # photos best with 90% confidence is what she sees.
    assert "adapters" in personal.agreement.candidates and personal.agreement.better
    held = [by_path[p] for p, t in zip(paths, train, strict=True) if not t]
    truth = [stars[paths.index(report.scores[i].path)] for i in held]
    generic_rho = spearmanr([report.scores[i].mean for i in held], truth)[0]
    personal_rho = spearmanr(personal.scores[held], truth)[0]
    print(f"held-out Spearman: generic {generic_rho:.3f}, personal {personal_rho:.3f}")
    assert personal_rho > generic_rho + 0.05


def test_a_deeply_nested_sidecar_is_skipped_and_every_other_photo_gets_its_sidecar(album):
    from test_xmp import deeply_nested

    _, catalog, report = album
    ids = catalog.photo_ids(s.content_hash for s in report.scores)
    pid = [ids[s.content_hash] for s in report.scores]
    catalog.set_marks("ana", ratings=[(p, 4) for p in pid])
    bad = report.scores[1].path
    sidecar_path(bad).write_bytes(deeply_nested())
    result = write_sidecars(catalog, "ana", report.scores)
    assert [k.path for k in result.skipped] == [bad]
    assert "nested" in result.skipped[0].reason
    assert len(result.written) == len(report.scores) - 1
    assert sidecar_path(bad).read_bytes() == deeply_nested()
