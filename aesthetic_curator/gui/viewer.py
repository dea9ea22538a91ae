"""The selected photo, large, with why it scores as it does.

The photo is decoded by a job at about the viewer's size (JPEG draft mode) for "fit", and at full
size only when the user asks for 100%; the GUI thread only scales a ready pixmap. The score panel
draws the generic model's 10-bin distribution: a tall narrow peak is a photo people agree on, a
wide or two-humped one divides them (seed 002), which the mean alone hides.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QFormLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from ..desktop import ICON_SVG, resource
from ..errors import MissingDataError
from ..imaging import load_photo
from .photo_info import read_exif
from .workers import Job, start, to_qimage

#: Where the personal score shown comes from (``PersonalScores.source``), in a few words.
SOURCE_WORDS = {
    "generic": "the generic ranking on your star scale",
    "linear": "your taste model",
    "pam": "PAM offsets from your ratings",
    "adapters": "your trained adapters",
}


def read_photo(path: Path, min_size: int | None) -> tuple[QImage, dict[str, str], tuple[int, int]]:
    """Decode for the viewer (on a worker) and summarise the EXIF a photographer looks at."""
    im = load_photo(path, min_size=min_size)
    info, size = read_exif(path)
    full = size or im.size
    info["Size"] = f"{full[0]} × {full[1]}"
    return to_qimage(np.asarray(im)), info, full


class PhotoView(QScrollArea):
    """Fit-to-window or 100% display of one photo."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWidgetResizable(False)
        self.label = QLabel()
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setStyleSheet("background: #1d1d20; color: #aaa;")
        self.setWidget(self.label)
        self.setStyleSheet("QScrollArea { background: #1d1d20; border: none; }")
        self.pixmap: QPixmap | None = None
        self.actual = False
        self.welcome()

    def welcome(self) -> None:
        """The viewer before an album is open: the app's icon, and the one thing to do."""
        try:
            icon = f'<img src="{resource(ICON_SVG)}" width="112" height="112"><br><br>'
        except MissingDataError:
            icon = ""
        self.message(f'<div align="center">{icon}<span style="font-size: 15pt; color: #ddd;">Aesthetic Curator'
                     '</span><br><br>Open a folder of photos (Ctrl+O), or drop one here</div>')

    def message(self, text: str) -> None:
        self.pixmap = None
        self.label.setPixmap(QPixmap())
        self.label.setText(text)
        self.label.resize(self.viewport().size())

    def show_image(self, image: QImage) -> None:
        self.pixmap = QPixmap.fromImage(image)
        self.label.setText("")
        self._layout()

    def set_actual_size(self, actual: bool) -> None:
        self.actual = actual
        self._layout()

    def _layout(self) -> None:
        if self.pixmap is None:
            self.label.resize(self.viewport().size())
            return
        if self.actual:
            shown = self.pixmap
        else:
            shown = self.pixmap.scaled(self.viewport().size(), Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation)
        self.label.setPixmap(shown)
        self.label.resize(shown.size().expandedTo(self.viewport().size()))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._layout()


class DistributionPlot(QWidget):
    """Ten bars: the share of (predicted) voters giving each score 1..10."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.values = np.zeros(10)
        self.setMinimumHeight(70)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(200, 80)

    def set_values(self, values) -> None:
        self.values = np.zeros(10) if values is None else np.asarray(values, float)
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height() - 14
        top = max(float(self.values.max()), 1e-6)
        bw = w / 10
        for i, v in enumerate(self.values):
            bh = (h - 2) * v / top
            p.fillRect(QRectF(i * bw + 2, h - bh, bw - 4, bh), QColor(90, 150, 230))
            p.setPen(QColor(150, 150, 155))
            p.drawText(QRectF(i * bw, h, bw, 14), Qt.AlignmentFlag.AlignCenter, str(i + 1))
        p.end()


class ScorePanel(QWidget):
    """Generic mean and distribution, personal score, rank in the album, EXIF summary."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold;")
        self.title.setWordWrap(True)
        self.scores = QLabel()
        self.scores.setTextFormat(Qt.TextFormat.RichText)
        self.scores.setWordWrap(True)
        self.plot = DistributionPlot()
        self.verdict = QLabel()
        self.verdict.setStyleSheet("color: #888;")
        self.exif = QFormLayout()
        layout.addWidget(self.title)
        layout.addWidget(self.scores)
        layout.addWidget(QLabel("What viewers would give it (generic model):"))
        layout.addWidget(self.plot)
        layout.addWidget(self.verdict)
        layout.addLayout(self.exif)
        layout.addStretch(1)

    def show_photo(self, name: str, generic: float | None, spread: float | None, distribution, personal: float | None,
                   ranks: Sequence[str], user: str | None, source: str | None, stars: int = 0) -> None:
        """``ranks``: the photo's rank lines, each saying by which ranking (``photo_info.rank_lines``)."""
        self.title.setText(name)
        lines = []
        if generic is None:
            lines.append("Generic score: <i>not scored yet</i>")
        else:
            lines.append(f"Generic score: <b>{generic:.2f}</b> / 10 (spread {spread:.2f})")
        if user and stars:
            predicted = "" if personal is None else f" <span style='color:#888'>(predicted {personal:.2f})</span>"
            lines.append(f"{user} rated it <b>{'★' * stars}</b>{predicted}")
        elif user:
            if personal is None:
                lines.append(f"{user}'s score: <i>rate a few photos first</i>")
            else:
                how = SOURCE_WORDS.get(source or "", "from your ratings")
                lines.append(f"{user}'s score: <b>{personal:.2f}</b> stars <span style='color:#888'>({how})</span>")
        lines.extend(ranks)
        self.scores.setText("<br>".join(lines))
        self.plot.set_values(distribution if generic is not None else None)
        if generic is not None and spread is not None and not math.isnan(spread):
            self.verdict.setText("Divisive: viewers would disagree" if spread > 1.55 else
                                 "Consensus: viewers would mostly agree" if spread < 1.3 else "")
        else:
            self.verdict.setText("")

    def show_exif(self, info: dict[str, str]) -> None:
        while self.exif.rowCount():
            self.exif.removeRow(0)
        for label, text in info.items():
            value = QLabel(text)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.exif.addRow(label + ":", value)


class PhotoLoader:
    """Asks for one photo at a time; results for a photo no longer selected are dropped."""

    def __init__(self, on_loaded, on_failed):
        self.on_loaded = on_loaded
        self.on_failed = on_failed
        self.current: Job | None = None

    def load(self, path: Path, min_size: int | None) -> None:
        if self.current is not None:
            self.current.stop()
        job = Job(lambda report, cancel: read_photo(path, min_size))
        job.signals.finished.connect(self._finished)
        job.signals.failed.connect(self._failed)
        self.current = start(job)

    def _finished(self, job_id: int, result) -> None:
        if self.current is not None and job_id == self.current.id:
            self.on_loaded(*result)

    def _failed(self, job_id: int, message: str) -> None:
        if self.current is not None and job_id == self.current.id:
            self.on_failed(message)

