"""Stars and flags: Photo ▸ Rate 0-5, Pick, Reject, Unflag, as undoable commands.

A mark is written to the catalog the moment it is given (a few milliseconds on the GUI thread) and
kept in the album's memory (:meth:`Album.mark`), so a key-press reads nothing back. Every write,
undo and redo included, goes through :meth:`MarksController.write_marks`.
"""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QMenu, QMessageBox

from ..album_state import FLAG, STARS
from ..catalog import PICK, REJECT
from .actions import add_action
from .protocols import Browser, MarkWriter, SuggestionRound


class MarkCommand(QUndoCommand):
    """Stars or a flag given to some photos; undo puts back what each had."""

    def __init__(self, writer: MarkWriter, kind: str, photo_ids: list[int], new, old: dict[int, object], text: str):
        super().__init__(text)
        self.writer, self.kind, self.photo_ids, self.new, self.old = writer, kind, photo_ids, new, old

    def redo(self) -> None:  # ``new``: one value for all, or a value per photo ("keep best, reject rest")
        self._write(dict(self.new) if isinstance(self.new, dict) else {pid: self.new for pid in self.photo_ids})

    def undo(self) -> None:
        self._write(dict(self.old))

    def _write(self, values: dict[int, object]) -> None:
        try:
            self.writer.write_marks(self.kind, values)
        except sqlite3.Error as exc:
            self.setObsolete(True)  # not stored: the undo stack must not pretend it was
            self.writer.write_failed(exc)


class MarksController(QObject):
    """The rating and flag actions. ``written(kind)`` after marks of ``kind`` ("stars" or "flag") were
    stored and shown on the grid (what follows a rating, e.g. the personal refresh, connects to it)."""

    written = Signal(str)

    def __init__(self, host: Browser, menu: QMenu, suggestions: SuggestionRound):
        super().__init__(host)
        self.host, self.suggestions = host, suggestions
        for n in range(1, 6):
            add_action(host, menu, f"Rate {'★' * n}", str(n), lambda _=False, n=n: self.set_stars(n))
        add_action(host, menu, "Clear Rating", "0", lambda: self.set_stars(None))
        menu.addSeparator()
        add_action(host, menu, "&Pick", "P", lambda: self.set_flag(PICK))
        add_action(host, menu, "Re&ject", "X", lambda: self.set_flag(REJECT))
        add_action(host, menu, "&Unflag", "U", lambda: self.set_flag(None))
        self.act_advance = add_action(
            host, menu, "&Advance After Rating", None,
            lambda: host.settings.setValue("advance_after_rating", self.act_advance.isChecked()), checkable=True,
            tip="After 0-5, P, X or U on one photo, show the next one")
        self.act_advance.setChecked(host.settings.value("advance_after_rating", True, bool))

    def set_stars(self, stars: int | None) -> None:
        self.mark(STARS, stars, f"Rate {stars}" if stars else "Clear rating")

    def set_flag(self, flag: int | None) -> None:
        self.mark(FLAG, flag, {PICK: "Pick", REJECT: "Reject", None: "Unflag"}[flag])

    def mark(self, kind: str, value, text: str) -> None:
        """Give the selected photos this mark (one undoable step), then move on as the settings say."""
        host = self.host
        rows = host.selected_rows()
        ids = host.album.photo_ids(rows)
        if not ids:
            host.statusBar().showMessage("This photo is not in the catalog yet: wait for it to be scored", 4000)
            return
        host.undo.push(MarkCommand(self, kind, ids, value, host.album.current(kind, ids), text))
        # One rule for every rating and flag key (0-5, P, X, U): on one photo, with Advance After Rating
        # on, show the next one. During Rate Suggestions stars move to the next suggestion instead, and
        # a flag stays on the photo, which still waits for its stars.
        if self.suggestions.suggesting():
            if kind == STARS and value is not None:
                self.suggestions.request_suggestions()
        elif self.act_advance.isChecked() and len(ids) == 1 and len(rows) == 1:
            host.step(1)

    def write_marks(self, kind: str, values: dict[int, object]) -> None:
        """Write stars or flags to the catalog now, then show them (the undo stack calls this)."""
        rows = self.host.album.mark(self.host.catalog, kind, values)
        self.host.model.table_rows_changed(rows)
        self.written.emit(kind)

    def write_failed(self, exc: Exception) -> None:
        QMessageBox.critical(self.host, "Not saved", f"Your rating could not be saved to the catalog: {exc}\n"
                                                     f"({self.host.catalog.path})")
