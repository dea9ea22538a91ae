"""The rating loop in the app (issue 12, point 5): keys that move on as documented, the shortcuts
window, the suggestion counter, rescans, the enhance preview's labels and figures, the side panel's
EXIF and ranks, and progress after Cancel. Driven as a user drives the app (pytest-qt, offscreen)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt

from aesthetic_curator.catalog import PICK, REJECT, Catalog
from aesthetic_curator.gui.album_model import GenericScoreRole, PathRole, StarsRole
from aesthetic_curator.personal.training import TrainConfig

from gui_support import CANCEL_WAIT, WAIT, open_and_score, small_jpegs

README = Path(__file__).resolve().parents[1] / "README.md"
TRAIN_WAIT = 600_000


@pytest.fixture
def small_album(kodak_paths, tmp_path: Path) -> Path:
    """Twelve Kodak photos as small JPEGs: real content, quick to score."""
    return small_jpegs(kodak_paths[:12], tmp_path / "album")


def current_path(window) -> str:
    return window.grid.currentIndex().data(PathRole)


def marks(window, path: str) -> tuple[float | None, int | None]:
    with Catalog(window.catalog.path) as cat:
        pid = cat.photo_id_for_file(path)
        return cat.ratings(window.user).get(pid), cat.flags(window.user).get(pid)


def test_rating_and_flag_keys_advance_as_the_setting_and_the_shortcuts_window_say(qtbot, make_window, small_album):
    window = make_window()
    open_and_score(qtbot, window, small_album)
    assert window.act_advance.isChecked()  # on by default
    window.grid.setFocus()
    window.go_to(0)
    for key, expected in ((Qt.Key.Key_3, (3.0, None)), (Qt.Key.Key_P, (None, PICK)), (Qt.Key.Key_X, (None, REJECT)),
                          (Qt.Key.Key_U, (None, None)), (Qt.Key.Key_0, (None, None))):
        before = window.grid.currentIndex().row()
        path = current_path(window)
        qtbot.keyClick(window.grid, key)
        assert window.grid.currentIndex().row() == before + 1, key  # every rating and flag key moves on
        assert marks(window, path) == expected

    window.act_advance.trigger()  # Photo ▸ Advance After Rating, off
    path = current_path(window)
    for key in (Qt.Key.Key_P, Qt.Key.Key_4):
        qtbot.keyClick(window.grid, key)
        assert current_path(window) == path
    assert marks(window, path) == (4.0, PICK)

    qtbot.keyClick(window.grid, Qt.Key.Key_F1)  # Help ▸ Keyboard Shortcuts, made from the menus
    dialog = window.shortcuts_dialog
    qtbot.waitUntil(dialog.isVisible)
    rows = dialog.rows()
    for row in (("P", "Pick", "Photo"), ("X", "Reject", "Photo"), ("U", "Unflag", "Photo"), ("3", "Rate ★★★", "Photo"),
                ("0", "Clear Rating", "Photo"), ("F5", "Rescan Album", "File"), ("Ctrl+R", "Rate Suggestions", "Taste"),
                ("F1", "Keyboard Shortcuts", "Help")):
        assert row in rows
    assert "Advance After Rating is off" in dialog.note.text()
    documented = readme_shortcuts()
    for keys, action, menu in rows:  # the README lists every shortcut the app has (the first of several)
        if menu != "Grid":
            assert keys.split(", ")[0] in documented, (keys, action)
    dialog.close()
    window.close()

    again = make_window()  # the setting is kept
    assert not again.act_advance.isChecked()


def readme_shortcuts() -> set[str]:
    """The keys listed in the README's "Keyboard shortcuts" section (first column of its table)."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Keyboard shortcuts", 1)[1].split("\n#", 1)[0]
    keys = set()
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells and "`" in cells[0]:
            keys.update(re.findall(r"`([^`]+)`", cells[0]))
    return keys


def test_rate_suggestions_counts_what_is_left(qtbot, make_window, small_album):
    window = make_window()
    open_and_score(qtbot, window, small_album)
    assert window.act_suggest.text() == "&Rate Suggestions"
    window.act_suggest.trigger()
    qtbot.waitUntil(lambda: window.act_suggest.text() == "&Rate Suggestions (10 left)" and bool(window.suggestions),
                    timeout=WAIT)
    first = current_path(window)
    assert first == window.suggestions[0]
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_P)  # a flag during the round: the photo still waits for its stars
    assert current_path(window) == first and window.act_suggest.text().endswith("(10 left)")
    qtbot.keyClick(window.grid, Qt.Key.Key_4)
    qtbot.waitUntil(lambda: window.act_suggest.text() == "&Rate Suggestions (9 left)", timeout=WAIT)
    qtbot.waitUntil(lambda: current_path(window) != first and "suggest" not in window.jobs, timeout=WAIT)
    assert current_path(window) == window.suggestions[0]  # on to the next suggestion
    window.act_suggest.trigger()  # the round stopped: no count
    assert window.act_suggest.text() == "&Rate Suggestions"


@pytest.mark.slow
def test_rescan_and_new_files_found_on_their_own_keep_the_place(qtbot, make_window, small_album, kodak_paths):
    window = make_window()
    open_and_score(qtbot, window, small_album)
    window.grid.setFocus()
    window.go_to(0)
    rated = current_path(window)
    qtbot.keyClick(window.grid, Qt.Key.Key_5)
    looking_at = current_path(window)
    rows = window.model.rowCount()

    new = small_album / "added-by-hand.jpg"
    Image.open(kodak_paths[15]).convert("RGB").resize((192, 128)).save(new, quality=90)
    qtbot.keyClick(window.grid, Qt.Key.Key_F5)  # File ▸ Rescan Album
    qtbot.waitUntil(lambda: window.model.rowCount() == rows + 1, timeout=WAIT)
    qtbot.waitUntil(lambda: "rescan" not in window.jobs, timeout=WAIT)
    assert current_path(window) == looking_at  # still on the photo the user was looking at
    row = window.model.view_row(window.table.row_of(new))
    assert window.model.index(row).data(GenericScoreRole) is not None
    assert window.model.index(window.model.view_row(window.table.row_of(rated))).data(StarsRole) == 5
    assert "1 new" in window.scan_label.text()

    # No key pressed: a photo copied in is found, and a deleted one leaves the grid.
    Image.open(kodak_paths[16]).convert("RGB").resize((192, 128)).save(small_album / "copied-in.jpg", quality=90)
    qtbot.waitUntil(lambda: window.table.row_of(small_album / "copied-in.jpg") is not None, timeout=WAIT)
    assert window.model.rowCount() == rows + 2
    new.unlink()
    qtbot.waitUntil(lambda: window.model.rowCount() == rows + 1 and window.table.row_of(new) is None, timeout=WAIT)
    qtbot.waitUntil(lambda: "rescan" not in window.jobs and "personal" not in window.jobs, timeout=WAIT)
    assert current_path(window) == looking_at


@pytest.fixture
def large_album(kodak_paths, tmp_path: Path) -> Path:
    """A photo as a camera-sized JPEG (a preview that downsized it on its own would score it otherwise)."""
    folder = tmp_path / "large"
    folder.mkdir()
    Image.open(kodak_paths[0]).convert("RGB").resize((1500, 1000), Image.Resampling.BICUBIC).save(
        folder / "big.jpg", quality=92)
    Image.open(kodak_paths[1]).convert("RGB").resize((192, 192)).save(folder / "small.jpg", quality=90)
    return folder


@pytest.mark.slow
def test_enhance_preview_has_before_and_after_the_panels_figure_and_the_export_joins_the_grid(
        qtbot, make_window, large_album):
    window = make_window()
    open_and_score(qtbot, window, large_album)
    big = large_album / "big.jpg"
    window.go_to(window.model.view_row(window.table.row_of(big)))
    panel_generic = re.search(r"Generic score: <b>([\d.]+)</b>", window.panel.scores.text()).group(1)
    window.enhance()
    dialog = window.enhance_dialog
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "Generic score" in dialog.scores.text(), timeout=WAIT)
    assert dialog.before_title.text() == "Before" and dialog.after_title.text() == "After"
    assert dialog.before_title.isVisible() and dialog.after_title.isVisible()
    # The figure the edit starts from is the side panel's for the same photo.
    assert dialog.scores.text().startswith(f"Generic score: {panel_generic} → ")
    dialog.saliency.setChecked(True)
    assert dialog.before_title.text() == "Before: where the score comes from"

    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.scores.text().startswith("Written: "), timeout=WAIT)
    written = Path(dialog.scores.text().removeprefix("Written: "))
    assert written.parent == large_album
    # The new file appears in the grid, scored, without reopening the album.
    qtbot.waitUntil(lambda: window.table.row_of(written) is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: window.model.index(window.model.view_row(window.table.row_of(written)))
                    .data(GenericScoreRole) is not None, timeout=WAIT)
    assert current_path(window) == str(big)
    dialog.close()


@pytest.fixture
def exif_album(tmp_path: Path, kodak_paths) -> Path:
    """Two photos: one whose camera wrote placeholders (aperture and focal length 0, no lens, ISO 0),
    one with real values."""
    folder = tmp_path / "exif"
    folder.mkdir()
    for name, src, aperture, focal in (("placeholders.jpg", kodak_paths[2], 0.0, 0.0),
                                       ("known.jpg", kodak_paths[3], 2.8, 35.0)):
        exif = Image.Exif()
        exif[0x0110] = f"Camera of {name}"
        sub = exif.get_ifd(0x8769)
        sub.update({0x829D: aperture, 0x920A: focal, 0x9003: "2024:05:01 10:22:33", 0x829A: 1 / 250,
                    0xA434: "", 0x8827: 0 if aperture == 0 else 200})
        Image.open(src).convert("RGB").resize((160, 160)).save(folder / name, quality=90, exif=exif)
    return folder


def shown_exif(window) -> dict[str, str]:
    form = window.panel.exif
    return {form.itemAt(r, form.ItemRole.LabelRole).widget().text().rstrip(":"):
            form.itemAt(r, form.ItemRole.FieldRole).widget().text() for r in range(form.rowCount())}


def test_side_panel_hides_unknown_exif_shows_dates_and_says_which_rank(qtbot, make_window, exif_album):
    window = make_window()
    open_and_score(qtbot, window, exif_album)
    window.go_to(window.model.view_row(window.table.row_of(exif_album / "placeholders.jpg")))
    qtbot.waitUntil(lambda: shown_exif(window).get("Camera") == "Camera of placeholders.jpg", timeout=WAIT)
    info = shown_exif(window)
    assert not {"Aperture", "Focal length", "Lens", "ISO"} & set(info), info  # unknown: not "f/0.0", "0 mm"
    assert info["Exposure"] == "1/250 s"
    taken = info["Taken"]
    assert "2024:05:01" not in taken and "2024" in taken and "10:22" in taken, taken

    window.go_to(window.model.view_row(window.table.row_of(exif_album / "known.jpg")))
    qtbot.waitUntil(lambda: shown_exif(window).get("Camera") == "Camera of known.jpg", timeout=WAIT)
    info = shown_exif(window)
    assert (info["Aperture"], info["Focal length"], info["ISO"]) == ("f/2.8", "35 mm", "200")

    text = window.panel.scores.text()
    assert re.search(r"Rank by generic score: [12] of 2", text), text
    assert "Rank in album" not in text
    window.act_advance.trigger()  # stay on the photo: the panel follows the rating at once
    window.set_stars(4)  # now the user's own ranking is there too, named
    text = window.panel.scores.text()
    assert "rated it <b>★★★★</b>" in text and re.search(rf"Rank by {window.user}'s score: \d+ of \d", text), text


def test_cancelled_training_does_not_show_a_full_bar(qtbot, make_window, small_album):
    window = make_window()
    open_and_score(qtbot, window, small_album)
    for r in range(6):
        window.go_to(r)
        window.set_stars(1 + r % 5)
    window.train_config = TrainConfig(epochs=200, batch_size=4, patience=1000)
    window.train()
    dialog = window.training_dialog
    qtbot.waitUntil(lambda: "did not see" in dialog.detail.text(), timeout=TRAIN_WAIT)  # the bar has moved
    dialog.buttons.rejected.emit()  # the dialog's Cancel
    qtbot.waitUntil(lambda: "Cancelled" in dialog.detail.text(), timeout=CANCEL_WAIT)
    assert dialog.bar.text().startswith("Cancelled"), dialog.bar.text()
    assert "100%" not in dialog.bar.text() and dialog.bar.value() < dialog.bar.maximum()
    assert not window.train_box.isVisible()  # the status bar's bar goes away


def test_switch_user_lists_every_user_with_the_current_one_checked(qtbot, make_window, small_album):
    window = make_window()
    open_and_score(qtbot, window, small_album)
    window.set_stars(4)  # the first user now has a rating (and so is in the catalog)
    first = window.user
    with Catalog(window.catalog.path) as cat:
        cat.user_id("Ben")  # another user, made by the CLI meanwhile
    menu = window.users.user_menu
    menu.aboutToShow.emit()  # what opening the menu does
    shown = {a.text(): a.isChecked() for a in menu.actions()}
    assert shown == {first: True, "Ben": False}
    next(a for a in menu.actions() if a.text() == "Ben").trigger()
    qtbot.waitUntil(lambda: window.user == "Ben", timeout=WAIT)
    menu.aboutToShow.emit()
    assert {a.text(): a.isChecked() for a in menu.actions()} == {first: False, "Ben": True}
