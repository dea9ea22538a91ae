"""Help ▸ Keyboard Shortcuts: every shortcut of the window, read from its menus when opened.

The list is made from the actions themselves (their menu, text and key sequences), so it cannot
drift from what the keys do; only the grid's own keys (arrows, clicks), which are no actions, are
written out here.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMenu,
    QMenuBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

#: The grid's built-in keys and clicks (Qt's list view, not actions), as (keys, what they do).
GRID_KEYS = (
    ("Arrow keys, Home, End, Page Up / Down", "Move in the grid"),
    ("Shift+click, Ctrl+click, Shift+arrows", "Select several photos (ratings and flags apply to all of them)"),
    ("Double-click", "View at 100%"),
)


def advance_note(advance: bool) -> str:
    """How the rating and flag keys move on, with Photo ▸ Advance After Rating on or off."""
    first = ("With Photo ▸ Advance After Rating on (it is now), 0-5, P, X and U on one photo show the next one."
             if advance else "Photo ▸ Advance After Rating is off: 0-5, P, X and U leave you on the photo.")
    return (f"{first} During Taste ▸ Rate Suggestions, stars move to the next suggested photo and flags leave "
            "you on the photo, which still waits for its stars.")


#: Property naming an action whose menu text changes as the app runs (Undo says what it undoes).
NAME_PROPERTY = "shortcut_name"


def plain_text(action: QAction) -> str:
    """An action's name for the list: its ``shortcut_name`` property when set, else its menu text
    without the mnemonic ampersand (a literal "&&" stays one "&")."""
    name = action.property(NAME_PROPERTY)
    if name:
        return str(name)
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")


def keys_text(action: QAction) -> str:
    """The action's first two key sequences as the platform writes them ("Ctrl+Z", "⌘Z" on a Mac);
    standard actions such as Redo carry four on Linux, and two are what anyone types."""
    keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty()]
    return ", ".join(keys[:2])


def shortcut_rows(menubar: QMenuBar) -> list[tuple[str, str, str]]:
    """(menu path, action, keys) for every menu action that has a shortcut, in menu order."""
    rows: list[tuple[str, str, str]] = []

    def walk(menu: QMenu, where: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{where} ▸ {plain_text(action)}")
            elif not action.isSeparator() and keys_text(action):
                rows.append((where, plain_text(action), keys_text(action)))

    for top in menubar.actions():
        if top.menu() is not None:
            walk(top.menu(), plain_text(top))
    return rows


class ShortcutsDialog(QDialog):
    """A table of keys, what they do and the menu that holds the action; ``note`` goes above it
    (the window says there how rating keys move on, which depends on a setting)."""

    def __init__(self, parent, menubar: QMenuBar, note: str = ""):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(620, 560)
        rows = [(keys, text, menu) for menu, text, keys in shortcut_rows(menubar)]
        rows += [(keys, text, "Grid") for keys, text in GRID_KEYS]
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Keys", "Action", "Menu"])
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(r, c, item)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.note = QLabel(note)
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str, str]]:
        """What the table shows, row by row: (keys, action, menu)."""
        return [tuple(self.table.item(r, c).text() for c in range(3)) for r in range(self.table.rowCount())]
