"""Camera RAWs in the viewer: the camera's preview at once, a LibRaw develop on demand (on a worker,
never replacing a photo moved to since), and the EXIF a photographer looks at, capture time to the
sub-second. Real DNG files (``dng.py``), driven through the app's window as a user drives it."""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PIL import Image
from PySide6.QtCore import QLocale, Qt, QThreadPool
from PySide6.QtGui import QImage

from aesthetic_curator import imaging, raw
from aesthetic_curator.gui.photo_info import date_text, read_exif
from aesthetic_curator.gui.viewer import DEVELOPED, PREVIEW

from dng import Shot, write_dng
from gui_support import WAIT, open_and_score

TAKEN = dt.datetime(2024, 5, 1, 10, 22, 33)


def scene(height: int, width: int) -> np.ndarray:
    """An upright test photo: smooth gradients (what a develop renders well) and a red block near the
    top-left corner, so a wrong quarter or half turn shows."""
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([40 + 150 * x // width, 40 + 150 * y // height, np.full_like(x, 110)], -1).astype(np.uint8)
    rgb[height // 10:height // 3, width // 10:width // 3] = (220, 40, 40)
    return rgb


def as_array(image: QImage) -> np.ndarray:
    """The RGB pixels of a QImage, (H, W, 3) uint8."""
    im = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(im.constBits(), np.uint8).reshape(im.height(), im.bytesPerLine())
    return rows[:, :3 * im.width()].reshape(im.height(), im.width(), 3).copy()


def test_the_panel_of_a_raw_shows_camera_lens_exposure_and_the_subsecond_capture_time(tmp_path):
    shot = Shot(taken=TAKEN, subsec="25", make="Curator", model="Test Camera", lens="Test 50mm F1.8",
                exposure=(1, 250), fnumber=(28, 10), iso=800, focal=(50, 1))
    info, size = read_exif(write_dng(tmp_path / "a.dng", scene(120, 180), preview=None, orientation=6, shot=shot))
    assert size == (180, 120)
    assert info["Camera"] == "Curator Test Camera"  # make and model: "Test Camera" alone names no maker
    assert (info["Lens"], info["Exposure"], info["Aperture"]) == ("Test 50mm F1.8", "1/250 s", "f/2.8")
    assert (info["ISO"], info["Focal length"]) == ("800", "50 mm")
    assert info["Taken"] == date_text(TAKEN, subsec="25")  # in the user's locale, to the camera's sub-second
    assert date_text(TAKEN, QLocale("C"), "25") == "1 May 2024, 10:22:33.25"
    assert date_text(TAKEN, QLocale("de_DE"), "25") == "1 Mai 2024, 10:22:33,25"
    # A camera that names its maker in the model says it once; a frame without sub-seconds shows none.
    info, _ = read_exif(write_dng(tmp_path / "b.dng", scene(60, 90), preview=None,
                                  shot=Shot(make="Canon", model="Canon EOS R5", subsec=None)))
    assert info["Camera"] == "Canon EOS R5"
    assert info["Taken"] == date_text(TAKEN) and date_text(TAKEN, QLocale("C")) == "1 May 2024, 10:22:33"


@pytest.fixture
def raw_album(tmp_path: Path) -> dict[str, Path]:
    """Two RAWs shot in portrait (stored sideways, orientation 6) with full-size previews (``a`` a mid-size
    one too, which the viewer's fit size takes), a RAW smaller than the viewer (its preview too small
    to fill it), one without a preview, and a JPEG."""
    folder = tmp_path / "album"
    folder.mkdir()
    photos = {}
    for name, (h, w) in (("a", (1200, 1800)), ("b", (900, 1500))):
        stored = np.ascontiguousarray(np.rot90(scene(h, w), 1))  # as the sensor saw it: turned a quarter left
        photos[name] = write_dng(folder / f"{name}.dng", stored, preview=max(h, w), orientation=6,
                                 previews=(1350,) if name == "a" else (),
                                 shot=Shot(taken=TAKEN, subsec="25" if name == "a" else "50"))
    Image.fromarray(scene(300, 400)).save(folder / "c.jpg", quality=90)
    photos["c"] = folder / "c.jpg"
    photos["d"] = write_dng(folder / "d.dng", scene(240, 360), preview=360)
    photos["e"] = write_dng(folder / "e.dng", scene(240, 360), preview=None)
    return photos


def go_to(qtbot, window, path: Path) -> None:
    """Select ``path`` in the grid and wait until the viewer shows it."""
    window.go_to(window.model.view_row(window.table.row_of(path)))
    qtbot.waitUntil(lambda: window.view.image is not None and window.view.image.path == path, timeout=WAIT)


def shown_size(window) -> tuple[int, int]:
    return window.view.pixmap.width(), window.view.pixmap.height()


def test_the_viewer_shows_a_raws_preview_and_develops_it_on_demand_off_the_gui_thread(qtbot, make_window, raw_album):
    heavy = {f.__code__ for f in (raw.develop_raw, raw.decode_raw, imaging.load_photo, raw.raw_size)}
    on_gui: list[str] = []
    gui_thread = threading.get_ident()

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in heavy:
            on_gui.append(frame.f_code.co_name)

    window = make_window()
    open_and_score(qtbot, window, raw_album["a"].parent)
    view = window.view
    sys.setprofile(profile)
    try:
        go_to(qtbot, window, raw_album["a"])
        assert view.image.rendering == PREVIEW and view.rendering_label.text() == "Camera preview"
        assert view.raw_bar.isVisible() and view.develop_button.isVisible() and view.develop_action.isEnabled()
        assert shown_size(window) == (1350, 900)  # the mid-size preview, upright
        qtbot.keyClick(window.grid, Qt.Key.Key_D)  # Develop RAW
        assert view.rendering_label.text() == "Camera preview · Developing…"
        assert not view.develop_action.isEnabled()
        qtbot.waitUntil(lambda: view.image.rendering == DEVELOPED, timeout=WAIT)
        assert view.rendering_label.text() == "Developed by LibRaw" and not view.develop_button.isVisible()
        assert shown_size(window) == (1800, 1200)  # the RAW's full size, upright
        pixels = as_array(view.image).astype(np.float64)
        upright = scene(1200, 1800).astype(np.float64)
        error = np.abs(pixels - upright).mean()
        assert error < 20 and error < np.abs(pixels - upright[::-1, ::-1]).mean() / 2, error
        # 100 % and back: the develop is kept, not redone and not replaced by the preview.
        window.act_actual.trigger()
        qtbot.wait(100)
        assert view.image.rendering == DEVELOPED and shown_size(window) == (1800, 1200)
        window.act_actual.trigger()
    finally:
        sys.setprofile(None)
    assert threading.get_ident() == gui_thread and on_gui == []


def test_a_develop_left_behind_never_replaces_the_photo_moved_to(qtbot, make_window, raw_album):
    window = make_window()
    open_and_score(qtbot, window, raw_album["a"].parent)
    view = window.view
    go_to(qtbot, window, raw_album["b"])
    preview_b = shown_size(window)
    view.develop_action.trigger()
    job = window.loader.developing[0]
    while not job.started:  # the worker has taken the develop; no event is delivered meanwhile
        time.sleep(0.005)
    window.go_to(window.model.view_row(window.table.row_of(raw_album["a"])))  # while b develops
    QThreadPool.globalInstance().waitForDone()  # b's develop has finished: its result waits for delivery
    go_to(qtbot, window, raw_album["a"])
    qtbot.wait(100)
    assert view.image.path == raw_album["a"] and view.image.rendering == PREVIEW
    assert view.rendering_label.text() == "Camera preview" and view.develop_action.isEnabled()
    assert window.loader.developed is None  # b's develop was dropped, not kept for later
    go_to(qtbot, window, raw_album["b"])
    assert view.image.rendering == PREVIEW and shown_size(window) == preview_b


def test_a_jpeg_has_no_develop_nor_a_raw_the_viewer_developed_already(qtbot, make_window, raw_album):
    window = make_window()
    open_and_score(qtbot, window, raw_album["a"].parent)
    view = window.view
    go_to(qtbot, window, raw_album["c"])
    assert view.image.rendering is None and not view.raw_bar.isVisible()
    assert not view.develop_action.isEnabled()
    view.develop_action.trigger()  # disabled: nothing happens (the D key goes to the grid's type-ahead)
    qtbot.wait(100)
    assert window.loader.developing is None and view.image.path == raw_album["c"]
    # A RAW whose preview does not fill the view: the preview all the same, at once; the develop on demand.
    go_to(qtbot, window, raw_album["d"])
    assert view.image.rendering == PREVIEW and view.rendering_label.text() == "Camera preview"
    assert view.develop_action.isEnabled()
    # A RAW without a preview: developed to be shown at all; said so, and nothing more to offer.
    go_to(qtbot, window, raw_album["e"])
    assert view.image.rendering == DEVELOPED and view.rendering_label.text() == "Developed by LibRaw"
    assert view.raw_bar.isVisible() and not view.develop_button.isVisible() and not view.develop_action.isEnabled()


def test_a_damaged_raw_shows_a_placeholder_and_logs_a_line_not_a_traceback(qtbot, make_window, tmp_path, caplog):
    """A card with a file LibRaw cannot read: skipped by the scan, a placeholder in the grid, and in the log one
    line saying why (an expected bad file is not a bug to report with a traceback)."""
    import logging

    from aesthetic_curator.gui.album_model import LoadedRole, PathRole, ThumbnailRole

    folder = tmp_path / "card"
    folder.mkdir()
    write_dng(folder / "good.dng", scene(240, 360), preview=360)
    (folder / "bad.dng").write_bytes(b"\0" * 100)
    caplog.set_level(logging.INFO, logger="aesthetic_curator")
    window = make_window()
    open_and_score(qtbot, window, folder)
    rows = {window.model.index(i).data(PathRole): i for i in range(window.model.rowCount())}
    for i in rows.values():
        window.model.index(i).data(ThumbnailRole)  # ask for both thumbnails, as the view does
    bad = window.table.row_of(folder / "bad.dng")
    qtbot.waitUntil(lambda: bad in window.model._failed and window.model.index(rows[str(folder / "good.dng")])
                    .data(LoadedRole), timeout=WAIT)
    assert window.model.index(rows[str(folder / "bad.dng")]).data(ThumbnailRole) is None  # the placeholder
    assert [p.name for p, _ in window.album.skipped] == ["bad.dng"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("bad.dng" in r.getMessage() and "LibRaw" in r.getMessage() for r in caplog.records)
