"""Preview an enhancement side by side with the original, with the saliency overlay, and export it.

Every computation (decoding, saliency, the enhancement, the full-size export) runs in a job; the
dialog only shows results. The preview edits and scores the photo as the album scan decodes it (so its
"before" is the side panel's figure) and shows screen-sized copies; "Enhance and export" redoes the
edit on the full-size photo and writes a new file beside it (the original is never touched). A camera
RAW's edit is redone on its 16-bit develop and written as a 16-bit TIFF or, if chosen, a JPEG.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QVBoxLayout,
)

from ..formats import is_raw_name
from .workers import Job, start, to_qimage

PREVIEW = 640
#: Why the figures here are the album's, and when they may differ from the exported file's.
SCORES_NOTE = ("Scores are computed on the photo as the album scan reads it, so “before” is the figure in the "
               "side panel. An exported file is scored afresh when it joins the album (JPEG re-encoding can "
               "move its figure by a few hundredths).")


def _models(user: str | None, catalog_path: Path | None, folder: Path | None, album: Sequence = ()):
    """(the network the edit follows, every network to show scores of, the sentence saying which score
    is followed or None): the user's adopted personal score, the one the side panel shows (see
    ``personal.service.personal_model``), and always the generic one. Runs in a job: it reads the catalog
    and builds networks."""
    from ..catalog import Catalog
    from ..enhance import scoring_models, shown_models

    if user is None:
        base, personal = scoring_models(None)
    else:
        with Catalog(catalog_path) as catalog:
            base, personal = scoring_models(user, catalog, folder, album)
    if personal is None:
        return base, shown_models(base, None), None
    return personal.follow, shown_models(base, personal), personal.description


def _preview_size(pixels: np.ndarray) -> np.ndarray:
    """A copy to show, at most PREVIEW pixels a side (the scores come from the full decode)."""
    from PIL import Image

    im = Image.fromarray(pixels)
    im.thumbnail((PREVIEW, PREVIEW))
    return np.asarray(im)


def _edit(model, photo: np.ndarray, mode: str, amount: int):
    from ..enhance import fgsm, natural

    if mode == "fgsm":
        return fgsm(model, photo, epsilon=float(amount))
    return natural(model, photo, strength=amount / 100)


class EnhanceDialog(QDialog):
    """``previewReady(before, after)`` when a preview is shown; ``exported(path)`` after an export."""

    previewReady = Signal(float, float)
    exported = Signal(str)

    def __init__(self, parent, path: Path, user: str | None, profiles_folder: Path | None = None, *,
                 catalog_path: Path | None = None, album: Sequence = ()):
        """``catalog_path`` (None: the default catalog) holds the user's ratings, from which their personal
        score is chosen; ``album``: the scores of the album shown (the side panel's figures are that album's)."""
        super().__init__(parent)
        self.path, self.user, self.folder = Path(path), user, profiles_folder
        self.catalog_path, self.album = catalog_path, list(album)
        self.setWindowTitle(f"Enhance — {self.path.name}")
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.job: Job | None = None
        self.images: dict[str, QPixmap] = {}

        self.mode = QComboBox()
        self.mode.addItem("Natural (global adjustments)", "natural")
        self.mode.addItem("FGSM (gradient sign)", "fgsm")
        self.amount = QSlider(Qt.Orientation.Horizontal)
        self.amount_label = QLabel()
        self.saliency = QCheckBox("Show where the score comes from (saliency)")
        self.before = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.after = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        for label in (self.before, self.after):
            label.setMinimumSize(PREVIEW // 2, PREVIEW // 2)
            label.setStyleSheet("background: #1d1d20; color: #aaa;")
        self.before_title = QLabel("Before", alignment=Qt.AlignmentFlag.AlignCenter)
        self.after_title = QLabel("After", alignment=Qt.AlignmentFlag.AlignCenter)
        for label in (self.before_title, self.after_title):
            label.setStyleSheet("font-weight: bold;")
        self.scores = QLabel("Working…")
        self.scores.setToolTip(SCORES_NOTE)
        self.follows = QLabel()  # which score the edit follows: the user's adopted one, in words
        self.follows.setWordWrap(True)
        self.follows.hide()
        note = QLabel(SCORES_NOTE)
        note.setWordWrap(True)
        note.setStyleSheet("color: #888;")
        self.busy = QProgressBar(maximumWidth=160)
        self.busy.setRange(0, 0)  # busy: the edit has no natural percentage
        self.export_button = QPushButton("Enhance and export")
        self.export_button.setDefault(True)
        self.raw_format = QComboBox()  # a RAW cannot be written back: what its edit becomes
        self.raw_format.addItem("16-bit TIFF", ".tif")
        self.raw_format.addItem("JPEG", ".jpg")
        self.raw_format.setToolTip("A camera RAW's edit is made on its 16-bit develop and written as a new file "
                                   "of this kind beside it, with its EXIF")
        self.raw_format.setVisible(is_raw_name(self.path))
        close = QPushButton("Close")
        close.clicked.connect(self.reject)

        controls = QHBoxLayout()
        for w in (QLabel("Mode:"), self.mode, self.amount_label, self.amount, self.saliency):
            controls.addWidget(w)
        pictures = QGridLayout()
        pictures.addWidget(self.before_title, 0, 0)
        pictures.addWidget(self.after_title, 0, 1)
        pictures.addWidget(self.before, 1, 0)
        pictures.addWidget(self.after, 1, 1)
        pictures.setRowStretch(1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.scores, 1)
        buttons.addWidget(self.busy)
        buttons.addWidget(self.raw_format)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(pictures, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.follows)
        layout.addWidget(note)

        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.amount.sliderReleased.connect(self.refresh)
        self.amount.valueChanged.connect(self._show_amount)
        self.saliency.toggled.connect(lambda _: self._show())
        self.export_button.clicked.connect(self.export)
        self._mode_changed()

    def _mode_changed(self) -> None:
        fgsm = self.mode.currentData() == "fgsm"
        self.amount.blockSignals(True)
        self.amount.setRange(1, 8) if fgsm else self.amount.setRange(0, 100)
        self.amount.setValue(3 if fgsm else 100)
        self.amount.blockSignals(False)
        self._show_amount()
        self.refresh()

    def _show_amount(self) -> None:
        v = self.amount.value()
        self.amount_label.setText(f"ε {v}/255" if self.mode.currentData() == "fgsm" else f"strength {v}%")

    def _run(self, fn, done) -> None:
        if self.job is not None:
            self.job.stop()
        self.job = Job(fn)
        job_id = self.job.id
        self.busy.show()

        def finished(i: int, result) -> None:
            if i == job_id:
                self.busy.hide()
                done(result)

        def failed(i: int, message: str) -> None:
            if i == job_id:
                self.busy.hide()
                self.scores.setText(f"Failed: {message}")

        self.job.signals.finished.connect(finished)
        self.job.signals.failed.connect(failed)
        start(self.job, self.pool)

    def refresh(self) -> None:
        """Recompute the preview (in a job) for the current mode and amount."""
        self.scores.setText("Working…")
        self.export_button.setEnabled(False)
        path, user, folder, catalog_path, album = self.path, self.user, self.folder, self.catalog_path, self.album
        mode, amount = self.mode.currentData(), self.amount.value()

        def work(report, cancel):
            from ..enhance import edit_scores, load_as_scanned
            from ..explain import overlay, smoothgrad
            from ..personal.taste import soft_stars

            model, shown, follows = _models(user, catalog_path, folder, album)
            # Edited and scored as the album scan decodes the photo, so "before" is the side panel's figure.
            pixels = load_as_scanned(path, model.input_size)
            result = _edit(model, pixels, mode, amount)
            scores = edit_scores(result, model, shown, pixels)  # the followed score first; the edit has it
            # The personal figure is soft-limited to 1..5: outside these, the unlimited one is off the scale.
            low, top = float(soft_stars(1.0)), float(soft_stars(5.0))
            past = "personal" in scores and not low <= scores["personal"][1] <= top
            before, after = _preview_size(pixels), _preview_size(result.photo)
            heat = smoothgrad(model, before, samples=10)
            return (to_qimage(before), to_qimage(after), to_qimage(overlay(before, heat)), scores, follows, past)

        self._run(work, self._preview)

    def _preview(self, result) -> None:
        before, after, salient, scores, follows, past = result
        self.images = {"before": QPixmap.fromImage(before), "after": QPixmap.fromImage(after),
                       "saliency": QPixmap.fromImage(salient)}
        names = {"personal": f"{self.user}'s predicted stars", "generic": "Generic score"}
        parts = []
        for k, (a, b) in scores.items():
            part = f"{names[k]}: {a:.2f} → <b>{b:.2f}</b> ({b - a:+.2f})"
            if k == "personal" and past:  # off the user's own scale: the edit fools the model
                part += " <span style='color:#b36b00'>past the 1–5 scale</span>"
            parts.append(part)
        self.follows.setText(follows or "")
        self.follows.setVisible(bool(follows))
        self.scores.setText(" · ".join(parts))
        self.export_button.setEnabled(True)
        self._show()
        s0, s1 = next(iter(scores.values()))  # the score the edit followed
        self.previewReady.emit(s0, s1)

    def _show(self) -> None:
        if not self.images:
            return
        left = self.images["saliency" if self.saliency.isChecked() else "before"]
        self.before_title.setText("Before: where the score comes from" if self.saliency.isChecked() else "Before")
        for label, pixmap in ((self.before, left), (self.after, self.images["after"])):
            label.setPixmap(pixmap.scaled(label.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation))

    def export(self) -> None:
        """Redo the edit on the full-size photo (a RAW: its 16-bit develop) and write it as a new file (in a
        job)."""
        self.scores.setText("Exporting…")
        self.export_button.setEnabled(False)
        path, user, folder, catalog_path, album = self.path, self.user, self.folder, self.catalog_path, self.album
        mode, amount = self.mode.currentData(), self.amount.value()
        # A RAW's edit: beside it, named NAME-enhanced.tif or .jpg as chosen; other photos keep their format.
        out = path.with_name(f"{path.stem}-enhanced{self.raw_format.currentData()}") if is_raw_name(path) else None

        def work(report, cancel):
            from ..enhance import open_for_edit
            from ..export_edit import export_edited

            model, _, _ = _models(user, catalog_path, folder, album)
            source = open_for_edit(path)
            result = _edit(model, source.photo, mode, amount)
            return str(export_edited(path, result.apply, out, developed=source.developed))

        def done(written: str) -> None:
            self.scores.setText(f"Written: {written}")
            self.export_button.setEnabled(True)
            self.exported.emit(written)

        self._run(work, done)

    def done(self, result: int) -> None:  # closing: stop and wait for the job
        if self.job is not None:
            self.job.stop()
        self.pool.waitForDone()
        super().done(result)
