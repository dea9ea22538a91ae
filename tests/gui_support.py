"""What the app's tests share besides the ``make_window`` fixture (in conftest.py): making and opening an album."""

from __future__ import annotations

from pathlib import Path

WAIT = 60_000
#: From Cancel to the app showing it stopped. The code bounds it (a cancel stops the network within one layer:
#: aesthetic_curator/interrupt.py), measured under 2 s with every core busy (benchmarks/bench_cancel.py), so this
#: is a hang detector with a 5x margin, not a wait that machine load could exhaust.
CANCEL_WAIT = 10_000


def open_and_score(qtbot, window, folder: Path) -> None:
    """Open ``folder``, wait for its scan and for the personal scores that follow it."""
    with qtbot.waitSignal(window.scanFinished, timeout=WAIT):
        window.open_album(folder)
    qtbot.waitUntil(lambda: "personal" not in window.jobs, timeout=WAIT)


def small_jpegs(paths: list[Path], folder: Path, size: int = 192) -> Path:
    """``paths`` as small JPEGs in ``folder`` (made): real content, quick to score."""
    from PIL import Image

    folder.mkdir()
    for p in paths:
        Image.open(p).convert("RGB").resize((size, size)).save(folder / f"{p.stem}.jpg", quality=90)
    return folder
