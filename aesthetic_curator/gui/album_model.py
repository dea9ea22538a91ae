"""The thumbnail grid's list model and its delegate: one model over a Qt-free PhotoTable.

Rows are the table's rows in the current sort and filter order (a numpy array of table rows), so
re-sorting 20,000 photos is an array swap. Thumbnails are asked for only when the view paints a
row (so visible rows load first), made by jobs on a small pool, and kept as pixmaps in a bounded
cache; when the view scrolls, queued requests for rows no longer on screen are dropped.
"""

from __future__ import annotations

import collections
import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QThreadPool
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ..browse import PhotoTable
from ..catalog import PICK, REJECT
from ..formats import is_raw_name
from ..pairs import pair_label
from ..thumbnails import SIZE, thumbnail
from .workers import Job, clear_queued, start, to_qimage

ThumbnailRole = Qt.ItemDataRole.UserRole + 1
GenericScoreRole = Qt.ItemDataRole.UserRole + 2
PersonalScoreRole = Qt.ItemDataRole.UserRole + 3
StarsRole = Qt.ItemDataRole.UserRole + 4
FlagRole = Qt.ItemDataRole.UserRole + 5
PathRole = Qt.ItemDataRole.UserRole + 6
LoadedRole = Qt.ItemDataRole.UserRole + 7
TableRowRole = Qt.ItemDataRole.UserRole + 8
GroupRole = Qt.ItemDataRole.UserRole + 9  # (group size, is the best) or None
FileKindRole = Qt.ItemDataRole.UserRole + 10  # "RAW+JPEG", "RAW+HEIF", "RAW", or None (see file_kind)

MAX_PIXMAPS = 1500  # at 256 px about 250 MB at most


class AlbumModel(QAbstractListModel):
    def __init__(self, parent=None, thumbnail_folder: Path | None = None):
        super().__init__(parent)
        self.table = PhotoTable([])
        self.order = np.zeros(0, np.int64)
        self._position = np.zeros(0, np.int64)  # table row -> view row (-1 when filtered out)
        self._pixmaps: collections.OrderedDict[int, QPixmap] = collections.OrderedDict()
        self._failed: set[int] = set()
        self._pending: dict[int, Job] = {}  # kept referenced until it reports back
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.thumbnail_folder = thumbnail_folder

    # -- contents ---------------------------------------------------------------------------------------
    def set_table(self, table: PhotoTable, order: np.ndarray | None = None, *,
                  carry_from: PhotoTable | None = None) -> None:
        """Show ``table``. ``carry_from``: the table it replaces (a rescan of the same album), whose
        thumbnails are kept for the files that did not change, so the grid does not blink."""
        clear_queued(self.pool)
        kept = {}
        if carry_from is not None and carry_from is self.table:
            for row, pixmap in self._pixmaps.items():
                new = table.row_of(carry_from.paths[row])
                if new is not None and table.content_hash[new] == carry_from.content_hash[row]:
                    kept[new] = pixmap
        self.beginResetModel()
        self.table = table
        self._pixmaps.clear()
        self._pixmaps.update(kept)
        self._failed.clear()
        self._pending.clear()
        self._set_order(np.arange(len(table)) if order is None else order)
        self.endResetModel()

    def set_order(self, order: np.ndarray) -> None:
        """Show these table rows in this order (after a sort or filter change)."""
        if np.array_equal(order, self.order):
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        rows = [int(self.order[i.row()]) if i.isValid() and i.row() < len(self.order) else -1 for i in old]
        self._set_order(order)
        new = [self.index(int(self._position[r])) if r >= 0 and self._position[r] >= 0 else QModelIndex()
               for r in rows]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def _set_order(self, order: np.ndarray) -> None:
        self.order = np.asarray(order, np.int64)
        self._position = np.full(len(self.table), -1, np.int64)
        self._position[self.order] = np.arange(len(self.order))

    def view_row(self, table_row: int) -> int:
        return int(self._position[table_row]) if 0 <= table_row < len(self._position) else -1

    def table_rows_changed(self, rows, roles: list[int] | None = None) -> None:
        """Tell views that these table rows' data changed (scores arrived, a rating was given)."""
        view = sorted(self.view_row(r) for r in rows)
        view = [v for v in view if v >= 0]
        if not view:
            return
        # one signal per contiguous run keeps this cheap for a whole batch
        start = prev = view[0]
        for v in [*view[1:], None]:
            if v is not None and v == prev + 1:
                prev = v
                continue
            self.dataChanged.emit(self.index(start), self.index(prev), roles or [])
            if v is not None:
                start = prev = v

    def all_changed(self) -> None:
        if self.rowCount():
            self.dataChanged.emit(self.index(0), self.index(self.rowCount() - 1), [])

    # -- Qt model API -------------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.order)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.order):
            return None
        row = int(self.order[index.row()])
        t = self.table
        if role == Qt.ItemDataRole.DisplayRole:
            return t.names[row]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(t, row)
        if role == ThumbnailRole:
            pixmap = self._pixmaps.get(row)
            if pixmap is not None:
                self._pixmaps.move_to_end(row)
                return pixmap
            self._request(row)
            return None
        if role == LoadedRole:
            return row in self._pixmaps
        if role == GenericScoreRole:
            return None if math.isnan(t.generic[row]) else float(t.generic[row])
        if role == PersonalScoreRole:
            return None if math.isnan(t.personal[row]) else float(t.personal[row])
        if role == StarsRole:
            return int(t.stars[row])
        if role == FlagRole:
            return int(t.flag[row])
        if role == PathRole:
            return str(t.paths[row])
        if role == TableRowRole:
            return row
        if role == GroupRole:
            return (int(t.group_size[row]), bool(t.group_best[row])) if t.group[row] >= 0 else None
        if role == FileKindRole:
            return file_kind(t.paths[row], t.companion[row])
        return None

    def roleNames(self):
        names = super().roleNames()
        for role, name in ((ThumbnailRole, b"thumbnail"), (GenericScoreRole, b"genericScore"),
                           (PersonalScoreRole, b"personalScore"), (StarsRole, b"stars"), (FlagRole, b"flag"),
                           (PathRole, b"path"), (LoadedRole, b"loaded"), (TableRowRole, b"tableRow"),
                           (GroupRole, b"group")):
            names[role] = name
        return names

    # -- thumbnails ----------------------------------------------------------------------------------------
    def _request(self, row: int) -> None:
        if row in self._pending or row in self._failed:
            return
        path, folder = self.table.paths[row], self.thumbnail_folder
        job = Job(lambda report, cancel: to_qimage(thumbnail(path, SIZE, folder)))
        self._pending[row] = job
        table = self.table
        job.signals.finished.connect(lambda _id, image: self._arrived(table, row, image))
        job.signals.failed.connect(lambda _id, message: self._arrived(table, row, None))
        start(job, self.pool)

    def _arrived(self, table: PhotoTable, row: int, image) -> None:
        if table is not self.table:
            return  # an album opened since
        self._pending.pop(row, None)
        if image is None:
            self._failed.add(row)
        else:
            self._pixmaps[row] = QPixmap.fromImage(image)
            while len(self._pixmaps) > MAX_PIXMAPS:
                self._pixmaps.popitem(last=False)
        v = self.view_row(row)
        if v >= 0:
            self.dataChanged.emit(self.index(v), self.index(v), [ThumbnailRole, LoadedRole])

    def drop_queued_thumbnails(self) -> None:
        """Forget requests not started yet (the view scrolled past them); visible rows ask again."""
        clear_queued(self.pool)
        self._pending = {row: job for row, job in self._pending.items() if job.started}


def _tooltip(t: PhotoTable, row: int) -> str:
    parts = [str(t.paths[row])]
    if t.companion[row] is not None:
        parts.append(f"shot as RAW+JPEG: {t.companion[row].name} beside it, one photo with one rating")
    if not math.isnan(t.generic[row]):
        parts.append(f"generic {t.generic[row]:.2f} (spread {t.spread[row]:.2f})")
    if not math.isnan(t.personal[row]):
        parts.append(f"yours {t.personal[row]:.2f} stars")
    return "\n".join(parts)


def file_kind(path: Path, companion: Path | None) -> str | None:
    """The grid's badge for a photo's files: "RAW+JPEG" (one photo, two files), "RAW", or None for the rest."""
    return pair_label(path, companion) or ("RAW" if is_raw_name(path) else None)


class ThumbnailDelegate(QStyledItemDelegate):
    """Paints a grid cell: thumbnail (placeholder until loaded), name, stars, flag and scores."""

    def __init__(self, cell: int = 180, parent=None):
        super().__init__(parent)
        self.cell = cell

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        return QSize(self.cell, self.cell + 44)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        painter.save()
        r = option.rect.adjusted(3, 3, -3, -3)
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.fillRect(r, palette.color(QPalette.ColorRole.Highlight) if selected else QColor(40, 40, 44))
        image_rect = QRect(r.left() + 4, r.top() + 4, r.width() - 8, r.width() - 8)
        pixmap = index.data(ThumbnailRole)
        flag = index.data(FlagRole)
        if pixmap is not None:
            scaled = pixmap.size().scaled(image_rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, scaled.width(), scaled.height())
            target.moveCenter(image_rect.center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            if flag == REJECT:
                painter.setOpacity(0.35)
            painter.drawPixmap(target, pixmap)
            painter.setOpacity(1.0)
        else:
            painter.fillRect(image_rect.adjusted(10, 10, -10, -10), QColor(60, 60, 66))
        if flag in (PICK, REJECT):
            badge = QRect(image_rect.right() - 22, image_rect.top() + 2, 20, 20)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(46, 160, 67) if flag == PICK else QColor(200, 50, 50))
            painter.drawEllipse(badge)
            painter.setPen(QColor("white"))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, "✓" if flag == PICK else "✕")
        group = index.data(GroupRole)
        if group is not None:  # a stack: its size on the best, a thin bar on the other takes
            size, best = group
            if best:
                badge = QRect(image_rect.left() + 2, image_rect.top() + 2, 34, 20)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(30, 110, 200))
                painter.drawRoundedRect(badge, 5, 5)
                painter.setPen(QColor("white"))
                painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, f"×{size}")
            else:
                painter.fillRect(QRect(image_rect.left(), image_rect.top(), 4, image_rect.height()),
                                 QColor(30, 110, 200))
        kind = index.data(FileKindRole)
        if kind is not None:  # RAW, RAW+JPEG: bottom left, small, as Lightroom and Photo Mechanic mark them
            small = QFont(option.font)
            small.setPointSizeF(max(6.5, small.pointSizeF() * 0.75))
            small.setBold(True)
            painter.setFont(small)
            width = painter.fontMetrics().horizontalAdvance(kind) + 10
            badge = QRect(image_rect.left() + 2, image_rect.bottom() - 18, width, 16)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(0, 0, 0, 170))
            painter.drawRoundedRect(badge, 4, 4)
            painter.setPen(QColor(240, 240, 240))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, kind)
        text_color = palette.color(QPalette.ColorRole.HighlightedText) if selected else QColor(225, 225, 228)
        painter.setPen(text_color)
        font = QFont(option.font)
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        painter.setFont(font)
        line = QRect(r.left() + 4, image_rect.bottom() + 3, r.width() - 8, 16)
        name = painter.fontMetrics().elidedText(index.data(Qt.ItemDataRole.DisplayRole), Qt.TextElideMode.ElideMiddle,
                                                line.width())
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        line.translate(0, 17)
        stars = index.data(StarsRole) or 0
        painter.setPen(QColor(255, 196, 0) if stars else QColor(110, 110, 115))
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(line, left, "★" * stars + "☆" * (5 - stars))
        generic, personal = index.data(GenericScoreRole), index.data(PersonalScoreRole)
        scores = "…" if generic is None else f"{generic:.2f}"
        if personal is not None:
            scores = f"you {personal:.1f}  ·  {scores}"
        painter.setPen(text_color)
        painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, scores)
        painter.restore()
