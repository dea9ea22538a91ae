"""The main window: album grid, viewer and score panel, rating flow, training and status.

The window wires widgets and jobs; the work itself is core functions (``browse``, ``scoring``,
``personal.service``) run by :mod:`.workers` jobs, so the GUI thread only updates views. Ratings
and flags are written to the catalog the moment they are given (a few milliseconds on this
thread), through undoable commands.
"""

from __future__ import annotations

import getpass
import logging
import math
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QItemSelectionModel, QSettings, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListView,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..browse import SORT_KEYS, SORT_LABELS, Filter, PhotoTable, capture_time, list_album
from ..catalog import PICK, REJECT, Catalog
from ..scoring import PhotoScore, Progress, ScanReport
from .album_model import AlbumModel, TableRowRole, ThumbnailDelegate
from .icon import app_icon
from .photo_info import rank_lines
from .plots import ScoreHistogram
from .taste_panel import TastePanel, short_taste
from .training_dialog import TrainingDialog, TrainingTracker
from .viewer import PhotoLoader, PhotoView, ScorePanel
from .workers import Job, clear_queued, start

logger = logging.getLogger(__name__)

ORG, APP = "aesthetic-curator", "Aesthetic Curator"
MAX_RECENT = 8
TRAIN_OFFER_EVERY = 10  # new ratings after which the adapters are retrained (or "Learn my taste" offered)
SUGGEST_BATCH = 10  # photos one round of "Rate Suggestions" asks for


@dataclass
class TasteReport:
    """What one personal refresh found (made by a worker): the album's personal scores (None without
    an album), the agreement and ``describe(agreement)``, and the agreement curve."""

    user: str
    album: ScanReport
    scores: object | None  # service.PersonalScores
    agreement: object | None  # taste.Agreement; None: no rated photo with a generic score
    text: str | None
    adapters_stale: bool
    curve: list


def taste_report(catalog_path: Path, user: str, album: ScanReport, folder: Path | None, report, cancel
                 ) -> TasteReport:
    """The personal refresh (on a worker): personal scores of the album (milliseconds, or a cached scan by
    the personal network when the adapters are the adopted method), what the core says of them, and the
    agreement curve. Without an album, the user's taste alone (it is the same in every album)."""
    from ..personal.service import agreement_curve, load_user_profile, personal_scores, user_taste
    from ..personal.taste import describe

    with Catalog(catalog_path) as cat:
        if album.scores:
            scores = personal_scores(cat, user, album, folder=folder, cancel=cancel, progress=report)
            agreement, stale = scores.agreement, scores.adapters_stale
        else:
            scores = None
            profile = load_user_profile(user, folder=folder)
            taste, _ = user_taste(cat, user, profile=profile, folder=folder)
            agreement = taste.agreement if taste is not None else None
            stale = (agreement is not None and profile is not None and profile.personal_state is not None
                     and bool(profile.oof) and "adapters" not in agreement.candidates)  # as personal_scores
        curve = agreement_curve(cat, user, now=agreement) if agreement is not None else []
    return TasteReport(user, album, scores, agreement, describe(agreement) if agreement is not None else None,
                       stale, curve)


class MarkCommand(QUndoCommand):
    """Stars or a flag given to some photos; undo puts back what each had."""

    def __init__(self, window: MainWindow, kind: str, photo_ids: list[int], new, old: dict[int, object], text: str):
        super().__init__(text)
        self.window, self.kind, self.photo_ids, self.new, self.old = window, kind, photo_ids, new, old

    def redo(self) -> None:  # ``new``: one value for all, or a value per photo ("keep best, reject rest")
        self._write(dict(self.new) if isinstance(self.new, dict) else {pid: self.new for pid in self.photo_ids})

    def undo(self) -> None:
        self._write(dict(self.old))

    def _write(self, values: dict[int, object]) -> None:
        try:
            self.window.write_marks(self.kind, values)
        except sqlite3.Error as exc:
            self.setObsolete(True)  # not stored: the undo stack must not pretend it was
            self.window.write_failed(exc)


class MainWindow(QMainWindow):
    """``albumLoaded(n)`` when an album is listed; ``scoresArrived(n)`` as generic scores come;
    ``personalScoresReady(source)`` when personal scores refresh; ``suggestionsReady(paths)``."""

    albumLoaded = Signal(int)
    scoresArrived = Signal(int)
    scanFinished = Signal()
    personalScoresReady = Signal(str)
    suggestionsReady = Signal(list)

    def __init__(self, catalog_path: Path | None = None, settings: QSettings | None = None,
                 profiles_folder: Path | None = None, thumbnail_folder: Path | None = None):
        super().__init__()
        self.setWindowIcon(app_icon())  # the title bar's, the taskbar's and About's
        self.settings = settings or QSettings(ORG, APP)
        self.catalog_path = catalog_path
        self.catalog = Catalog(catalog_path)
        self.profiles_folder = profiles_folder
        # Heavy jobs (scan, training, adapter scores) and light ones (PAM, suggestions, dates) on
        # separate pools, so a long scan never makes a suggestion wait.
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.light_pool = QThreadPool(self)
        self.light_pool.setMaxThreadCount(2)
        # Personal refreshes on a thread of their own: they follow every rating within about a second,
        # so they never wait behind a scan or a training.
        self.personal_pool = QThreadPool(self)
        self.personal_pool.setMaxThreadCount(1)
        self.table = PhotoTable([])
        self.scores: dict[str, PhotoScore] = {}
        self.album: Path | None = None
        self.skipped: list[tuple[Path, str]] = []
        self.personal_source: str | None = None
        self.agreement = None  # taste.Agreement of the score the user sees (None: not known yet)
        self.taste_text: str | None = None  # taste.describe(agreement), made by the worker
        self.jobs: dict[str, Job] = {}
        self.undo = QUndoStack(self)
        self.user = self._initial_user()
        self.ratings_at_training = self._ratings_at_training(self.user)
        self.auto_snoozed_at = -TRAIN_OFFER_EVERY  # ratings when an automatic training was cancelled
        self.suggestions: list[str] = []
        self.suggest_target = 0  # photos this round of suggestions asks for
        self.suggest_seen: set[str] = set()  # every photo suggested in this round
        self.train_config = None  # training.TrainConfig; None: the defaults
        self.train_auto = False  # the running training started by itself (nobody asked to watch it)
        self.training_for = ""
        self.training_started_with = 0  # the user's ratings when the running training started
        self.train_tracker: TrainingTracker | None = None
        self.training_dialog: TrainingDialog | None = None
        self._after_training: list = []  # user actions waiting for a training to stop
        self.loader = PhotoLoader(self._photo_loaded, self._photo_failed)
        self.personal_timer = QTimer(self, singleShot=True, interval=400)
        self.personal_timer.timeout.connect(self.refresh_personal)
        self.scroll_timer = QTimer(self, singleShot=True, interval=120)
        self.scroll_timer.timeout.connect(self._scrolled)

        self.setWindowTitle(APP)
        self._build_views(thumbnail_folder)
        self._build_actions()
        self._build_status()
        self._restore()
        self._update_user_ui()
        self.refresh_personal()

    def _scrolled(self) -> None:
        """After scrolling settles: drop thumbnail requests for rows that left the screen; the
        repaint asks again for the rows now visible."""
        self.model.drop_queued_thumbnails()
        self.grid.viewport().update()

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

        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(6, 4, 6, 4)
        self.sort_box = QComboBox()
        for key in SORT_KEYS:
            self.sort_box.addItem(SORT_LABELS[key], key)
        self.sort_box.currentIndexChanged.connect(lambda _: self.apply_view())
        self.reverse_button = QToolButton(text="⇅", checkable=True, toolTip="Reverse order")
        self.reverse_button.toggled.connect(lambda _: self.apply_view())
        self.stars_box = QComboBox()
        for n, text in enumerate(["Any stars", "★ and up", "★★ and up", "★★★ and up", "★★★★ and up", "★★★★★"]):
            self.stars_box.addItem(text, n)
        self.stars_box.currentIndexChanged.connect(lambda _: self.apply_view())
        self.flag_box = QComboBox()
        for text, value in (("All photos", "all"), ("Hide rejects", "hide"), ("Picks only", "picks"),
                            ("Unflagged", "unflagged"), ("Rejects only", "rejects")):
            self.flag_box.addItem(text, value)
        self.flag_box.currentIndexChanged.connect(lambda _: self.apply_view())
        self.min_score = QDoubleSpinBox(minimum=0, maximum=10, decimals=1, singleStep=0.5, value=0,
                                        prefix="score ≥ ", toolTip="Hide photos scoring below this (sort key's score)")
        self.min_score.valueChanged.connect(lambda _: self.apply_view())
        # typing a value must not keep the rating keys (digits) from reaching the grid afterwards
        self.min_score.editingFinished.connect(self.grid.setFocus)
        self.histogram = ScoreHistogram()
        for w in (QLabel("Sort:"), self.sort_box, self.reverse_button, self.stars_box, self.flag_box, self.min_score):
            row.addWidget(w)
        row.addWidget(self.histogram, 1)

        left = QWidget()
        col = QVBoxLayout(left)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(bar)
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

    def _action(self, menu, text: str, shortcut, slot, *, checkable: bool = False, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(shortcut if isinstance(shortcut, QKeySequence) else QKeySequence(shortcut))
        action.setCheckable(checkable)
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        menu.addAction(action)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        m = self.menuBar()
        f = m.addMenu("&File")
        self._action(f, "&Open Album…", QKeySequence.StandardKey.Open, self.choose_album)
        self.recent_menu = f.addMenu("Open &Recent")
        from .album_watch import AlbumWatch

        self.watch = AlbumWatch(self, f)
        f.addSeparator()
        self._action(f, "&Quit", QKeySequence.StandardKey.Quit, self.close)

        e = m.addMenu("&Edit")
        undo = self.undo.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo.createRedoAction(self, "&Redo")
        redo.setShortcuts(QKeySequence.StandardKey.Redo)
        e.addAction(undo)
        e.addAction(redo)
        undo.setProperty("shortcut_name", "Undo")  # its text says what it undoes; the shortcuts list says Undo
        redo.setProperty("shortcut_name", "Redo")
        self.addAction(undo)
        self.addAction(redo)
        e.addSeparator()
        self._action(e, "Select &All", QKeySequence.StandardKey.SelectAll, lambda: self.grid.selectAll())

        p = m.addMenu("&Photo")
        for n in range(1, 6):
            self._action(p, f"Rate {'★' * n}", str(n), lambda _=False, n=n: self.set_stars(n))
        self._action(p, "Clear Rating", "0", lambda: self.set_stars(None))
        p.addSeparator()
        self._action(p, "&Pick", "P", lambda: self.set_flag(PICK))
        self._action(p, "Re&ject", "X", lambda: self.set_flag(REJECT))
        self._action(p, "&Unflag", "U", lambda: self.set_flag(None))
        self.act_advance = self._action(
            p, "&Advance After Rating", None,
            lambda: self.settings.setValue("advance_after_rating", self.act_advance.isChecked()), checkable=True,
            tip="After 0-5, P, X or U on one photo, show the next one")
        self.act_advance.setChecked(self.settings.value("advance_after_rating", True, bool))
        p.addSeparator()
        self._action(p, "&Next Photo", "Space", lambda: self.step(1))
        self._action(p, "P&revious Photo", "Shift+Space", lambda: self.step(-1))
        self.act_actual = self._action(p, "View at &100%", "Z", self._toggle_actual, checkable=True)
        p.addSeparator()
        self._action(p, "&Enhance…", "Ctrl+E", self.enhance,
                     tip="Preview a higher-scoring version with saliency, and export it as a new file")

        v = m.addMenu("&View")
        group = QActionGroup(self)
        self.sort_actions = {}
        for i, key in enumerate(SORT_KEYS, 1):
            a = self._action(v, f"Sort by {SORT_LABELS[key]}", f"Ctrl+{i}", lambda _=False, key=key: self.sort_by(key),
                             checkable=True)
            group.addAction(a)
            self.sort_actions[key] = a
        self._action(v, "Re&verse Order", "Ctrl+Shift+R", lambda: self.reverse_button.toggle())
        v.addSeparator()
        self._action(v, "&Hide Rejects", "Ctrl+Alt+H", lambda: self.flag_box.setCurrentIndex(1))
        self._action(v, "Picks &Only", "Ctrl+Shift+P", lambda: self.flag_box.setCurrentIndex(2))
        self._action(v, "Show &All", "Ctrl+Shift+A", self.clear_filters)

        t = m.addMenu("&Taste")
        self.act_suggest = self._action(t, "&Rate Suggestions", "Ctrl+R", self._toggle_suggestions, checkable=True,
                                        tip="Walk the photos the personal model learns most from (Active-PAM)")
        self.act_train = self._action(t, "&Learn My Taste", "Ctrl+L", self.train,
                                      tip="Train your personal model from your ratings")
        self.act_auto_train = self._action(
            t, "Retrain &Automatically", None, self._auto_train_toggled, checkable=True,
            tip=f"Retrain your personal model in the background after every {TRAIN_OFFER_EVERY} new ratings")
        self.act_auto_train.setChecked(self.settings.value("auto_train", True, bool))
        t.addSeparator()
        self.user_menu = t.addMenu("&Switch User")
        self._action(t, "&New User…", "Ctrl+Shift+N", self.new_user)
        self._action(t, "Re&name User…", "Ctrl+Shift+E", self.rename_user)
        self._action(t, "&Delete User…", "Ctrl+Shift+Del", self.delete_user)

        from .cull_actions import CullActions

        self.cull = CullActions(self)
        h = m.addMenu("&Help")
        self._action(h, "&Keyboard Shortcuts", "F1", self.show_shortcuts)
        self._action(h, "&About", None, self.about)

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.scan_label = QLabel()
        self.scan_bar = QProgressBar(maximumWidth=180, textVisible=True)
        self.scan_bar.hide()
        self.counts_label = QLabel()
        self.user_label = QLabel()
        self.offer_button = QToolButton(text="Learn my taste")
        self.offer_button.setToolTip("Enough new ratings to improve your personal model (Ctrl+L)")
        self.offer_button.clicked.connect(self.train)
        self.offer_button.hide()
        # A training in progress (automatic or asked for): what it does, how far, and Cancel.
        self.train_box = QWidget()
        box = QHBoxLayout(self.train_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        self.train_label = QLabel()
        self.train_bar = QProgressBar(maximumWidth=110, maximumHeight=14, textVisible=False)
        self.train_cancel = QToolButton(text="Cancel")
        self.train_cancel.setToolTip("Stop training; your previous personal model is kept")
        self.train_cancel.clicked.connect(self.cancel_training)
        self.train_label.setToolTip("Taste ▸ Learn My Taste (Ctrl+L) shows it in detail")
        for w in (self.train_label, self.train_bar, self.train_cancel):
            box.addWidget(w)
        self.train_box.hide()
        self.skipped_button = QToolButton()
        self.skipped_button.clicked.connect(self.show_skipped)
        self.skipped_button.hide()
        self.device_label = QLabel("Device: …")
        self._run("device", lambda report, cancel: _device_text(),
                  lambda _: None, lambda text: self.device_label.setText(f"Device: {text}"), light=True)
        for w in (self.scan_label, self.scan_bar):
            sb.addWidget(w)
        for w in (self.train_box, self.offer_button, self.user_label, self.counts_label, self.skipped_button,
                  self.device_label):
            sb.addPermanentWidget(w)

    # -- settings -------------------------------------------------------------------------------------
    def _initial_user(self) -> str:
        saved = self.settings.value("user", "", str)
        users = self.catalog.users()
        if saved and saved in users:
            return saved
        if users:
            return users[0]
        name = (getpass.getuser() or "me").strip().title() or "Me"
        self.catalog.user_id(name)
        return name

    def _restore(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(QSize(1400, 860))
        state = self.settings.value("splitter")
        if state is not None:
            self.splitter.restoreState(state)
        key = self.settings.value("sort", "generic", str)
        if key in SORT_KEYS:
            self.sort_box.setCurrentIndex(SORT_KEYS.index(key))
        self.flag_box.setCurrentIndex(int(self.settings.value("flag_filter", 0)))
        self._update_recent()

    def closeEvent(self, event) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.settings.setValue("sort", self.sort_key())
        self.settings.setValue("flag_filter", self.flag_box.currentIndex())
        self.settings.setValue("user", self.user)
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop every job and wait for the pools (a closing window leaves no thread running)."""
        self.watch.stop()
        for job in self.jobs.values():
            job.stop()
        self.jobs = {}  # results still queued for delivery are ignored from now on
        for timer in (self.personal_timer, self.scroll_timer, getattr(self, "_reorder_timer", None)):
            if timer is not None:
                timer.stop()
        for pool in (self.model.pool, self.pool, self.light_pool, self.personal_pool):
            clear_queued(pool)
        for pool in (self.pool, self.light_pool, self.personal_pool, self.model.pool):
            pool.waitForDone()
        QThreadPool.globalInstance().waitForDone()
        self.catalog.close()

    def _update_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.value("recent", [], list) or []:
            self.recent_menu.addAction(path, lambda p=path: self.open_album(Path(p)))
        self.recent_menu.setEnabled(bool(self.recent_menu.actions()))

    # -- opening an album -----------------------------------------------------------------------------
    def choose_album(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open album", str(self.album or Path.home()))
        if folder:
            self.open_album(Path(folder))

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            path = Path(url.toLocalFile())
            if path.is_dir():
                self.open_album(path)
                return

    def open_album(self, folder: Path) -> None:
        """List the folder and score it in the background; the grid fills as results come."""
        folder = Path(os.path.abspath(folder))
        for name in ("scan", "rescan", "dates", "personal", "suggest", "groups"):
            if name in self.jobs:
                self.jobs.pop(name).stop()
        self.cull.forget_groups()
        self.album = folder
        self.scores = {}
        self.skipped = []
        self.personal_source = None
        self.setWindowTitle(f"{folder.name} — {APP}")
        recent = [str(folder)] + [p for p in (self.settings.value("recent", [], list) or []) if p != str(folder)]
        self.settings.setValue("recent", recent[:MAX_RECENT])
        self._update_recent()
        self.scan_label.setText(f"Listing {folder}…")
        catalog_path = self.catalog.path

        def scan(report, cancel):
            from ..scoring import score_album

            paths, mtimes, skipped = list_album(folder)
            report(("listed", paths, mtimes, skipped))
            def scorer():
                from ..scoring import Scorer

                # Batches of 16: within 10% of 32's throughput on a CPU, and ~180 MB less peak memory.
                return Scorer.generic(batch_size=16)

            with Catalog(catalog_path) as cat:
                return score_album(
                    paths, cat, scorer=scorer, progress=lambda p: report(("progress", p)), cancel=cancel,
                    on_scores=lambda s: report(("scores", s, cat.photo_ids(x.content_hash for x in s))))

        self._run("scan", scan, self._scan_progress, self._scan_finished, self._scan_failed)
        self.undo.clear()  # undoing a rating in an album no longer shown would be a surprise

    def _scan_progress(self, payload) -> None:
        kind = payload[0]
        if kind == "listed":
            _, paths, mtimes, skipped = payload
            self.table = PhotoTable(paths, mtimes)
            self.skipped = list(skipped)
            self.model.set_table(self.table, self.table.order(self.sort_key(), self._descending(), self.filter()))
            self.view.message("No photos in this folder" if not paths else "Select a photo")
            self._start_dates(paths)
            self.scan_bar.setRange(0, max(len(paths), 1))
            self.scan_bar.setValue(0)
            self.scan_bar.show()
            self.albumLoaded.emit(len(paths))
            if len(paths):
                self.go_to(0)
        elif kind == "scores":
            _, scores, ids = payload
            for s in scores:
                self.scores[str(s.path)] = s
            rows = self.table.set_scores(scores, ids)
            self.table.set_marks(self.catalog.ratings(self.user), self.catalog.flags(self.user), rows)
            self.model.table_rows_changed(rows)
            if self.filter() != Filter():
                self._reorder_soon()  # a filter on stars or flags can only be applied once ids are known
            # The order stays put while a scan runs (re-sorting under the user's eyes would move the
            # photo they are looking at); it is applied when the scan ends, or now with Ctrl+1..4.
            self._refresh_current_panel()
            self.scoresArrived.emit(len(self.scores))
        elif kind == "progress":
            p: Progress = payload[1]
            self.scan_bar.setRange(0, max(p.total, 1))
            self.scan_bar.setValue(p.done)
            self.scan_label.setText(f"Scoring: {p.done} of {p.total}" + (f", {p.skipped} skipped" if p.skipped else ""))
        self._update_counts()

    def _scan_finished(self, report: ScanReport) -> None:
        self.skipped += [(k.path, k.reason) for k in report.skipped]
        self.scan_bar.hide()
        self.scan_label.setText(f"{len(report.scores)} photos scored" + (" (stopped)" if report.cancelled else ""))
        self._update_counts()
        self.apply_view()
        self.refresh_personal()
        self._offer_training()  # an automatic training waits for the scan to end
        self.scanFinished.emit()

    def _scan_failed(self, message: str) -> None:
        self.scan_bar.hide()
        self.scan_label.setText("Scoring stopped")
        QMessageBox.warning(self, "Scoring stopped", f"Scoring this album stopped: {message}\n"
                                                     "Photos scored so far are kept.")

    def _start_dates(self, paths: list[Path], rows: list[int] | None = None) -> None:
        """Capture dates of ``paths`` (table rows ``rows``, default: all in order), read by a job."""
        at = rows

        def dates(report, cancel):
            rows, times = [], []
            for i, p in enumerate(paths):
                if cancel.is_set():
                    return None
                t = capture_time(p)
                if t is not None:
                    rows.append(i if at is None else at[i])
                    times.append(t)
                if len(rows) >= 500:
                    report((rows, times))
                    rows, times = [], []
            report((rows, times))
            return None

        table = self.table
        self._run("dates", dates, lambda payload: table.set_captured(*payload) if table is self.table else None,
                  lambda _: self._reorder_soon() if self.sort_key() == "date" else None, light=True)

    # -- jobs -----------------------------------------------------------------------------------------
    def _run(self, name: str, fn, on_progress, on_finished, on_failed=None, *, light: bool = False,
             pool: QThreadPool | None = None, on_cancelled=None) -> Job:
        """Run ``fn`` as the job ``name`` (stopping the previous one of that name); its reports reach the
        callbacks only while it is the current job of that name."""
        old = self.jobs.get(name)
        if old is not None:
            old.stop()
        job = Job(fn)
        self.jobs[name] = job

        def current(job_id: int) -> bool:
            return self.jobs.get(name) is not None and self.jobs[name].id == job_id

        job.signals.progress.connect(lambda i, payload: on_progress(payload) if current(i) else None)

        def finished(i: int, result) -> None:
            if current(i):
                self.jobs.pop(name, None)
                on_finished(result)

        def failed(i: int, message: str) -> None:
            if current(i):
                self.jobs.pop(name, None)
                (on_failed or self._job_failed)(message)

        job.signals.finished.connect(finished)
        job.signals.failed.connect(failed)
        def cancelled(i: int) -> None:
            if current(i):
                self.jobs.pop(name, None)
                if on_cancelled is not None:
                    on_cancelled()

        job.signals.cancelled.connect(cancelled)
        return start(job, pool or (self.light_pool if light else self.pool))

    def _job_failed(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)
        logger.warning(message)

    # -- sorting and filtering ------------------------------------------------------------------------
    def sort_key(self) -> str:
        return self.sort_box.currentData() or "generic"

    def _descending(self) -> bool:
        default = self.sort_key() in ("personal", "generic")
        return default != self.reverse_button.isChecked()

    def filter(self) -> Filter:
        flag = self.flag_box.currentData()
        flags = {"picks": frozenset({PICK}), "unflagged": frozenset({0}), "rejects": frozenset({REJECT})}.get(flag)
        score = self.min_score.value()
        cull = getattr(self, "cull", None)
        return Filter(min_stars=int(self.stars_box.currentData() or 0), flags=flags, hide_rejects=flag == "hide",
                      score_range=(score, math.inf) if score > 0 else None,
                      stack_groups=bool(cull and cull.stacked), expanded=frozenset(cull.expanded if cull else ()))

    def sort_by(self, key: str) -> None:
        """Sort now (also re-sorts by the current key, e.g. while a scan is adding scores)."""
        self.sort_box.blockSignals(True)
        self.sort_box.setCurrentIndex(SORT_KEYS.index(key))
        self.sort_box.blockSignals(False)
        self.apply_view()

    def clear_filters(self) -> None:
        self.stars_box.setCurrentIndex(0)
        self.flag_box.setCurrentIndex(0)
        self.min_score.setValue(0)

    def apply_view(self) -> None:
        key = self.sort_key()
        if key in self.sort_actions:
            self.sort_actions[key].setChecked(True)
        index = self.grid.currentIndex()
        current = index.data(TableRowRole) if index.isValid() else None
        position = index.row() if index.isValid() else 0
        self.model.set_order(self.table.order(key, self._descending(), self.filter()))
        if current is not None and self.model.view_row(current) >= 0:
            self.grid.scrollTo(self.model.index(self.model.view_row(current)))
        elif self.model.rowCount():  # the photo left the view (filtered out): stay where it was
            self.go_to(min(position, self.model.rowCount() - 1))
        values = self.table.key_values(key) if key in ("personal", "generic") else self.table.generic
        label = SORT_LABELS[key] if key in ("personal", "generic") else SORT_LABELS["generic"]
        shown = values[self.model.order] if len(self.model.order) else values[:0]
        self.histogram.set_values(shown, label)
        self._update_counts()

    def _reorder_soon(self) -> None:
        if not hasattr(self, "_reorder_timer"):
            self._reorder_timer = QTimer(self, singleShot=True, interval=300)
            self._reorder_timer.timeout.connect(self.apply_view)
        if not self._reorder_timer.isActive():
            self._reorder_timer.start()

    # -- the current photo ----------------------------------------------------------------------------
    def current_row(self) -> int | None:
        index = self.grid.currentIndex()
        return index.data(TableRowRole) if index.isValid() else None

    def selected_rows(self) -> list[int]:
        rows = [i.data(TableRowRole) for i in self.grid.selectionModel().selectedIndexes()]
        if not rows and self.current_row() is not None:
            rows = [self.current_row()]
        return rows

    def _current_changed(self, current, previous) -> None:
        row = current.data(TableRowRole) if current.isValid() else None
        if row is None:
            return
        self._refresh_current_panel()
        self.loader.load(self.table.paths[row], None if self.act_actual.isChecked() else self._fit_size())

    def _fit_size(self) -> int:
        return max(self.view.viewport().width(), self.view.viewport().height(), 512)

    def _toggle_actual(self) -> None:
        self.view.set_actual_size(self.act_actual.isChecked())
        row = self.current_row()
        if row is not None:  # full resolution for 100%, screen size again for fit
            self.loader.load(self.table.paths[row], None if self.act_actual.isChecked() else self._fit_size())

    def _photo_loaded(self, image, info, full) -> None:
        self.view.show_image(image)
        self.panel.show_exif(info)

    def _photo_failed(self, message: str) -> None:
        self.view.message(f"Cannot show this photo:\n{message}")

    def _refresh_current_panel(self) -> None:
        row = self.current_row()
        if row is None:
            return
        t = self.table
        generic = None if math.isnan(t.generic[row]) else float(t.generic[row])
        personal = None if math.isnan(t.personal[row]) else float(t.personal[row])
        self.panel.show_photo(t.names[row], generic, None if generic is None else float(t.spread[row]),
                              t.distribution[row], personal, rank_lines(t, row, self.user), self.user,
                              self.personal_source, int(t.stars[row]))

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

    def enhance(self) -> None:
        row = self.current_row()
        if row is None:
            return
        from .enhance_dialog import EnhanceDialog

        self.enhance_dialog = EnhanceDialog(self, self.table.paths[row], self.user, self.profiles_folder)
        self.enhance_dialog.exported.connect(lambda _: self.watch.rescan())  # the new file joins the grid
        self.enhance_dialog.show()

    # -- ratings and flags ----------------------------------------------------------------------------
    def set_stars(self, stars: int | None) -> None:
        self._mark("stars", stars, f"Rate {stars}" if stars else "Clear rating")

    def set_flag(self, flag: int | None) -> None:
        self._mark("flag", flag, {PICK: "Pick", REJECT: "Reject", None: "Unflag"}[flag])

    def _mark(self, kind: str, value, text: str) -> None:
        rows = self.selected_rows()
        ids = sorted({int(self.table.photo_id[r]) for r in rows if self.table.photo_id[r] >= 0})
        if not ids:
            self.statusBar().showMessage("This photo is not in the catalog yet: wait for it to be scored", 4000)
            return
        current = self.catalog.ratings(self.user) if kind == "stars" else self.catalog.flags(self.user)
        old = {pid: current.get(pid) for pid in ids}
        self.undo.push(MarkCommand(self, kind, ids, value, old, text))
        # One rule for every rating and flag key (0-5, P, X, U): on one photo, with Advance After Rating
        # on, show the next one. During Rate Suggestions stars move to the next suggestion instead, and
        # a flag stays on the photo, which still waits for its stars.
        if self.act_suggest.isChecked():
            if kind == "stars" and value is not None:
                self.request_suggestions()
        elif self.act_advance.isChecked() and len(ids) == 1 and len(rows) == 1:
            self.step(1)

    def write_failed(self, exc: Exception) -> None:
        QMessageBox.critical(self, "Not saved", f"Your rating could not be saved to the catalog: {exc}\n"
                                                f"({self.catalog.path})")

    def write_marks(self, kind: str, values: dict[int, object]) -> None:
        """Write stars or flags to the catalog now, then show them (the undo stack calls this)."""
        if kind == "stars":
            self.catalog.set_ratings(self.user, list(values.items()))
        else:
            self.catalog.set_flags(self.user, list(values.items()))
        rows = np.flatnonzero(np.isin(self.table.photo_id, list(values))).tolist()
        self.table.set_marks(self.catalog.ratings(self.user), self.catalog.flags(self.user), rows)
        self.model.table_rows_changed(rows)
        self._update_counts()
        self._refresh_current_panel()  # "rated it ★★★★" and the ranks, also when the photo stays shown
        if kind == "stars":
            self._offer_training()
            self.personal_timer.start()  # the personal score and "Your taste" follow within a second
        if self.filter() != Filter():
            self._reorder_soon()

    # -- personal scores, suggestions, training -------------------------------------------------------
    def _album_report(self) -> ScanReport:
        return ScanReport(scores=list(self.scores.values()))

    def refresh_personal(self) -> None:
        """Recompute the current user's scores and what is said of them, in the background (features
        only: milliseconds; a cached scan when the trained adapters are the adopted method)."""
        user, catalog_path, folder, album = self.user, self.catalog.path, self.profiles_folder, self._album_report()

        def work(report, cancel):
            return taste_report(catalog_path, user, album, folder, report, cancel)

        def progress(p: Progress) -> None:
            self.scan_label.setText(f"Your scores: {p.done} of {p.total}")

        self._run("personal", work, progress, self._personal_ready,
                  lambda message: self._job_failed(f"Personal scores unavailable: {message}"), pool=self.personal_pool)

    def _personal_ready(self, report: TasteReport) -> None:
        if report.user != self.user:
            return
        scores = report.scores
        if scores is not None:
            # Re-sort by personal score only when its source changes (first scores, a trained model):
            # not after every rating, which would move the photos under the user's eyes.
            resort = self.sort_key() == "personal" and scores.source != self.personal_source
            self.personal_source = scores.source
            if scores.source is None:
                self.table.set_personal({})
            else:
                pairs = zip(report.album.scores, scores.scores, strict=True)
                self.table.set_personal({s.content_hash: float(v) for s, v in pairs})
            self.model.all_changed()
            if resort:
                self.apply_view()
            self._refresh_current_panel()
        self.agreement, self.taste_text = report.agreement, report.text
        if report.text is None:
            self.taste_panel.show_message(
                "No ratings yet. Rate photos (keys 1-5): from the fifth rating on, your own score is learnt "
                "and checked on photos it did not see." if not self.catalog.ratings(self.user) else
                "Your rated photos are not scored yet: open the album they are in.")
        else:
            note = ""
            if report.adapters_stale:
                when = (f"automatically after {TRAIN_OFFER_EVERY} new ratings" if self.act_auto_train.isChecked()
                        else "Taste ▸ Learn My Taste")
                note = (f"You rated photos since your adapters were trained: retraining ({when}) will judge "
                        "them on your new ratings.")
            self.taste_panel.show_taste(self.user, report.text, report.curve, note)
        self._update_user_ui()
        self.personalScoresReady.emit((scores.source if scores is not None else None) or "")

    # Rate Suggestions: a round of SUGGEST_BATCH photos that counts down as the user rates them; after
    # each rating Active-PAM picks the rest again (it has learnt from the new rating).
    def _toggle_suggestions(self) -> None:
        if self.act_suggest.isChecked():
            self.suggest_target, self.suggest_seen = SUGGEST_BATCH, set()
            self.request_suggestions()
        else:
            self.suggestions = []
            self._update_user_ui()

    def suggestions_left(self) -> int:
        """Photos of this round still to rate: the round's size less the suggested photos rated since."""
        rated = 0
        for path in self.suggest_seen:
            row = self.table.row_of(path)
            rated += row is not None and self.table.stars[row] > 0
        return max(self.suggest_target - rated, 0)

    def request_suggestions(self) -> None:
        if not self.scores:
            self.statusBar().showMessage("Suggestions need scored photos: open an album first", 4000)
            self.act_suggest.setChecked(False)
            return
        n = self.suggestions_left()
        if n == 0:
            self.act_suggest.setChecked(False)
            self.suggestions = []
            self._update_user_ui()
            self.statusBar().showMessage(f"You rated all {self.suggest_target} suggested photos. Rate Suggestions "
                                         "(Ctrl+R) picks more.", 10000)
            return
        user, catalog_path, album = self.user, self.catalog.path, self._album_report()

        def work(report, cancel):
            from ..personal.service import suggest_photos

            with Catalog(catalog_path) as cat:
                seed = len(cat.ratings(user))
                return [str(s.path) for s in suggest_photos(cat, user, album, n, seed=seed)]

        self._run("suggest", work, lambda _: None, lambda paths: self._suggestions_ready(user, paths), light=True)

    def _suggestions_ready(self, user: str, paths: list[str]) -> None:
        if not self.act_suggest.isChecked() or user != self.user:
            return
        self.suggestions = paths
        self.suggest_seen.update(paths)
        if paths:
            row = self.table.row_of(paths[0])
            if row is not None:
                if self.model.view_row(row) < 0:
                    self.clear_filters()
                    self.apply_view()
                self.go_to(self.model.view_row(row))
        self._update_user_ui()
        self.suggestionsReady.emit(paths)

    # Training: one at a time, asked for (Ctrl+L, with the dialog) or automatic (every TRAIN_OFFER_EVERY
    # new ratings, in the status bar only); Cancel in either place stops it, the old profile is kept.
    def _ratings_at_training(self, user: str) -> int:
        """Ratings counted as already trained on: all of them when the user has a profile (its count needs
        torch to read), none when they never trained."""
        from ..personal.profile_files import profile_path

        if not profile_path(user, self.profiles_folder).exists():
            return 0
        return len(self.catalog.ratings(user))

    def _auto_train_toggled(self) -> None:
        self.settings.setValue("auto_train", self.act_auto_train.isChecked())
        self._offer_training()

    def _offer_training(self) -> None:
        """Retrain in the background, or offer "Learn my taste", once enough new ratings came."""
        from ..personal.limits import MIN_RATINGS

        n = len(self.catalog.ratings(self.user))
        due = n >= MIN_RATINGS and n - self.ratings_at_training >= TRAIN_OFFER_EVERY
        if self.training():
            self.offer_button.hide()
        elif due and self.act_auto_train.isChecked() and n - self.auto_snoozed_at >= TRAIN_OFFER_EVERY:
            self.offer_button.hide()
            if "scan" not in self.jobs:  # else when the scan ends: both would share two cores
                self._start_training(auto=True)
        else:
            self.offer_button.setVisible(due)
        self._update_user_ui()

    def training(self) -> bool:
        return "train" in self.jobs

    def train(self) -> None:
        """Taste ▸ Learn My Taste: train now, with the dialog (or show the one already training)."""
        from ..personal.limits import MIN_RATINGS

        if self.training():
            self._show_training_dialog()
            return
        n = len(self.catalog.ratings(self.user))
        if n < MIN_RATINGS:
            QMessageBox.information(self, "Learn my taste",
                                    f"Rate at least {MIN_RATINGS} photos first (you have rated {n}).\n"
                                    "Taste ▸ Rate Suggestions (Ctrl+R) shows the most useful ones.")
            return
        self._start_training(auto=False)

    def _start_training(self, *, auto: bool) -> None:
        assert not self.training()
        n = len(self.catalog.ratings(self.user))
        user, catalog_path, folder, config = self.user, self.catalog.path, self.profiles_folder, self.train_config

        def work(report, cancel):
            from ..personal.agreement import describe
            from ..personal.service import train_user

            with Catalog(catalog_path) as cat:
                outcome = train_user(cat, user, config=config, progress=report, cancel=cancel, folder=folder)
            return outcome, describe(outcome.agreement) if outcome.agreement is not None else ""

        # What "new ratings since training" counts from: every rating at the start, found or not (a rated
        # photo on an unplugged drive is not trained on, yet it is no new rating either).
        self.train_auto, self.training_for, self.training_started_with = auto, user, n
        self.train_tracker = TrainingTracker(n)
        self.training_dialog = None
        self._run("train", work, self._train_progress, self._train_finished, self._train_failed,
                  on_cancelled=self._train_cancelled)
        self.offer_button.hide()
        self.train_label.setText("Training your taste…")
        self.train_bar.setRange(0, 0)
        self.train_cancel.setEnabled(True)
        self.train_box.show()
        if not auto:
            self._show_training_dialog()

    def _show_training_dialog(self) -> None:
        """The dialog of the running training (made now when it started by itself)."""
        if not self.training() or self.train_tracker is None:
            return
        dialog = self.training_dialog
        if dialog is None:
            dialog = TrainingDialog(self, self.training_for, self.train_tracker.n_ratings)
            dialog.cancel_requested.connect(self.cancel_training)
            dialog.show_progress(self.train_tracker)
            if self.jobs["train"].cancel.is_set():
                dialog.mark_stopping()
            self.training_dialog = dialog
        self.train_auto = False  # watched now: a user switch waits for it like for any asked-for training
        dialog.show()
        dialog.raise_()

    def cancel_training(self) -> None:
        job = self.jobs.get("train")
        if job is None:
            return
        job.stop()
        self.train_label.setText("Stopping training…")
        self.train_cancel.setEnabled(False)
        if self.training_dialog is not None:
            self.training_dialog.mark_stopping()

    def _train_progress(self, p) -> None:
        if self.train_tracker is None or ("train" in self.jobs and self.jobs["train"].cancel.is_set()):
            return  # reports already on their way when Cancel was pressed
        t = self.train_tracker
        t.update(p)
        self.train_label.setText(f"Training: {t.short}")
        self.train_bar.setRange(0, t.maximum)
        self.train_bar.setValue(t.value)
        self.train_box.setToolTip(f"Learning your taste: {t.text}")
        if self.training_dialog is not None:
            self.training_dialog.show_progress(t)

    def _training_ended(self) -> None:
        self.train_box.hide()
        self.train_tracker = None
        actions, self._after_training = self._after_training, []
        for action in actions:  # a user switch, rename or delete that waited for the training
            action()

    def _train_finished(self, result) -> None:
        outcome, description = result
        if self.training_dialog is not None:
            self.training_dialog.finish(outcome, description)
        if self.training_for == self.user:
            self.ratings_at_training = self.training_started_with
            self.auto_snoozed_at = -TRAIN_OFFER_EVERY
        self.statusBar().showMessage(f"{self.training_for}'s taste was retrained on {outcome.n_ratings} ratings",
                                     10000)
        self._training_ended()
        self.refresh_personal()
        self._offer_training()

    def _train_failed(self, message: str) -> None:
        if self.training_dialog is not None:
            self.training_dialog.fail(message)
        self.statusBar().showMessage(f"Training failed: {message}. Your previous personal model is kept.", 15000)
        logger.warning("training failed: %s", message)
        if self.training_for == self.user:  # not again at the next rating: after TRAIN_OFFER_EVERY more
            self.auto_snoozed_at = len(self.catalog.ratings(self.user))
        self._training_ended()
        self._offer_training()

    def _train_cancelled(self) -> None:
        if self.training_dialog is not None:
            self.training_dialog.cancelled()
        self.statusBar().showMessage("Training cancelled: your previous personal model is kept.", 10000)
        if self.training_for == self.user:  # an automatic one waits for TRAIN_OFFER_EVERY more ratings
            self.auto_snoozed_at = len(self.catalog.ratings(self.user))
        self._training_ended()
        self._offer_training()

    # -- users ----------------------------------------------------------------------------------------
    def _busy_training(self, what: str, retry) -> bool:
        """True when a training keeps ``what`` from happening now. One that started by itself is
        cancelled and ``retry`` runs once it has stopped; one the user asked for must end or be
        cancelled first."""
        if not self.training():
            return False
        if self.train_auto:
            self._after_training.append(retry)
            self.cancel_training()
            self.statusBar().showMessage(f"{what}: stopping the background training first…", 5000)
            return True
        QMessageBox.information(self, what, "Wait for “Learn my taste” to finish, or cancel it, first.")
        return True

    def switch_user(self, name: str) -> None:
        if name != self.user and self._busy_training("Switch user", lambda: self.switch_user(name)):
            self._update_user_ui()
            return
        self.user = name
        self.settings.setValue("user", name)
        self.catalog.user_id(name)
        self.ratings_at_training = self._ratings_at_training(name)
        self.auto_snoozed_at = -TRAIN_OFFER_EVERY
        self.undo.clear()
        self.table.set_marks(self.catalog.ratings(name), self.catalog.flags(name))
        self.table.set_personal({})
        self.personal_source = None
        self.agreement, self.taste_text = None, None
        self.taste_panel.show_message("Reading your taste…")
        self.suggestions = []
        self.suggest_seen = set()
        if self.act_suggest.isChecked():
            self.act_suggest.setChecked(False)
        self.offer_button.hide()
        self.model.all_changed()
        self.apply_view()
        self.refresh_personal()
        self._update_user_ui()
        self._update_counts()

    def new_user(self) -> None:
        if self._busy_training("New user", self.new_user):
            return
        name, ok = QInputDialog.getText(self, "New user", "Name:")
        if ok and name.strip():
            if name.strip() in self.catalog.users():
                QMessageBox.warning(self, "New user", f"There is already a user named {name.strip()}.")
                return
            self.switch_user(name.strip())

    def rename_user(self) -> None:
        if self._busy_training("Rename user", self.rename_user):
            return
        name, ok = QInputDialog.getText(self, "Rename user", "New name:", text=self.user)
        if ok and name.strip() and name.strip() != self.user:
            if name.strip() in self.catalog.users():
                QMessageBox.warning(self, "Rename user", f"There is already a user named {name.strip()}.")
                return
            old, new, catalog_path, folder = self.user, name.strip(), self.catalog.path, self.profiles_folder

            def work(report, cancel):  # moving the profile reads and writes it: torch, so a worker
                from ..personal.service import rename_user

                with Catalog(catalog_path) as cat:
                    rename_user(cat, old, new, folder)
                return new

            def renamed(new_name: str) -> None:
                if self.user == old:
                    self.user = new_name
                    self.settings.setValue("user", new_name)
                    self.refresh_personal()  # "Your taste (name)"
                self._update_user_ui()

            self._run("users", work, lambda _: None, renamed,
                      lambda message: QMessageBox.warning(self, "Rename user", f"Not renamed: {message}"), light=True)

    def delete_user(self) -> None:
        if self._busy_training("Delete user", self.delete_user):
            return
        answer = QMessageBox.question(
            self, "Delete user", f"Delete {self.user} with all their ratings, flags and personal model?\n"
                                 "Photos and generic scores are kept.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        gone = self.user
        self.catalog.delete_user(gone)
        # the profile file goes too (plain file removal: no torch needed here)
        from ..personal.profile_files import profile_path

        profile_path(gone, self.profiles_folder).unlink(missing_ok=True)
        others = self.catalog.users()
        self.switch_user(others[0] if others else (getpass.getuser() or "me").title())

    def _update_user_ui(self) -> None:
        n = len(self.catalog.ratings(self.user))
        text = short_taste(self.user, n, self.agreement)
        self.act_suggest.setText("&Rate Suggestions" + (f" ({self.suggestions_left()} left)"
                                                         if self.act_suggest.isChecked() else ""))
        if self.act_suggest.isChecked():
            text = f"Rate suggestions: {self.suggestions_left()} of {self.suggest_target} left · " + text
        self.user_label.setText(text)
        self.user_label.setToolTip(self.taste_text or "")
        self.user_menu.clear()
        for name in self.catalog.users():
            a = self.user_menu.addAction(name, lambda name=name: self.switch_user(name))
            a.setCheckable(True)
            a.setChecked(name == self.user)

    def _update_counts(self) -> None:
        c = self.table.counts()
        shown = self.model.rowCount()
        self.counts_label.setText(f"{shown} shown · {c['photos']} photos · {c['scored']} scored · "
                                  f"{c['rated']} rated · {c['picked']} picked")
        if self.skipped:
            self.skipped_button.setText(f"{len(self.skipped)} skipped")
            self.skipped_button.show()
        else:
            self.skipped_button.hide()

    def show_skipped(self) -> None:
        text = "\n".join(f"{p}: {reason}" for p, reason in self.skipped)
        box = QMessageBox(QMessageBox.Icon.Information, "Skipped files",
                          f"{len(self.skipped)} file(s) could not be scored.", parent=self)
        box.setDetailedText(text)
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
