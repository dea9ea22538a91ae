"""What the window's controllers need of it and of each other, as ``typing.Protocol`` s.

Controllers (marks, taste, training, users, scanning, culling, export, the album watch) depend on
these, never on ``MainWindow`` itself: the window composes them and satisfies every protocol here,
and a test can hand a controller a small stand-in instead. This module imports no controller, so no
import cycle can run through it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import QLabel, QListView, QMenuBar, QStatusBar

from ..album_state import Album
from ..browse import Filter
from ..catalog import Catalog
from .album_model import AlbumModel
from .jobs import JobRunner
from .taste_panel import TastePanel
from .viewer import PhotoView


# -- what controllers offer each other --------------------------------------------------------------------
class MarkWriter(Protocol):
    """Where an undoable mark is written (the marks controller)."""

    def write_marks(self, kind: str, values: dict[int, Any]) -> None: ...
    def write_failed(self, exc: Exception) -> None: ...


class SuggestionRound(Protocol):
    """Taste ▸ Rate Suggestions, as a rating key sees it."""

    def suggesting(self) -> bool: ...
    def request_suggestions(self) -> None: ...


class Taste(SuggestionRound, Protocol):
    """The personal refresh and the suggestion round (the taste controller)."""

    act_suggest: QAction
    agreement: Any
    taste_text: str | None
    suggest_target: int

    def refresh_personal(self) -> None: ...
    def forget(self) -> None: ...
    def suggestions_left(self) -> int: ...


class Trainer(Protocol):
    """Training the user's taste (the training controller)."""

    def offer_training(self) -> None: ...
    def busy(self, what: str, retry: Callable[[], None]) -> bool: ...
    def switched_user(self) -> None: ...
    def stale_note(self) -> str: ...


class Sorting(Protocol):
    """The grid's sort and filter (the view state)."""

    def sort_key(self) -> str: ...
    def filter(self) -> Filter: ...
    def order(self) -> np.ndarray: ...
    def apply_view(self) -> None: ...
    def clear_filters(self) -> None: ...
    def reorder_soon(self) -> None: ...
    def reorder_if_filtered(self) -> None: ...


class Scanner(Protocol):
    """Reading capture dates for rows of the album (the album scan)."""

    def start_dates(self, paths: list[Path], rows: list[int] | None = None) -> None: ...


# -- what the window offers ---------------------------------------------------------------------------------
class Shell(Protocol):
    """The window as every controller sees it: the album, the catalog, settings, jobs and the status line.
    (It is the controllers' parent widget too: dialogs open over it, actions are added to it.)"""

    album: Album
    catalog: Catalog
    settings: QSettings
    profiles_folder: Path | None
    runner: JobRunner
    undo: QUndoStack
    scan_label: QLabel

    @property
    def user(self) -> str: ...
    def statusBar(self) -> QStatusBar: ...
    def addAction(self, action: QAction) -> None: ...
    def update_counts(self) -> None: ...
    def update_user_ui(self) -> None: ...


class Browser(Shell, Protocol):
    """The window with its grid: the current photo, the selection and the order shown."""

    model: AlbumModel
    grid: QListView
    view_state: Sorting

    def current_row(self) -> int | None: ...
    def selected_rows(self) -> list[int]: ...
    def go_to(self, view_row: int) -> None: ...
    def step(self, delta: int) -> None: ...
    def refresh_current_panel(self) -> None: ...


class TasteHost(Browser, Protocol):
    taste_panel: TastePanel
    trainer: Trainer


class TrainingHost(Shell, Protocol):
    taste: Taste


class UsersHost(Browser, Protocol):
    taste: Taste
    trainer: Trainer


class ScanHost(Browser, Protocol):
    view: PhotoView
    taste: Taste
    trainer: Trainer

    def album_opened(self, folder: Path) -> None: ...


class WatchHost(Browser, Protocol):
    scanner: Scanner
    taste: Taste


class ExportHost(Shell, Protocol):
    def open_album(self, folder: Path) -> None: ...


class CullHost(Browser, ExportHost, Protocol):
    marks: MarkWriter
    taste: Taste
    trainer: Trainer

    def menuBar(self) -> QMenuBar: ...
