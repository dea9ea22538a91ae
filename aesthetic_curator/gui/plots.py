"""A small histogram of the album's scores for the current sort key."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget


class ScoreHistogram(QWidget):
    """Counts of photos per score bin; the range the filter keeps is drawn brighter."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.counts = np.zeros(0)
        self.edges = np.zeros(0)
        self.kept: tuple[float, float] | None = None
        self.label = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumSize(160, 46)

    def sizeHint(self) -> QSize:
        return QSize(240, 46)

    def set_values(self, values: np.ndarray, label: str, kept: tuple[float, float] | None = None,
                   bins: int = 30) -> None:
        values = np.asarray(values, float)
        values = values[~np.isnan(values)]
        self.label = f"{label}: {len(values)} photos" if len(values) else f"{label}: no scores yet"
        if len(values):
            lo, hi = float(values.min()), float(values.max())
            if hi - lo < 1e-6:
                lo, hi = lo - 0.5, hi + 0.5
            self.counts, self.edges = np.histogram(values, bins=bins, range=(lo, hi))
        else:
            self.counts, self.edges = np.zeros(0), np.zeros(0)
        self.kept = kept
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        w, h = self.width(), self.height()
        p.setPen(QColor(160, 160, 165))
        p.drawText(QRectF(4, 0, w - 8, 14), Qt.AlignmentFlag.AlignLeft, self.label)
        if len(self.counts):
            top = max(int(self.counts.max()), 1)
            bw = (w - 8) / len(self.counts)
            for i, c in enumerate(self.counts):
                mid = (self.edges[i] + self.edges[i + 1]) / 2
                inside = self.kept is None or self.kept[0] <= mid <= self.kept[1]
                bh = (h - 18) * c / top
                p.fillRect(QRectF(4 + i * bw, h - bh, max(bw - 1, 1), bh),
                           QColor(90, 150, 230) if inside else QColor(70, 70, 78))
            p.setPen(QColor(130, 130, 135))
            p.drawText(QRectF(4, 0, w - 8, 14), Qt.AlignmentFlag.AlignRight,
                       f"{self.edges[0]:.2f} – {self.edges[-1]:.2f}")
        p.end()
