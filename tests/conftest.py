"""Shared fixtures: every test gets its own catalog, and real photos when ../shared has them."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]  # tests/test_fixtures.py runs the fixtures below on tests that break them

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the package sets it, should a test import torch first

REPO = Path(__file__).resolve().parents[1]
KODAK = REPO.parent / "shared" / "data" / "kodak24"


#: How long a test's own threads may take to finish after it ends (a worker seeing its cancel
#: between two layers, a decode pool shutting down) before they count as left running.
THREAD_GRACE_S = float(os.environ.get("AESTHETIC_CURATOR_THREAD_GRACE_S", "10"))


def _running_threads() -> set[threading.Thread]:
    # Threads Python did not start (Qt's pool threads that ran Python code) never leave enumerate().
    return {t for t in threading.enumerate() if t.is_alive() and not isinstance(t, threading._DummyThread)}


def _active_qt_timers_and_threads() -> set[int]:
    import gc

    import shiboken6
    from PySide6.QtCore import QThread, QTimer

    # type(), not isinstance(): isinstance asks each object its __class__, which some of torch's
    # deprecated module attributes answer with a warning.
    return {id(o) for o in gc.get_objects()
            if issubclass(type(o), (QTimer, QThread)) and shiboken6.isValid(o)
            and (o.isActive() if issubclass(type(o), QTimer) else o.isRunning())}


@pytest.fixture(autouse=True)
def nothing_left_running(request: pytest.FixtureRequest):
    """Fail a test that leaves a thread, a QThread or an active QTimer behind: the next test (or a
    user's next action) would meet work still running from the last one."""
    threads = _running_threads()
    uses_qt = "qtbot" in request.fixturenames
    timers = _active_qt_timers_and_threads() if uses_qt else set()
    yield
    deadline = time.monotonic() + THREAD_GRACE_S
    while (left := _running_threads() - threads) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not left, f"threads still running after the test: {sorted(t.name for t in left)}"
    if uses_qt:
        from PySide6.QtWidgets import QApplication

        deadline = time.monotonic() + THREAD_GRACE_S
        while (alive := _active_qt_timers_and_threads() - timers) and time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.02)
        assert not alive, f"{len(alive)} Qt timer(s) or thread(s) still running after the test"


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
