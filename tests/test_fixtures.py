"""The guard every test runs under: a test that leaves work running fails, and says what."""

from __future__ import annotations

from pathlib import Path

CONFTEST = Path(__file__).with_name("conftest.py")


def run_under_our_conftest(pytester, body: str):
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(test_left_running=body)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")


def test_a_thread_left_running_fails_the_test_that_started_it(pytester, monkeypatch):
    monkeypatch.setenv("AESTHETIC_CURATOR_THREAD_GRACE_S", "0.5")
    result = run_under_our_conftest(pytester, """
import threading

stop = threading.Event()

def test_leaves_a_thread():
    threading.Thread(target=stop.wait, name="forgotten-worker", daemon=True).start()

def test_after_it():
    stop.set()
""")
    result.assert_outcomes(passed=2, errors=1)
    assert "threads still running after the test: ['forgotten-worker']" in result.stdout.str()


def test_an_active_qt_timer_left_behind_fails_the_test(pytester, monkeypatch):
    monkeypatch.setenv("AESTHETIC_CURATOR_THREAD_GRACE_S", "0.5")
    result = run_under_our_conftest(pytester, """
from PySide6.QtCore import QTimer

kept = []

def test_leaves_a_timer(qtbot):
    timer = QTimer()
    timer.start(60_000)
    kept.append(timer)

def test_stops_its_timer(qtbot):
    timer = QTimer()
    timer.start(60_000)
    timer.stop()
""")
    result.assert_outcomes(passed=2, errors=1)
    assert "1 Qt timer(s) or thread(s) still running after the test" in result.stdout.str()
