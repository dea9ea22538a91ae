"""The groups, xmp and export commands, as a user types them."""

from __future__ import annotations

import json

import pytest

from aesthetic_curator.catalog import PICK, REJECT, Catalog
from aesthetic_curator.cli import main
from aesthetic_curator.evaluation.bursts import make_burst_album


@pytest.fixture
def album(tmp_path, kodak_paths):
    folder = tmp_path / "album"
    make_burst_album(folder, kodak_paths[:8], every=4, takes=2)  # kodim01 and kodim05 with two takes each
    return folder


def test_groups_lists_bursts_and_keep_best_marks_them(album, capsys, isolated_catalog):
    assert main(["groups", str(album), "--json", "-q"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert sorted(len(g["photos"]) for g in doc["groups"]) == [3, 3]
    assert {p["path"].split("/")[-1].split("_")[0].removesuffix(".jpg") for g in doc["groups"]
            for p in g["photos"]} == {"kodim01", "kodim05"}

    assert main(["groups", str(album), "--keep-best", "-q"]) == 2  # whose flags? needs --user
    assert main(["groups", str(album), "--keep-best", "--user", "ana", "-q"]) == 0
    with Catalog(isolated_catalog) as catalog:
        flags = list(catalog.flags("ana").values())
    assert sorted(flags) == [REJECT] * 4 + [PICK] * 2


def test_xmp_write_then_import_into_a_fresh_catalog(album, tmp_path, monkeypatch, capsys):
    photo = album / "kodim02.jpg"
    assert main(["rate", "--user", "ana", "4", str(photo)]) == 0
    assert main(["xmp", "write", str(album), "--user", "ana", "--style", "lightroom", "-q"]) == 0
    assert (album / "kodim02.xmp").is_file()
    assert len(list(album.glob("*.xmp"))) == 1  # unrated photos get no sidecar

    fresh = tmp_path / "fresh.sqlite3"
    monkeypatch.setenv("AESTHETIC_CURATOR_CATALOG", str(fresh))
    assert main(["xmp", "import", str(album), "--user", "ben", "--style", "lightroom", "-q"]) == 0
    assert "imported 1 star rating(s)" in capsys.readouterr().err
    with Catalog(fresh) as catalog:
        assert list(catalog.ratings("ben").values()) == [4.0]


def test_export_copies_the_top_photos_without_overwriting(album, tmp_path, capsys):
    dest = tmp_path / "best"
    assert main(["export", str(album), str(dest), "--top", "2", "-q", "--report", str(tmp_path / "r.json")]) == 0
    first = sorted(p.name for p in dest.glob("*.jpg"))
    assert len(first) == 2
    assert main(["export", str(album), str(dest), "--top", "2", "-q"]) == 0
    assert len(list(dest.glob("*.jpg"))) == 4 and all((dest / n).exists() for n in first)
    assert len(json.loads((tmp_path / "r.json").read_text())) == 2
    assert main(["export", str(album), str(dest), "--picks", "-q"]) == 2  # whose picks? needs --user
    assert "give --user" in capsys.readouterr().err
