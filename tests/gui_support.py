"""What the app's tests share besides the ``make_window`` fixture (in conftest.py): opening an album."""

from __future__ import annotations

from pathlib import Path

WAIT = 60_000


def open_and_score(qtbot, window, folder: Path) -> None:
    """Open ``folder``, wait for its scan and for the personal scores that follow it."""
    with qtbot.waitSignal(window.scanFinished, timeout=WAIT):
        window.open_album(folder)
    qtbot.waitUntil(lambda: "personal" not in window.jobs, timeout=WAIT)
