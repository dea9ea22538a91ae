"""The catalog file: where it lives, its journal mode, its schema version and migrations."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from aesthetic_curator.catalog import SCHEMA_VERSION, Catalog, CatalogError, NewScore, default_catalog_path


def test_default_location_follows_the_environment(isolated_catalog):
    assert default_catalog_path() == isolated_catalog
    with Catalog() as cat:
        assert cat.path == isolated_catalog and isolated_catalog.exists()


def test_default_location_is_the_platform_data_dir(monkeypatch):
    from platformdirs import user_data_dir

    monkeypatch.delenv("AESTHETIC_CURATOR_CATALOG")
    assert str(default_catalog_path()).startswith(user_data_dir("aesthetic-curator", appauthor=False))


def test_wal_journal_and_schema_version(tmp_path):
    with Catalog(tmp_path / "c.sqlite3") as cat:
        assert cat.schema_version == SCHEMA_VERSION
    db = sqlite3.connect(tmp_path / "c.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_catalog_from_a_newer_release_is_refused_not_damaged(tmp_path):
    path = tmp_path / "c.sqlite3"
    Catalog(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(CatalogError, match="newer"):
        Catalog(path)


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CatalogError, match="cannot open catalog"):
        Catalog(path)


def _score(path: str, chash: str, mean: float) -> NewScore:
    return NewScore(path, 10, 1, chash, 4, 3, mean, 1.0, np.full(10, 0.1, np.float32), np.ones(8, np.float32))


def test_a_failed_batch_stores_nothing(tmp_path):
    with Catalog(tmp_path / "c.sqlite3") as cat:
        cat.add_scores("m", [_score("/a.jpg", "h1", 5.0)])
        with pytest.raises(sqlite3.IntegrityError):
            cat.add_scores("m", [_score("/b.jpg", "h2", 6.0), _score("/c.jpg", "h3", float("nan"))])  # NaN: NOT NULL
        assert cat.score_count("m") == 1 and cat.photo_count() == 1
        assert set(cat.known_files(["/a.jpg", "/b.jpg"])) == {"/a.jpg"}


def test_scores_are_kept_per_model(tmp_path):
    with Catalog(tmp_path / "c.sqlite3") as cat:
        cat.add_scores("model-a", [_score("/a.jpg", "h1", 5.0)])
        cat.add_scores("model-b", [_score("/a.jpg", "h1", 7.0)])
        pid = cat.known_files(["/a.jpg"])["/a.jpg"].photo_id
        assert cat.scores_for([pid], "model-a")[pid].mean == 5.0
        assert cat.scores_for([pid], "model-b")[pid].mean == 7.0
        assert cat.scored_hashes("model-a") == {"h1": pid}
