"""The desktop app, driven as a user drives it (pytest-qt, offscreen)."""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt

from aesthetic_curator import album, imaging, scoring, thumbnails
from aesthetic_curator.catalog import PICK, Catalog
from aesthetic_curator.gui.album_model import GenericScoreRole, PathRole, StarsRole
from aesthetic_curator.gui.main_window import MainWindow
from aesthetic_curator.personal import service, taste, training
from aesthetic_curator.personal.profile import profile_path
from aesthetic_curator.personal.training import TrainConfig
from aesthetic_curator.scoring import ScanReport

from gui_support import CANCEL_WAIT, open_and_score, small_jpegs

WAIT = 60_000
TRAIN_WAIT = 600_000  # a training on a loaded 2-core CPU: minutes, never a hang


def shown_taste(window: MainWindow) -> str:
    return window.taste_panel.text.text()


def core_taste_text(window: MainWindow) -> str:
    """What the core says of the window's user now (profile included): the app must say exactly this."""
    with Catalog(window.catalog.path) as cat:
        profile = service.load_user_profile(window.user, folder=window.profiles_folder)
        model, _ = service.user_taste(cat, window.user, profile=profile)
    return taste.describe(model.agreement)


@pytest.fixture
def small_album(kodak_paths, tmp_path: Path) -> Path:
    """Twelve Kodak photos as small JPEGs: real content, quick to score."""
    return small_jpegs(kodak_paths[:12], tmp_path / "album")


def test_opening_kodak24_shows_24_items_and_scores_arrive(qtbot, qtmodeltester, make_window, kodak_dir):
    window = make_window()
    arrived = []
    window.scoresArrived.connect(arrived.append)
    with qtbot.waitSignal(window.albumLoaded, timeout=WAIT) as listed:
        window.open_album(kodak_dir)
    assert listed.args == [24]
    assert window.model.rowCount() == 24
    qtbot.waitSignal(window.scanFinished, timeout=WAIT).wait()
    assert arrived and arrived[-1] == 24
    scores = [window.model.index(r).data(GenericScoreRole) for r in range(24)]
    assert all(s is not None and 1 <= s <= 10 for s in scores)
    assert scores == sorted(scores, reverse=True)  # default sort: generic score, best first
    qtmodeltester.check(window.model)
    qtbot.waitUntil(lambda: window.model.index(0).data(Qt.ItemDataRole.UserRole + 7), timeout=WAIT)  # thumbnail


def test_keyboard_rating_is_stored_at_once_and_survives_a_restart(qtbot, make_window, small_album):
    window = make_window()
    open_and_score(qtbot, window, small_album)
    window.grid.setFocus()
    window.go_to(0)
    path = window.model.index(0).data(PathRole)
    qtbot.keyClick(window.grid, Qt.Key.Key_4)
    with Catalog() as cat:
        pid = cat.photo_id_for_file(path)
        assert cat.ratings(window.user) == {pid: 4.0}
    window.go_to(window.model.view_row(window.table.row_of(path)))
    qtbot.keyClick(window.grid, Qt.Key.Key_P)
    with Catalog() as cat:
        assert cat.flags(window.user) == {pid: PICK}
    qtbot.keyClick(window.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the pick
    with Catalog() as cat:
        assert cat.flags(window.user) == {}
        assert cat.ratings(window.user) == {pid: 4.0}
    user = window.user
    window.close()

    again = make_window()
    assert again.user == user
    open_and_score(qtbot, again, small_album)
    row = again.model.view_row(again.table.row_of(path))
    assert again.model.index(row).data(StarsRole) == 4


def test_rate_suggestions_follow_active_pam(qtbot, make_window, small_album):
    window = make_window()
    open_and_score(qtbot, window, small_album)
    with qtbot.waitSignal(window.suggestionsReady, timeout=WAIT) as first:
        window.act_suggest.trigger()
    report = ScanReport(scores=list(window.scores.values()))
    with Catalog() as cat:
        expected = [str(s.path) for s in service.suggest_photos(cat, window.user, report, 10, seed=0)]
    assert first.args[0] == expected
    assert window.grid.currentIndex().data(PathRole) == expected[0]
    assert window.user_label.text().startswith("Rate suggestions: 10 of 10 left")
    window.grid.setFocus()
    with qtbot.waitSignal(window.suggestionsReady, timeout=WAIT) as second:
        qtbot.keyClick(window.grid, Qt.Key.Key_5)
    assert window.user_label.text().startswith("Rate suggestions: 9 of 10 left")  # counts down at once
    with Catalog() as cat:
        assert len(cat.ratings(window.user)) == 1
        expected = [str(s.path) for s in service.suggest_photos(cat, window.user, report, 9, seed=1)]
    assert second.args[0] == expected  # the rest of the round, picked again with the new rating
    assert expected[0] != first.args[0][0]  # the rated photo is never suggested again
    assert window.grid.currentIndex().data(PathRole) == expected[0]
    for _ in range(9):  # the round ends when its last suggested photo is rated
        path = window.grid.currentIndex().data(PathRole)
        with qtbot.waitSignal(window.suggestionsReady, timeout=WAIT) if window.suggestions_left() > 1 else _nothing():
            qtbot.keyClick(window.grid, Qt.Key.Key_3)
        assert path not in window.suggestions
    assert window.suggestions_left() == 0 and not window.act_suggest.isChecked()
    assert "Rate suggestions" not in window.user_label.text()
    assert "You rated all 10 suggested photos" in window.statusBar().currentMessage()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def rate_some(window: MainWindow, n: int) -> None:
    for r in range(n):
        window.go_to(r)
        window.set_stars(1 + r % 5)


@pytest.mark.slow
def test_learn_my_taste_trains_with_progress_and_refreshes_scores(qtbot, make_window, small_album):
    window = make_window()
    open_and_score(qtbot, window, small_album)
    rate_some(window, 6)
    window.train_config = TrainConfig(epochs=1, batch_size=4)
    window.train()
    dialog = window.training_dialog
    assert dialog.isVisible() and window.train_box.isVisible()
    seen = []  # what the dialog said and how far its bar was, report by report (on the GUI thread)
    show = dialog.show_progress
    dialog.show_progress = lambda t: (seen.append((t.text, t.value, t.maximum)), show(t))
    qtbot.waitUntil(lambda: dialog.done_, timeout=TRAIN_WAIT)
    assert "Done" in dialog.detail.text(), dialog.detail.text()
    assert profile_path(window.user, window.profiles_folder).is_file()
    assert not window.train_box.isVisible()
    texts = [t for t, _, _ in seen]
    assert any(t.startswith("Reading the rated photos") for t in texts)
    for run in (1, 2, 3):  # the cross-validation runs, then the final one, as the user reads them
        assert any(f"ratings they did not see: run {run} of 3" in t for t in texts), texts
    epochs = [v for t, v, _ in seen if "epoch" in t or t.startswith(("Final", "Saving"))]
    assert epochs == list(range(1, len(epochs) + 1)) and len(epochs) >= 3, seen  # 3 checks, then the final run

    # The personal scores refresh on their own; the figure the app shows is the core's, computed here.
    qtbot.waitUntil(lambda: "personal" not in window.jobs, timeout=WAIT)
    expected = core_taste_text(window)
    assert shown_taste(window) == expected
    assert expected in dialog.detail.text() and "Adapters (1 epoch of training): " in dialog.detail.text()
    with Catalog(window.catalog.path) as cat:
        album_scores = service.personal_scores(cat, window.user, window.album.report(),
                                               folder=window.profiles_folder)
    assert window.personal_source == album_scores.source  # whatever the cross-validation chose
    assert taste.describe(album_scores.agreement) == shown_taste(window)
    personal = window.table.personal
    assert np.isfinite(personal).all()


def test_cancel_training_keeps_the_previous_profile(qtbot, make_window, small_album):
    window = make_window()
    open_and_score(qtbot, window, small_album)
    rate_some(window, 6)
    window.train_config = TrainConfig(epochs=1, batch_size=4)
    window.train()
    first = window.training_dialog
    qtbot.waitUntil(lambda: "Done in" in first.detail.text(), timeout=TRAIN_WAIT)  # a real previous profile
    first.buttons.rejected.emit()  # Close
    path = profile_path(window.user, window.profiles_folder)
    before = path.read_bytes()

    window.train_config = TrainConfig(epochs=200, batch_size=4, patience=1000)
    window.train()
    dialog = window.training_dialog
    # Wait on what the user sees, not with waitSignal on the job's progress: that signal comes
    # from a worker thread many times over, and PySide (6.12) still delivers the already-queued
    # emissions to a waitSignal blocker after it has disconnected and been freed (a segfault).
    qtbot.waitUntil(lambda: "Reading the rated photos:" in dialog.detail.text()
                    or "did not see" in dialog.detail.text(), timeout=WAIT)
    dialog.buttons.rejected.emit()  # the dialog's Cancel
    assert "Stopping" in dialog.detail.text() and "Stopping" in window.train_label.text()
    # However loaded the machine, the worker stops within one layer of the network: no long wait needed.
    qtbot.waitUntil(lambda: "Cancelled" in dialog.detail.text(), timeout=CANCEL_WAIT)
    assert not window.training() and not window.train_box.isVisible()
    assert path.read_bytes() == before


def test_sorting_and_filters_change_the_visible_order(qtbot, make_window, small_album):
    window = make_window()
    open_and_score(qtbot, window, small_album)

    def names() -> list[str]:
        return [Path(window.model.index(r).data(PathRole)).name for r in range(window.model.rowCount())]

    by_score = names()
    window.sort_box.setCurrentIndex(window.sort_box.findData("name"))
    assert names() == sorted(by_score)
    window.reverse_button.setChecked(True)
    assert names() == sorted(by_score, reverse=True)
    window.reverse_button.setChecked(False)
    window.sort_box.setCurrentIndex(window.sort_box.findData("generic"))
    assert names() == by_score

    for r, stars in ((0, 5), (3, 2)):
        window.go_to(r)
        window.set_stars(stars)
    rated = {by_score[0], by_score[3]}
    window.stars_box.setCurrentIndex(1)  # one star and up
    assert set(names()) == rated
    window.stars_box.setCurrentIndex(3)  # three stars and up
    assert names() == [by_score[0]]
    window.clear_filters()
    window.go_to(1)
    window.set_flag(-1)
    window.flag_box.setCurrentIndex(window.flag_box.findData("hide"))
    assert by_score[1] not in names() and len(names()) == len(by_score) - 1


def test_the_gui_thread_never_scores_decodes_scans_or_trains(qtbot, make_window, small_album):
    """Every heavy core function must run on a worker: a profiler on the GUI thread alone records
    any call to them while the user opens an album, browses, rates and trains."""
    import torch

    heavy = {f.__code__ for f in (scoring.score_album, scoring.Scorer.__call__, imaging.decode, imaging.load_photo,
                                  album.find_photos, thumbnails.thumbnail, training.train_personal,
                                  service.train_user, service.personal_scores, service.suggest_photos,
                                  service.agreement_curve, service.user_taste, taste.fit_taste, taste.describe,
                                  torch.load, torch.save, torch.nn.Module.__call__)}
    seen: list[str] = []
    gui_thread = threading.get_ident()

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in heavy:
            seen.append(frame.f_code.co_name)

    window = make_window()
    sys.setprofile(profile)
    try:
        open_and_score(qtbot, window, small_album)
        for r in range(3):
            window.go_to(r)
            qtbot.wait(50)
        rate_some(window, 6)
        window.act_suggest.trigger()
        qtbot.waitUntil(lambda: "suggest" not in window.jobs, timeout=WAIT)
        window.train_config = TrainConfig(epochs=1, batch_size=4)
        window.train()
        qtbot.waitUntil(lambda: not window.training() and "personal" not in window.jobs, timeout=TRAIN_WAIT)
        assert "Done" in window.training_dialog.detail.text()
        assert shown_taste(window).startswith("From your 6 ratings")
    finally:
        sys.setprofile(None)
    assert threading.get_ident() == gui_thread
    assert seen == []


def test_undo_and_redo_of_stars_write_the_catalog(qtbot, make_window, small_album):
    window = make_window()
    open_and_score(qtbot, window, small_album)
    window.go_to(2)
    pid = int(window.table.photo_id[window.current_row()])
    window.set_stars(3)
    window.go_to(2)
    window.set_stars(5)

    def stars():
        with Catalog() as cat:
            return cat.ratings(window.user).get(pid)

    assert stars() == 5
    window.undo.undo()
    assert stars() == 3
    window.undo.undo()
    assert stars() is None
    window.undo.redo()
    assert stars() == 3
    assert window.model.index(window.model.view_row(window.table.rows_of_photo(pid)[0])).data(StarsRole) == 3


def test_each_user_has_their_own_ratings_and_deleting_one_keeps_the_others(qtbot, make_window, small_album,
                                                                            monkeypatch):
    window = make_window()
    open_and_score(qtbot, window, small_album)
    first = window.user
    window.go_to(0)
    window.set_stars(4)
    window.switch_user("Ben")
    assert window.user == "Ben" and window.table.counts()["rated"] == 0
    window.go_to(1)
    window.set_stars(2)
    window.switch_user(first)
    assert window.table.counts()["rated"] == 1
    with Catalog() as cat:
        assert sorted(cat.users()) == sorted([first, "Ben"])
        assert list(cat.ratings(first).values()) == [4.0] and list(cat.ratings("Ben").values()) == [2.0]

    from PySide6.QtWidgets import QMessageBox

    window.switch_user("Ben")
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)
    window.users.delete_user()  # Taste ▸ Delete User…, answered Yes
    qtbot.waitUntil(lambda: window.user == first, timeout=WAIT)
    assert window.table.counts()["rated"] == 1 and "Ben" not in window.user_label.text()
    with Catalog() as cat:
        assert cat.users() == [first] and cat.ratings("Ben") == {}


def test_a_mark_the_catalog_refuses_is_said_and_not_kept_for_undo(qtbot):
    """The marks' undo command needs only a writer (a protocol), not the window."""
    import sqlite3

    from PySide6.QtGui import QUndoStack

    from aesthetic_curator.gui.marks import MarkCommand

    class Writer:
        def __init__(self):
            self.written, self.failed = [], []

        def write_marks(self, kind, values):
            if 2 in values:
                raise sqlite3.OperationalError("database is locked")
            self.written.append((kind, values))

        def write_failed(self, exc):
            self.failed.append(str(exc))

    stack, writer = QUndoStack(), Writer()
    stack.push(MarkCommand(writer, "stars", [1], 4, {1: None}, "Rate 4"))
    stack.undo()
    stack.redo()
    assert writer.written == [("stars", {1: 4}), ("stars", {1: None}), ("stars", {1: 4})]
    stack.push(MarkCommand(writer, "flag", [2], PICK, {2: None}, "Pick"))
    assert writer.failed == ["database is locked"]
    assert stack.undoText() == "Rate 4"  # the refused one is not offered for undo


def open_enhance(qtbot, window: MainWindow, row: int):
    """Photo ▸ Enhance… on ``row``: the dialog, and the scores (before, after) of its first preview."""
    window.go_to(row)
    window.enhance()
    dialog = window.enhance_dialog
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.previewReady, timeout=WAIT) as ready:
        pass
    return (dialog, *ready.args)


@pytest.mark.slow
def test_enhance_preview_and_export(qtbot, make_window, small_album):
    window = make_window()
    open_and_score(qtbot, window, small_album)
    path = Path(window.model.index(0).data(PathRole))
    before_bytes = path.read_bytes()
    dialog, s0, s1 = open_enhance(qtbot, window, 0)
    assert s1 > s0
    assert "Generic score" in dialog.scores.text() and "predicted stars" not in dialog.scores.text()
    dialog.saliency.setChecked(True)
    with qtbot.waitSignal(dialog.exported, timeout=WAIT) as written:
        dialog.export_button.click()
    out = Path(written.args[0])
    assert out.is_file() and out != path and out.parent == path.parent
    assert path.read_bytes() == before_bytes
    dialog.close()


@pytest.mark.slow
def test_enhance_follows_the_score_the_panel_uses_not_any_trained_profile(qtbot, make_window, small_album):
    window = make_window()
    open_and_score(qtbot, window, small_album)
    rate_some(window, 6)
    with Catalog(window.catalog.path) as cat:
        service.train_user(cat, window.user, config=TrainConfig(epochs=1, batch_size=4),
                           folder=window.profiles_folder)
    window.refresh_personal()
    qtbot.waitUntil(lambda: "personal" not in window.jobs, timeout=WAIT)
    # Six ratings with no pattern: nothing learnt (the adapters included) beats the generic ranking.
    assert window.album.personal_source == "generic"
    dialog, s0, s1 = open_enhance(qtbot, window, 0)
    text = dialog.scores.text()
    assert s1 > s0  # the generic score, which the edit followed, and the user's stars beside it
    assert text.startswith(f"Generic score: {s0:.2f}") and f"{window.user}'s predicted stars" in text
    assert "generic ranking on your star scale" in dialog.follows.text()
    panel = re.search(r"\(predicted ([\d.]+)\)", window.panel.scores.text()).group(1)
    assert re.search(r"predicted stars: ([\d.]+) →", text).group(1) == panel  # the side panel's figure
    dialog.close()


def test_bursts_stack_keep_best_undo_import_and_export(qtbot, make_window, kodak_paths, tmp_path):
    """The culling flow: find bursts, see one per stack, keep the best (undoable), import ratings
    from sidecars, and export the picks with the dialog."""
    from aesthetic_curator.evaluation.bursts import make_burst_album
    from aesthetic_curator.gui.album_model import GroupRole
    from aesthetic_curator.xmp import update_sidecar

    folder = tmp_path / "bursts"
    make_burst_album(folder, kodak_paths[:8], every=4, takes=2)  # 8 shots, 2 of them with 2 more takes
    window = make_window()
    open_and_score(qtbot, window, folder)
    assert window.model.rowCount() == 12

    with qtbot.waitSignal(window.cull.groupsFound, timeout=WAIT) as found:
        window.cull.act_find.trigger()
    assert found.args == [2]
    assert window.cull.act_stack.isChecked() and window.model.rowCount() == 8  # one per stack
    bests = [i for i in range(window.model.rowCount()) if window.model.index(i).data(GroupRole)]
    assert [window.model.index(i).data(GroupRole) for i in bests] == [(3, True), (3, True)]

    window.go_to(bests[0])
    window.cull.toggle_expanded()
    assert window.model.rowCount() == 10
    window.cull.keep_best(only_current=False)
    with Catalog() as cat:
        flags = sorted(cat.flags(window.user).values())
    assert flags == [-1] * 4 + [PICK] * 2
    window.undo.undo()
    with Catalog() as cat:
        assert cat.flags(window.user) == {}
    window.undo.redo()

    update_sidecar(folder / "kodim02.jpg", "darktable", stars=4, flag=0, user="lightroom")
    with qtbot.waitSignal(window.cull.ratingsImported, timeout=WAIT) as imported:
        window.cull.import_ratings()
    assert imported.args == [1]
    row = window.table.row_of(folder / "kodim02.jpg")
    assert window.table.stars[row] == 4
    window.undo.undo()  # the import is one undoable step, like any rating
    assert window.table.stars[row] == 0
    window.undo.redo()
    assert window.table.stars[row] == 4
    window.undo.undo()
    window.undo.undo()  # and the keep-best step before it is still there
    with Catalog() as cat:
        assert cat.flags(window.user) == {}
    window.undo.redo()
    window.undo.redo()

    window.cull.export()
    dialog = window.cull.dialog
    assert dialog.count.text() == "2 photo(s) match"
    dest = tmp_path / "picks"
    dialog.dest.setText(str(dest))
    with qtbot.waitSignal(dialog.finished_export, timeout=WAIT) as exported:
        dialog.go.click()
    assert exported.args == [2]
    assert len(list(dest.glob("*.jpg"))) == 2 and len(list(dest.glob("*.jpg.xmp"))) == 2
    assert (dest / "export-report.csv").is_file()
    assert len(list(folder.glob("*.jpg"))) == 12  # copied, not moved
