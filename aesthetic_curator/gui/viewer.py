"""The selected photo, large, with why it scores as it does.

The photo is decoded by a job at about the viewer's size (JPEG draft mode) for "fit", and at full
size only when the user asks for 100%; the GUI thread only scales a ready pixmap.

A camera RAW is shown at once from the JPEG its camera embedded (``raw.decode_raw``), and the view
says so ("Camera preview"): that is the camera's rendering, not the RAW's data. "Develop RAW" (D)
asks LibRaw for a full-size develop, seconds of CPU on a job; the view says "Developing…" until the
developed image replaces the preview, labelled "Developed by LibRaw". Moving to another photo
drops the develop: its result, however late, never replaces the photo now shown. The last develop
is kept, so viewing that photo at 100 % or coming back to it shows it without developing again. The score panel
draws the generic model's 10-bin distribution: a tall narrow peak is a photo people agree on, a
wide or two-humped one divides them (seed 002), which the mean alone hides.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QAction, QColor, QImage, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import raw
from ..desktop import ICON_SVG, resource
from ..errors import MissingDataError
from ..imaging import MAX_PIXELS, load_photo
from ..raw import develop_raw
from .photo_info import read_exif
from .workers import Job, start, to_qimage

#: Where the personal score shown comes from (``PersonalScores.source``), in a few words.
SOURCE_WORDS = {
    "generic": "the generic ranking on your star scale",
    "linear": "your taste model",
    "pam": "PAM offsets from your ratings",
    "adapters": "your trained adapters",
}


#: How the image of a RAW on screen was made, as the view and the panel's "Shown" row say it.
PREVIEW, HALF_DEVELOP, DEVELOPED = "Camera preview", "Half-size develop by LibRaw", "Developed by LibRaw"
DEVELOP_KEY = "D"


class ViewerImage(QImage):
    """A decoded photo with what the view says about it: its file, how a RAW was rendered (None for
    other photos), and the loader that can develop it (None when there is nothing better to offer).
    A ``QImage``, so the window hands it to the view as it would any image."""

    def __init__(self, image: QImage, path: Path, rendering: str | None = None):
        super().__init__(image)
        self.path = Path(path)
        self.rendering = rendering
        self.developer: PhotoLoader | None = None


def read_photo(path: Path, min_size: int | None) -> tuple[ViewerImage, dict[str, str], tuple[int, int]]:
    """Decode for the viewer (on a worker) and summarise the EXIF a photographer looks at. A RAW shows its
    camera's preview even when it is smaller than the view (at once; the develop is on demand)."""
    im = load_photo(path, min_size=min_size, any_preview=True)
    return _described(path, to_qimage(np.asarray(im)), _SAID.get(im.info.get("raw_rendering")))


def develop_photo(path: Path) -> tuple[ViewerImage, dict[str, str], tuple[int, int]]:
    """The RAW developed by LibRaw at full size, upright, for the viewer (on a worker: seconds of CPU)."""
    return _described(path, to_qimage(develop_raw(path, max_pixels=MAX_PIXELS)), DEVELOPED)


#: How the view names each rendering ``raw.decode_raw`` makes.
_SAID = {raw.PREVIEW: PREVIEW, raw.HALF_DEVELOP: HALF_DEVELOP, raw.DEVELOP: DEVELOPED}


def _described(path: Path, image: QImage,
               rendering: str | None) -> tuple[ViewerImage, dict[str, str], tuple[int, int]]:
    """The image with its EXIF summary and stored size; for a RAW, how it was rendered."""
    info, size = read_exif(path)
    full = size or (image.width(), image.height())
    info["Size"] = f"{full[0]} × {full[1]}"
    if rendering is not None:
        info["Shown"] = rendering
    return ViewerImage(image, path, rendering), info, full


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
        self.image: ViewerImage | None = None
        self.actual = False
        self._build_raw_bar()
        self.welcome()

    def _build_raw_bar(self) -> None:
        """Over the photo's top-left corner, for a RAW only: how it was rendered, and Develop RAW. The
        action is the view's (its key works wherever the focus is in the window); the window may list
        it in a menu too. The button takes no focus: the grid keeps the keys that move and rate."""
        self.develop_action = QAction("&Develop RAW", self)
        self.develop_action.setShortcut(QKeySequence(DEVELOP_KEY))
        self.develop_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.develop_action.setStatusTip("Develop the camera RAW at full size with LibRaw, in place of the "
                                         "camera's preview (a few seconds)")
        self.develop_action.setEnabled(False)
        self.develop_action.triggered.connect(self.develop)
        self.addAction(self.develop_action)
        self.raw_bar = QWidget(self)
        self.raw_bar.setObjectName("rawBar")
        self.raw_bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.raw_bar.setStyleSheet("#rawBar { background: rgba(20, 20, 22, 190); border-radius: 4px; }"
                                   "QLabel { color: #ddd; background: transparent; }")
        row = QHBoxLayout(self.raw_bar)
        row.setContentsMargins(8, 4, 4, 4)
        self.rendering_label = QLabel()
        self.develop_button = QToolButton()
        self.develop_button.setDefaultAction(self.develop_action)
        self.develop_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.develop_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        row.addWidget(self.rendering_label)
        row.addWidget(self.develop_button)
        self.raw_bar.hide()

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
        self.image = None
        self.show_rendering()
        self.label.setPixmap(QPixmap())
        self.label.setText(text)
        self.label.resize(self.viewport().size())

    def show_image(self, image: QImage) -> None:
        """Show ``image``; a :class:`ViewerImage` of a RAW also says how it was rendered."""
        self.pixmap = QPixmap.fromImage(image)
        self.image = image if isinstance(image, ViewerImage) else None
        self.show_rendering()
        self.label.setText("")
        self._layout()

    def develop(self) -> None:
        """Develop RAW: ask the loader for a full develop of the RAW shown (it ignores a request for a
        photo it no longer shows), and say it is under way."""
        image = self.image
        if image is not None and image.developer is not None:
            image.developer.develop(image.path, self._develop_failed)
            self.show_rendering()

    def _develop_failed(self, message: str) -> None:
        self.show_rendering(failed=message)

    def show_rendering(self, failed: str = "") -> None:
        """The RAW bar as the image shown asks: hidden for other photos; "Developing…" while the loader
        develops this photo; Develop RAW offered while there is a develop to offer."""
        image = self.image
        if image is None or image.rendering is None:
            self.raw_bar.hide()
            self.develop_action.setEnabled(False)
            return
        developer = image.developer
        running = developer is not None and developer.is_developing(image.path)
        text = image.rendering
        if running:
            text += " · Developing…"
        elif failed:
            text += f" · develop failed: {failed}"
        self.rendering_label.setText(text)
        self.develop_action.setEnabled(developer is not None and not running)
        self.develop_button.setVisible(developer is not None)
        self.raw_bar.show()
        self.raw_bar.adjustSize()
        self._place_raw_bar()

    def _place_raw_bar(self) -> None:
        at = self.viewport().geometry().topLeft()
        self.raw_bar.move(at.x() + 8, at.y() + 8)
        self.raw_bar.raise_()

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
        self._place_raw_bar()


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
    """Asks for one photo at a time; results for a photo no longer selected are dropped. For a RAW it
    also develops on demand (:meth:`develop`): one develop at a time, for the photo asked for last,
    dropped when another is asked for; the last develop is kept for its photo."""

    def __init__(self, on_loaded, on_failed):
        self.on_loaded = on_loaded
        self.on_failed = on_failed
        self.current: Job | None = None
        self.path: Path | None = None  # the photo asked for last
        self.developing: tuple[Job, Path, Callable[[str], None]] | None = None
        #: The last develop: its result and the file's modification time (a changed file is developed anew).
        self.developed: tuple[tuple[ViewerImage, dict[str, str], tuple[int, int]], int | None] | None = None

    def load(self, path: Path, min_size: int | None) -> None:
        path = Path(path)
        if self.current is not None:
            self.current.stop()
            self.current = None
        if self.developing is not None and self.developing[1] != path:
            self.developing[0].stop()  # LibRaw cannot be interrupted: it runs out, and its result is dropped
            self.developing = None
        self.path = path
        if self.developed is not None and self.developed[0][0].path == path:
            if self.developed[1] == _mtime(path):
                self.on_loaded(*self.developed[0])
                return
            self.developed = None
        job = Job(lambda report, cancel: read_photo(path, min_size))
        job.signals.finished.connect(self._finished)
        job.signals.failed.connect(self._failed)
        self.current = start(job)

    def develop(self, path: Path, on_failed: Callable[[str], None]) -> None:
        """Develop the RAW ``path`` at full size on a job, unless another photo has been asked for since
        (a stale view's request) or it is being developed; the result comes as a load's, to ``on_loaded``;
        a failure to ``on_failed`` (the preview stays)."""
        if path != self.path or self.is_developing(path):
            return
        job = Job(lambda report, cancel: (develop_photo(path), _mtime(path)))
        job.signals.finished.connect(self._developed)
        job.signals.failed.connect(self._develop_failed)
        self.developing = (start(job), path, on_failed)

    def is_developing(self, path: Path) -> bool:
        return self.developing is not None and self.developing[1] == path

    def _finished(self, job_id: int, result) -> None:
        if self.current is not None and job_id == self.current.id:
            self.current = None
            image = result[0]
            if image.rendering in (PREVIEW, HALF_DEVELOP):
                image.developer = self
            self.on_loaded(*result)

    def _failed(self, job_id: int, message: str) -> None:
        if self.current is not None and job_id == self.current.id:
            self.current = None
            self.on_failed(message)

    def _developed(self, job_id: int, result) -> None:
        if self.developing is None or job_id != self.developing[0].id:
            return  # another photo was asked for since: this develop is stale
        self.developing = None
        if self.current is not None:  # a load of this photo still running (100 % asked for meanwhile)
            self.current.stop()
            self.current = None
        self.developed = result
        self.on_loaded(*result[0])

    def _develop_failed(self, job_id: int, message: str) -> None:
        if self.developing is not None and job_id == self.developing[0].id:
            on_failed = self.developing[2]
            self.developing = None
            on_failed(message)


def _mtime(path: Path) -> int | None:
    """The file's modification time (ns), to tell a kept develop from the file's current content."""
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None
