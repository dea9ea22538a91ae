"""What the grid shows and in which order: the sort and filter bar, View ▸ Sort by, and applying them.

The order and filter are computed by the core (:meth:`PhotoTable.order`, milliseconds for 20,000
photos); this owns the widgets that choose them and keeps the current photo in sight when the
order changes.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, QSettings, QTimer
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from ..browse import SORT_KEYS, SORT_LABELS, Filter
from ..catalog import PICK, REJECT
from .actions import add_action
from .album_model import TableRowRole
from .plots import ScoreHistogram
from .protocols import Browser

FLAG_FILTERS = (("All photos", "all"), ("Hide rejects", "hide"), ("Picks only", "picks"), ("Unflagged", "unflagged"),
                ("Rejects only", "rejects"))


class ViewState(QObject):
    """The bar above the grid (sort key, reverse, stars, flags, minimum score, histogram) and the
    View menu's sort actions; :meth:`apply_view` shows the album in that order."""

    def __init__(self, host: Browser):
        super().__init__(host)
        self.host = host
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
        for text, value in FLAG_FILTERS:
            self.flag_box.addItem(text, value)
        self.flag_box.currentIndexChanged.connect(lambda _: self.apply_view())
        self.min_score = QDoubleSpinBox(minimum=0, maximum=10, decimals=1, singleStep=0.5, value=0,
                                        prefix="score ≥ ", toolTip="Hide photos scoring below this (sort key's score)")
        self.min_score.valueChanged.connect(lambda _: self.apply_view())
        # typing a value must not keep the rating keys (digits) from reaching the grid afterwards
        self.min_score.editingFinished.connect(host.grid.setFocus)
        self.histogram = ScoreHistogram()
        self.sort_actions = {}
        self.reorder_timer = QTimer(self, singleShot=True, interval=300)
        self.reorder_timer.timeout.connect(self.apply_view)

    def bar(self) -> QWidget:
        """The widget row above the grid."""
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(6, 4, 6, 4)
        for w in (QLabel("Sort:"), self.sort_box, self.reverse_button, self.stars_box, self.flag_box, self.min_score):
            row.addWidget(w)
        row.addWidget(self.histogram, 1)
        return bar

    def fill_menu(self, menu: QMenu) -> None:
        """View ▸ Sort by … (Ctrl+1..4), Reverse, and the quick filters."""
        from PySide6.QtGui import QActionGroup

        group = QActionGroup(self)
        for i, key in enumerate(SORT_KEYS, 1):
            a = add_action(self.host, menu, f"Sort by {SORT_LABELS[key]}", f"Ctrl+{i}",
                           lambda _=False, key=key: self.sort_by(key), checkable=True)
            group.addAction(a)
            self.sort_actions[key] = a
        add_action(self.host, menu, "Re&verse Order", "Ctrl+Shift+R", lambda: self.reverse_button.toggle())
        menu.addSeparator()
        add_action(self.host, menu, "&Hide Rejects", "Ctrl+Alt+H", lambda: self.flag_box.setCurrentIndex(1))
        add_action(self.host, menu, "Picks &Only", "Ctrl+Shift+P", lambda: self.flag_box.setCurrentIndex(2))
        add_action(self.host, menu, "Show &All", "Ctrl+Shift+A", self.clear_filters)

    def restore(self, settings: QSettings) -> None:
        key = settings.value("sort", "generic", str)
        if key in SORT_KEYS:
            self.sort_box.setCurrentIndex(SORT_KEYS.index(key))
        self.flag_box.setCurrentIndex(int(settings.value("flag_filter", 0)))

    def save(self, settings: QSettings) -> None:
        settings.setValue("sort", self.sort_key())
        settings.setValue("flag_filter", self.flag_box.currentIndex())

    # -- what is chosen -------------------------------------------------------------------------------
    def sort_key(self) -> str:
        return self.sort_box.currentData() or "generic"

    def descending(self) -> bool:
        default = self.sort_key() in ("personal", "generic")
        return default != self.reverse_button.isChecked()

    def filter(self) -> Filter:
        flag = self.flag_box.currentData()
        flags = {"picks": frozenset({PICK}), "unflagged": frozenset({0}), "rejects": frozenset({REJECT})}.get(flag)
        score = self.min_score.value()
        album = self.host.album
        return Filter(min_stars=int(self.stars_box.currentData() or 0), flags=flags, hide_rejects=flag == "hide",
                      score_range=(score, math.inf) if score > 0 else None,
                      stack_groups=album.stacked, expanded=frozenset(album.expanded))

    def order(self):
        """The table rows to show, in order (the core sorts and filters)."""
        return self.host.album.table.order(self.sort_key(), self.descending(), self.filter())

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

    # -- showing it -------------------------------------------------------------------------------------
    def apply_view(self) -> None:
        host, key = self.host, self.sort_key()
        if key in self.sort_actions:
            self.sort_actions[key].setChecked(True)
        index = host.grid.currentIndex()
        current = index.data(TableRowRole) if index.isValid() else None
        position = index.row() if index.isValid() else 0
        model, table = host.model, host.album.table
        model.set_order(self.order())
        if current is not None and model.view_row(current) >= 0:
            host.grid.scrollTo(model.index(model.view_row(current)))
        elif model.rowCount():  # the photo left the view (filtered out): stay where it was
            host.go_to(min(position, model.rowCount() - 1))
        values = table.key_values(key) if key in ("personal", "generic") else table.generic
        label = SORT_LABELS[key] if key in ("personal", "generic") else SORT_LABELS["generic"]
        shown = values[model.order] if len(model.order) else values[:0]
        self.histogram.set_values(shown, label)
        host.update_counts()

    def reorder_soon(self) -> None:
        """Apply the view shortly (several changes in a row are applied once)."""
        if not self.reorder_timer.isActive():
            self.reorder_timer.start()

    def reorder_if_filtered(self) -> None:
        """After marks changed: a filter on stars or flags may now hide or show photos."""
        if self.filter() != Filter():
            self.reorder_soon()
