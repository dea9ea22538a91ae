"""The main window: album grid, viewer and score panel, rating flow, training and status.

The window builds the views and composes the controllers that own each concern: opening and
scanning an album (:mod:`.scanning`), the sort and filter (:mod:`.view_state`), stars and flags
(:mod:`.marks`), personal scores and suggestions (:mod:`.taste`), training (:mod:`.trainer`), users
(:mod:`.users`), culling and export (:mod:`.cull_actions`) and the album watch (:mod:`.album_watch`).
They depend on the narrow protocols of :mod:`.protocols`, not on this class. The album itself, its
photos, scores, groups and the user's marks, is one Qt-free :class:`~aesthetic_curator.album_state.Album`.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..album_state import Album
from ..catalog import Catalog
from .actions import add_action, add_actions
from .album_model import AlbumModel, TableRowRole, ThumbnailDelegate
from .album_watch import AlbumWatch
from .cull_actions import CullActions
from .icon import app_icon
from .jobs import JobRunner
from .marks import MarksController
from .photo_info import rank_lines
from .scanning import AlbumScan
from .taste import TasteController
from .taste_panel import TastePanel
from .trainer import TrainingController
from .users import UsersController, initial_user
from .view_state import ViewState
from .viewer import PhotoLoader, PhotoView, ScorePanel

logger = logging.getLogger(__name__)

ORG, APP = "aesthetic-curator", "Aesthetic Curator"


def _forward(owner: str, attr: str) -> property:
    """The window's name for an attribute a controller owns (kept so callers need not know which one)."""
    return property(lambda self: getattr(getattr(self, owner), attr),
                    lambda self, value: setattr(getattr(self, owner), attr, value))


class MainWindow(QMainWindow):
    """``albumLoaded(n)`` when an album is listed; ``scoresArrived(n)`` as generic scores come;
    ``personalScoresReady(source)`` when personal scores refresh; ``suggestionsReady(paths)``."""

    user = property(lambda self: self.album.user)
    table = _forward("album", "table")
    scores = _forward("album", "scores")
    personal_source = _forward("album", "personal_source")
    jobs = _forward("runner", "jobs")
    pool = _forward("runner", "pool")
    set_stars, set_flag = _forward("marks", "set_stars"), _forward("marks", "set_flag")
    act_advance = _forward("marks", "act_advance")
    sort_box, stars_box = _forward("view_state", "sort_box"), _forward("view_state", "stars_box")
    flag_box, reverse_button = _forward("view_state", "flag_box"), _forward("view_state", "reverse_button")
    apply_view, clear_filters = _forward("view_state", "apply_view"), _forward("view_state", "clear_filters")
    act_suggest, suggestions = _forward("taste", "act_suggest"), _forward("taste", "suggestions")
    suggestions_left, refresh_personal = _forward("taste", "suggestions_left"), _forward("taste", "refresh_personal")
    training, train = _forward("trainer", "training"), _forward("trainer", "train")
    cancel_training, train_config = _forward("trainer", "cancel_training"), _forward("trainer", "train_config")
    training_dialog = _forward("trainer", "training_dialog")
    ratings_at_training = _forward("trainer", "ratings_at_training")
    act_auto_train, offer_button = _forward("trainer", "act_auto_train"), _forward("trainer", "offer_button")
    train_box, train_label = _forward("trainer", "train_box"), _forward("trainer", "train_label")
    train_cancel = _forward("trainer", "train_cancel")
    switch_user, user_label = _forward("users", "switch_user"), _forward("users", "user_label")
    open_album = _forward("scanner", "open_album")

    def __init__(self, catalog_path: Path | None = None, settings: QSettings | None = None,
                 profiles_folder: Path | None = None, thumbnail_folder: Path | None = None):
        super().__init__()
        self.setWindowIcon(app_icon())  # the title bar's, the taskbar's and About's
        self.settings = settings or QSettings(ORG, APP)
        self.catalog_path = catalog_path
        self.catalog = Catalog(catalog_path)
        self.profiles_folder = profiles_folder
        self.album = Album(initial_user(self.settings, self.catalog))
        self.album.load_marks(self.catalog)
        self.runner = JobRunner(self, self._job_failed)
        self.undo = QUndoStack(self)
        self.loader = PhotoLoader(self._photo_loaded, self._photo_failed)
        self.scroll_timer = QTimer(self, singleShot=True, interval=120)
        self.scroll_timer.timeout.connect(self._scrolled)
        self.setWindowTitle(APP)
        self.scan_label = QLabel()
        self._build_views(thumbnail_folder)
        self._build_controllers()
        self._build_status()
        self._restore()
        self.update_user_ui()
        self.taste.refresh_personal()

    # -- construction ---------------------------------------------------------------------------------
    def _build_views(self, thumbnail_folder: Path | None) -> None:
        self.model = AlbumModel(self, thumbnail_folder)
        self.grid = QListView()
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(True)
        self.grid.setLayoutMode(QListView.LayoutMode.Batched)
        self.grid.setBatchSize(500)
        self.grid.setSpacing(2)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.grid.setItemDelegate(ThumbnailDelegate(176, self.grid))
        self.grid.setModel(self.model)
        self.grid.setStyleSheet("QListView { background: #26262a; border: none; }")
        self.grid.selectionModel().currentChanged.connect(self._current_changed)
        self.grid.verticalScrollBar().valueChanged.connect(lambda _: self.scroll_timer.start())
        self.grid.doubleClicked.connect(lambda _: self.act_actual.trigger())
        self.view_state = ViewState(self)

        left = QWidget()
        col = QVBoxLayout(left)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self.view_state.bar())
        col.addWidget(self.grid, 1)

        self.view = PhotoView()
        self.panel = ScorePanel()
        self.taste_panel = TastePanel()
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.view)
        right.addWidget(self.panel)
        right.addWidget(self.taste_panel)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setStretchFactor(2, 0)
        right.setCollapsible(2, True)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)
        self.setAcceptDrops(True)

    def _build_controllers(self) -> None:
        """The menus in their order, each filled by the controller that owns its actions."""
        m = self.menuBar()
        f, e, p, v, t = (m.addMenu(name) for name in ("&File", "&Edit", "&Photo", "&View", "&Taste"))
        open_action = add_action(self, f, "&Open Album…", QKeySequence.StandardKey.Open, lambda: None)
        self.scanner = AlbumScan(self, f.addMenu("Open &Recent"))
        open_action.triggered.connect(self.scanner.choose_album)
        self.albumLoaded, self.scoresArrived = self.scanner.albumLoaded, self.scanner.scoresArrived
        self.scanFinished = self.scanner.scanFinished
        self.watch = AlbumWatch(self, f, self.scanFinished)
        self.scanner.unlisted.connect(self.watch.rescan)
        f.addSeparator()
        add_action(self, f, "&Quit", QKeySequence.StandardKey.Quit, self.close)

        undo = self.undo.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo.createRedoAction(self, "&Redo")
        redo.setShortcuts(QKeySequence.StandardKey.Redo)
        for action, name in ((undo, "Undo"), (redo, "Redo")):
            e.addAction(action)
            action.setProperty("shortcut_name", name)  # its text says what it undoes; the shortcuts list says Undo
            self.addAction(action)
        e.addSeparator()
        add_action(self, e, "Select &All", QKeySequence.StandardKey.SelectAll, lambda: self.grid.selectAll())

        self.taste = TasteController(self, t)
        self.personalScoresReady, self.suggestionsReady = self.taste.personalScoresReady, self.taste.suggestionsReady
        self.marks = MarksController(self, p, self.taste)
        self.marks.written.connect(self._marks_written)
        p.addSeparator()
        add_actions(self, p, [("&Next Photo", "Space", lambda: self.step(1)),
                              ("P&revious Photo", "Shift+Space", lambda: self.step(-1))])
        self.act_actual = add_action(self, p, "View at &100%", "Z", self._toggle_actual, checkable=True)
        p.addAction(self.view.develop_action)  # a RAW's full develop, on demand (the viewer's own action)
        add_actions(self, p, [None, ("&Enhance…", "Ctrl+E", self.enhance,
                                     "Preview a higher-scoring version with saliency, and export it as a new file")])
        self.view_state.fill_menu(v)
        self.trainer = TrainingController(self, t)
        t.addSeparator()
        self.users = UsersController(self, t)
        self.cull = CullActions(self)
        add_actions(self, m.addMenu("&Help"), [("&Keyboard Shortcuts", "F1", self.show_shortcuts),
                                               ("&About", None, self.about)])

    def _build_status(self) -> None:
        self.counts_label = QLabel()
        self.skipped_button = QToolButton()
        self.skipped_button.clicked.connect(self.show_skipped)
        self.skipped_button.hide()
        self.device_label = QLabel("Device: …")
        self.runner.run("device", lambda report, cancel: _device_text(),
                        lambda _: None, lambda text: self.device_label.setText(f"Device: {text}"), light=True)
        sb = self.statusBar()
        for w in (self.scan_label, self.scanner.scan_bar):
            sb.addWidget(w)
        for w in (self.trainer.train_box, self.trainer.offer_button, self.users.user_label, self.counts_label,
                  self.skipped_button, self.device_label):
            sb.addPermanentWidget(w)

    # -- settings and shutdown -------------------------------------------------------------------------
    def _restore(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(QSize(1400, 860))
        state = self.settings.value("splitter")
        if state is not None:
            self.splitter.restoreState(state)
        self.view_state.restore(self.settings)
        self.scanner.update_recent()

    def closeEvent(self, event) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.view_state.save(self.settings)
        self.settings.setValue("user", self.user)
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop every job and wait for the pools (a closing window leaves no thread running)."""
        self.watch.stop()
        for timer in (self.taste.timer, self.scroll_timer, self.view_state.reorder_timer):
            timer.stop()
        self.runner.shutdown(self.model.pool)
        self.catalog.close()

    def _job_failed(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)
        logger.warning(message)

    # -- wiring -----------------------------------------------------------------------------------------
    def album_opened(self, folder: Path) -> None:
        self.setWindowTitle(f"{folder.name} — {APP}")

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            path = Path(url.toLocalFile())
            if path.is_dir():
                self.scanner.open_album(path)
                return

    def _marks_written(self, kind: str) -> None:
        """What follows every stored mark (a key, an undo, keep best, an import)."""
        self.update_counts()
        self.refresh_current_panel()  # "rated it ★★★★" and the ranks, also when the photo stays shown
        if kind == "stars":
            self.trainer.offer_training()
            self.taste.timer.start()  # the personal score and "Your taste" follow within a second
        self.view_state.reorder_if_filtered()

    def update_user_ui(self) -> None:
        self.users.update_user_ui()

    def update_counts(self) -> None:
        c = self.album.table.counts()
        self.counts_label.setText(f"{self.model.rowCount()} shown · {c['photos']} photos · {c['scored']} scored · "
                                  f"{c['rated']} rated · {c['picked']} picked")
        skipped = self.album.skipped
        self.skipped_button.setText(f"{len(skipped)} skipped")
        self.skipped_button.setVisible(bool(skipped))

    # -- the current photo ----------------------------------------------------------------------------
    def _scrolled(self) -> None:
        """After scrolling settles: drop thumbnail requests for rows that left the screen; the
        repaint asks again for the rows now visible."""
        self.model.drop_queued_thumbnails()
        self.grid.viewport().update()

    def current_row(self) -> int | None:
        index = self.grid.currentIndex()
        return index.data(TableRowRole) if index.isValid() else None

    def selected_rows(self) -> list[int]:
        rows = [i.data(TableRowRole) for i in self.grid.selectionModel().selectedIndexes()]
        if not rows and self.current_row() is not None:
            rows = [self.current_row()]
        return rows

    def _current_changed(self, current, previous) -> None:
        if current.isValid() and current.data(TableRowRole) is not None:
            self.refresh_current_panel()
            self._load_current()

    def _load_current(self) -> None:
        """Decode the current photo on a worker: screen-sized to fit, or full resolution for 100%."""
        row = self.current_row()
        if row is not None:
            fit = max(self.view.viewport().width(), self.view.viewport().height(), 512)
            self.loader.load(self.album.table.paths[row], None if self.act_actual.isChecked() else fit)

    def _toggle_actual(self) -> None:
        self.view.set_actual_size(self.act_actual.isChecked())
        self._load_current()

    def _photo_loaded(self, image, info, full) -> None:
        self.view.show_image(image)
        self.panel.show_exif(info)

    def _photo_failed(self, message: str) -> None:
        self.view.message(f"Cannot show this photo:\n{message}")

    def refresh_current_panel(self) -> None:
        row = self.current_row()
        if row is None:
            return
        t = self.album.table
        generic = None if math.isnan(t.generic[row]) else float(t.generic[row])
        personal = None if math.isnan(t.personal[row]) else float(t.personal[row])
        self.panel.show_photo(t.names[row], generic, None if generic is None else float(t.spread[row]),
                              t.distribution[row], personal, rank_lines(t, row, self.user), self.user,
                              self.album.personal_source, int(t.stars[row]))

    def step(self, delta: int) -> None:
        n = self.model.rowCount()
        if not n:
            return
        row = self.grid.currentIndex().row() if self.grid.currentIndex().isValid() else -1
        self.go_to(min(max(row + delta, 0), n - 1))

    def go_to(self, view_row: int) -> None:
        """Make this the one current and selected photo (what keys then act on), and show it."""
        index = self.model.index(view_row)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.grid.selectionModel().setCurrentIndex(index, flags)
        self.grid.scrollTo(index)

    # -- dialogs ------------------------------------------------------------------------------------------
    def enhance(self) -> None:
        row = self.current_row()
        if row is None:
            return
        from .enhance_dialog import EnhanceDialog

        self.enhance_dialog = EnhanceDialog(self, self.album.table.paths[row], self.user, self.profiles_folder,
                                            catalog_path=self.catalog.path, album=self.album.report().scores)
        self.enhance_dialog.exported.connect(lambda _: self.watch.rescan())  # the new file joins the grid
        self.enhance_dialog.show()

    def show_skipped(self) -> None:
        skipped = self.album.skipped
        box = QMessageBox(QMessageBox.Icon.Information, "Skipped files",
                          f"{len(skipped)} file(s) could not be scored.", parent=self)
        box.setDetailedText("\n".join(f"{p}: {reason}" for p, reason in skipped))
        box.exec()

    def show_shortcuts(self) -> None:
        """Help ▸ Keyboard Shortcuts, read from the menus now (so it shows the setting as it is)."""
        from .shortcuts import ShortcutsDialog, advance_note

        self.shortcuts_dialog = ShortcutsDialog(self, self.menuBar(), advance_note(self.act_advance.isChecked()))
        self.shortcuts_dialog.show()

    def about(self) -> None:
        from .. import __version__

        QMessageBox.about(self, f"About {APP}",
                          f"<b>{APP}</b> {__version__}<br>Scores your photos with a generic aesthetic model "
                          "(NIMA, idealo, Apache-2.0) and learns your own taste from your ratings.")


def _device_text() -> str:
    """Which device training and scoring use; run on a worker (importing torch takes a second)."""
    from ..devices import describe, resolve_device

    return describe(resolve_device())
