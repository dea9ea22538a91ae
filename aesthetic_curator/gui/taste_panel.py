"""“Your taste”: how well the personal score knows the user, in the core's own words, and a plot.

The sentence is :func:`aesthetic_curator.personal.taste.describe` of the current agreement, computed by
the worker that refreshes the personal scores (that module imports torch, which the GUI thread never
does), so the app and the CLI always say the same thing. The plot shows the cross-validated agreement
of the user's score and of the generic score as the ratings came (``service.agreement_curve``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ..personal.limits import MIN_RATINGS

#: The learnt methods in a few words, for the status bar (``taste.METHOD_NAMES`` has the long ones).
SHORT_METHOD = {"linear": "your taste model", "pam": "your PAM offsets", "adapters": "your trained adapters",
                "generic": "the generic score"}

PERSONAL_COLOUR = QColor(90, 150, 230)
GENERIC_COLOUR = QColor(200, 160, 90)


def rho_text(value: float) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:+.2f}"


def short_taste(user: str, n_ratings: int, agreement) -> str:
    """The status bar's one-line form of the agreement: e.g. “Ana: 24 ratings · your taste model agrees
    +0.55 (generic +0.21)” or “Ana: 12 ratings · follows the generic score (+0.30): rate more”."""
    head = f"{user}: {n_ratings} rating{'' if n_ratings == 1 else 's'}" if n_ratings else f"{user}: no ratings yet"
    if agreement is None:
        return head if n_ratings else head + " · rate photos (1-5) to teach it your taste"
    if agreement.n_ratings < MIN_RATINGS:
        return head + f" · rate {MIN_RATINGS - agreement.n_ratings} more to learn your taste"
    if agreement.better:
        return (head + f" · {SHORT_METHOD.get(agreement.method, agreement.method)} agrees "
                f"{rho_text(agreement.personal)} (generic {rho_text(agreement.generic)})")
    return head + f" · follows the generic score ({rho_text(agreement.generic)}): rate more"


class AgreementPlot(QWidget):
    """Cross-validated Spearman of the user's score and of the generic score with the user's ratings,
    against the number of ratings (two lines; -0.5..1, or -1..1 when a figure falls below -0.5)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        #: (number of ratings, personal rho, generic rho) per point of the curve
        self.points: list[tuple[int, float, float]] = []
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFixedSize(self.sizeHint())
        self.setToolTip("How well each score ranks your photos as you do, on photos it did not see "
                        "(Spearman: 1 = exactly as you did, 0 = chance), as your ratings came")

    def sizeHint(self) -> QSize:
        return QSize(260, 124)

    def set_curve(self, curve: Sequence) -> None:
        """``curve``: ``taste.Agreement`` objects (``service.agreement_curve``), oldest first."""
        self.points = [(int(a.n_ratings), float(a.personal), float(a.generic)) for a in curve]
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() * 0.8, 6.5))
        p.setFont(font)
        w, h = self.width(), self.height()
        left, right, top, bottom = 30, 8, 22, 26
        area = QRectF(left, top, w - left - right, h - top - bottom)
        values = [v for _, a, b in self.points for v in (a, b) if math.isfinite(v)]
        lo = -1.0 if values and min(values) < -0.5 else -0.5
        hi = 1.0
        ns = [n for n, _, _ in self.points]
        x_max = max(max(ns, default=0), 10)
        x_min = min(min(ns, default=0), 5) if ns else 0

        def xy(n: float, v: float) -> QPointF:
            x = area.left() + (n - x_min) / max(x_max - x_min, 1) * area.width()
            y = area.bottom() - (v - lo) / (hi - lo) * area.height()
            return QPointF(x, y)

        # grid, y ticks and frame
        grey = QColor(140, 140, 146)
        tick = lo
        while tick <= hi + 1e-9:
            y = xy(x_min, tick).y()
            if lo < tick < hi:
                zero = abs(tick) < 1e-9
                p.setPen(QPen(grey, 1, Qt.PenStyle.SolidLine if zero else Qt.PenStyle.DotLine))
                p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            p.setPen(grey)
            p.drawText(QRectF(0, y - 7, left - 4, 14), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       f"{tick:g}")
            tick += 0.5
        p.setPen(QPen(grey, 1))
        p.drawRect(area)
        # title and legend (top), x axis (bottom)
        row = QRectF(2, 0, w, 15)
        p.drawText(row, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "agreement (Spearman)")
        x = w - right
        for label, colour in (("generic", GENERIC_COLOUR), ("yours", PERSONAL_COLOUR)):
            width = p.fontMetrics().horizontalAdvance(label)
            x -= width
            p.setPen(grey)
            p.drawText(QRectF(x, 0, width, 15), Qt.AlignmentFlag.AlignVCenter, label)
            p.setPen(QPen(colour, 2))
            p.drawLine(QPointF(x - 15, 7.5), QPointF(x - 3, 7.5))
            x -= 24
        p.setPen(grey)
        below = QRectF(area.left(), area.bottom() + 1, area.width(), 12)
        p.drawText(below, Qt.AlignmentFlag.AlignLeft, str(x_min))
        p.drawText(below, Qt.AlignmentFlag.AlignRight, str(x_max))
        p.drawText(QRectF(area.left(), area.bottom() + 12, area.width(), 13), Qt.AlignmentFlag.AlignHCenter,
                   "number of ratings")
        if not self.points:
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, "no ratings yet")
            p.end()
            return
        # generic first, the user's score on top of it
        for column, colour in ((2, GENERIC_COLOUR), (1, PERSONAL_COLOUR)):
            path, pen_down = QPainterPath(), False
            dots = []
            for point in self.points:
                n, v = point[0], point[column]
                if not math.isfinite(v):
                    pen_down = False
                    continue
                q = xy(n, v)
                (path.lineTo if pen_down else path.moveTo)(q)
                pen_down = True
                dots.append(q)
            p.setPen(QPen(colour, 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)
            p.setBrush(colour)
            for q in dots:
                p.drawEllipse(q, 2.2, 2.2)
        p.end()


class TastePanel(QWidget):
    """The “Your taste” section below the score panel: the core's sentence, a note when the trained
    adapters were judged on fewer ratings than the user has now, and the agreement plot."""

    def __init__(self, parent=None):
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 4, 8, 6)
        column.setSpacing(3)
        self.title = QLabel("Your taste")
        self.title.setStyleSheet("font-weight: bold;")
        small = QFont(self.font())
        small.setPointSizeF(small.pointSizeF() * 0.92)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setFont(small)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setFont(small)
        self.note.setStyleSheet("color: #b08a3c;")
        self.note.hide()
        self.plot = AgreementPlot()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.plot, 0, Qt.AlignmentFlag.AlignTop)
        row.addStretch(1)
        for w in (self.title, self.text, self.note):
            column.addWidget(w)
        column.addLayout(row)
        column.addStretch(1)
        self.show_message("Rate photos (keys 1-5): from the fifth rating on, your own score is learnt and "
                          "checked on photos it did not see.")

    def _fit_height(self) -> None:
        """Never shorter than the wrapped sentence and the plot need (the splitter gives way)."""
        need = self.layout().heightForWidth(max(self.width(), 200))
        if need > 0 and need != self.minimumHeight():
            self.setMinimumHeight(need)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def show_message(self, text: str) -> None:
        self.title.setText("Your taste")
        self.text.setText(text)
        self.note.hide()
        self.plot.set_curve([])
        self._fit_height()

    def show_taste(self, user: str, text: str, curve: Sequence, note: str = "") -> None:
        """``text``: ``taste.describe(agreement)``, word for word; ``note``: e.g. that retraining will judge
        the adapters on the new ratings (hidden when empty)."""
        self.title.setText(f"Your taste ({user})")
        self.text.setText(text)
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.plot.set_curve(curve)
        self._fit_height()
