"""Users: flags beside ratings, renaming and deleting with their profile."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from aesthetic_curator.catalog import PICK, REJECT, Catalog
from aesthetic_curator.cli import main
from aesthetic_curator.models.weights import NIMA_MOBILENET_AVA
from aesthetic_curator.personal.profile import Profile, load_profile, profile_path, save_profile
from aesthetic_curator.personal.service import delete_user, rate_files, rename_user


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    out = []
    for i in range(3):
        p = tmp_path / f"p{i}.jpg"
        Image.new("RGB", (32, 32), (40 * i, 80, 120)).save(p)
        out.append(p)
    return out


def test_flags_are_per_user_and_clear(tmp_path: Path, photos) -> None:
    with Catalog(tmp_path / "c.sqlite3") as cat:
        a, b = (cat.photo_id_for_file(p) for p in photos[:2])
        cat.set_flags("ana", [(a, PICK), (b, REJECT)])
        cat.set_flags("ben", [(a, REJECT)])
        assert cat.flags("ana") == {a: PICK, b: REJECT}
        assert cat.flags("ben") == {a: REJECT}
        cat.set_flags("ana", [(b, None)])
        assert cat.flags("ana") == {a: PICK}
        with pytest.raises(ValueError):
            cat.set_flags("ana", [(a, 2)])
        assert cat.flags("ana") == {a: PICK}


def test_rename_moves_ratings_flags_and_profile(tmp_path: Path, photos) -> None:
    folder = tmp_path / "profiles"
    with Catalog(tmp_path / "c.sqlite3") as cat:
        rate_files(cat, "ana", [(photos[0], 4), (photos[1], 2)])
        pid = cat.photo_id_for_file(photos[0])
        cat.set_flags("ana", [(pid, PICK)])
        save_profile(Profile("ana", NIMA_MOBILENET_AVA.model_id, NIMA_MOBILENET_AVA.sha256, n_ratings=2),
                     profile_path("ana", folder))
        rename_user(cat, "ana", "Ana Lopez", folder)
        assert cat.users() == ["Ana Lopez"]
        assert len(cat.ratings("Ana Lopez")) == 2 and cat.ratings("ana") == {}
        assert cat.flags("Ana Lopez") == {pid: PICK}
        assert not profile_path("ana", folder).exists()
        assert load_profile(profile_path("Ana Lopez", folder)).user == "Ana Lopez"
        with pytest.raises(ValueError, match="already"):
            cat.user_id("ben")
            rename_user(cat, "ben", "Ana Lopez", folder)


def test_delete_forgets_the_user_but_keeps_photos_and_scores(tmp_path: Path, photos) -> None:
    folder = tmp_path / "profiles"
    with Catalog(tmp_path / "c.sqlite3") as cat:
        rate_files(cat, "ana", [(photos[0], 4)])
        rate_files(cat, "ben", [(photos[0], 1)])
        save_profile(Profile("ana", NIMA_MOBILENET_AVA.model_id, NIMA_MOBILENET_AVA.sha256),
                     profile_path("ana", folder))
        n_photos = cat.photo_count()
        delete_user(cat, "ana", folder)
        assert cat.users() == ["ben"]
        assert cat.ratings("ana") == {} and len(cat.ratings("ben")) == 1
        assert cat.photo_count() == n_photos
        assert not profile_path("ana", folder).exists()


def test_gui_entry_point_refuses_a_path_that_is_not_a_folder(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path / "nowhere")]) == 2
    assert "not a folder" in capsys.readouterr().err
