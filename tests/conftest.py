"""Shared fixtures: every test gets its own catalog, and real photos when ../shared has them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the package sets it, should a test import torch first

REPO = Path(__file__).resolve().parents[1]
KODAK = REPO.parent / "shared" / "data" / "kodak24"


@pytest.fixture(autouse=True)
def isolated_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the default catalog into the test's tmp dir, so no test touches the user's data."""
    path = tmp_path / "catalog" / "catalog.sqlite3"
    monkeypatch.setenv("AESTHETIC_CURATOR_CATALOG", str(path))
    return path


@pytest.fixture(autouse=True)
def isolated_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Profiles and thumbnails in the test's tmp dir too: no test writes to the user's folders."""
    folder = tmp_path / "profiles"
    monkeypatch.setenv("AESTHETIC_CURATOR_PROFILES", str(folder))
    monkeypatch.setenv("AESTHETIC_CURATOR_CACHE", str(tmp_path / "cache"))
    return folder


@pytest.fixture(scope="session")
def kodak_dir() -> Path:
    if not KODAK.is_dir() or len(list(KODAK.glob("kodim*.png"))) < 24:
        pytest.skip("Kodak24 album (../shared/data/kodak24) not available")
    return KODAK


@pytest.fixture(scope="session")
def kodak_paths(kodak_dir: Path) -> list[Path]:
    return sorted(kodak_dir.glob("kodim*.png"))


@pytest.fixture(scope="session")
def nima():
    """The shipped NIMA model, loaded once per session (read-only use only)."""
    from aesthetic_curator.models import mobilenet_nima

    return mobilenet_nima()


@pytest.fixture(scope="session")
def scorer():
    """A CPU scorer with the shipped model, shared by the tests that only read from it."""
    from aesthetic_curator.scoring import Scorer

    return Scorer.generic(device="cpu", batch_size=16)


@pytest.fixture
def make_window(qtbot, tmp_path: Path):
    """A factory of app windows on private settings, profiles and thumbnails (Qt imported only here)."""
    from PySide6.QtCore import QSettings

    from aesthetic_curator.gui.main_window import MainWindow

    windows = []

    def make() -> MainWindow:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        w = MainWindow(settings=settings, profiles_folder=tmp_path / "profiles", thumbnail_folder=tmp_path / "thumbs")
        qtbot.addWidget(w)
        w.show()
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.close()
