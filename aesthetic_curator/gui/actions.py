"""Making the window's menu actions: one function, so every action gets the same treatment.

Each action is also added to the window itself, with a window-wide shortcut context: its keys then
work wherever the focus is in the window (the grid, the viewer), even with the menu bar hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

#: One row of :func:`add_actions`: (text, shortcut, slot) or (text, shortcut, slot, status tip); None: a separator.
ActionRow = tuple | None


def add_action(window: QWidget, menu: QMenu, text: str, shortcut: str | QKeySequence | None,
               slot: Callable, *, checkable: bool = False, tip: str = "") -> QAction:
    """An action in ``menu`` that runs ``slot`` when triggered (``slot(checked)`` when it accepts it)."""
    action = QAction(text, window)
    if shortcut:
        action.setShortcut(shortcut if isinstance(shortcut, QKeySequence) else QKeySequence(shortcut))
    action.setCheckable(checkable)
    if tip:
        action.setStatusTip(tip)
    action.triggered.connect(slot)
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    menu.addAction(action)
    window.addAction(action)
    return action


def add_actions(window: QWidget, menu: QMenu, rows: Sequence[ActionRow]) -> list[QAction]:
    """The rows of a menu, in order (a table reads better than a column of calls)."""
    actions = []
    for row in rows:
        if row is None:
            menu.addSeparator()
            continue
        text, shortcut, slot, *tip = row
        actions.append(add_action(window, menu, text, shortcut, slot, tip=tip[0] if tip else ""))
    return actions
