"""Preview an enhancement side by side with the original, with the saliency overlay, and export it.

Every computation (decoding, saliency, the enhancement, the full-size export) runs in a job; the
dialog only shows results. The preview works on a screen-sized copy; "Enhance and export" redoes
the edit on the full-size photo and writes a new file beside it (the original is never touched).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QVBoxLayout,
)

from .workers import Job, start, to_qimage

PREVIEW = 640


def _models(user: str | None, folder: Path | None):
    """(the network the edit follows, every network to show scores of): the user's personal one
    when they have a trained profile, and always the generic one."""
    from ..models import load_generic
    from ..personal.service import personal_network

    base, spec = load_generic()
    personal = personal_network(user, base, spec, folder) if user else None
    if personal is None:
        return base, {"generic": base}
    return personal, {"personal": personal, "generic": base}


def _edit(model, photo: np.ndarray, mode: str, amount: int):
    from ..enhance import fgsm, natural

    if mode == "fgsm":
        return fgsm(model, photo, epsilon=float(amount))
    return natural(model, photo, strength=amount / 100)


class EnhanceDialog(QDialog):
    """``previewReady(before, after)`` when a preview is shown; ``exported(path)`` after an export."""

    previewReady = Signal(float, float)
    exported = Signal(str)

    def __init__(self, parent, path: Path, user: str | None, profiles_folder: Path | None = None):
        super().__init__(parent)
        self.path, self.user, self.folder = Path(path), user, profiles_folder
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
        self.scores = QLabel("Working…")
        self.busy = QProgressBar(maximumWidth=160)
        self.busy.setRange(0, 0)  # busy: the edit has no natural percentage
        self.export_button = QPushButton("Enhance and export")
        self.export_button.setDefault(True)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)

        controls = QHBoxLayout()
        for w in (QLabel("Mode:"), self.mode, self.amount_label, self.amount, self.saliency):
            controls.addWidget(w)
        pictures = QHBoxLayout()
        pictures.addWidget(self.before)
        pictures.addWidget(self.after)
        buttons = QHBoxLayout()
        buttons.addWidget(self.scores, 1)
        buttons.addWidget(self.busy)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(pictures, 1)
        layout.addLayout(buttons)

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
        path, user, folder = self.path, self.user, self.folder
        mode, amount = self.mode.currentData(), self.amount.value()

        def work(report, cancel):
            from ..enhance import scores_around
            from ..explain import overlay, smoothgrad
            from ..imaging import load_photo

            photo = load_photo(path, min_size=PREVIEW)
            photo.thumbnail((PREVIEW, PREVIEW))
            pixels = np.asarray(photo.convert("RGB"))
            model, shown = _models(user, folder)
            result = _edit(model, pixels, mode, amount)
            followed = next(k for k, m in shown.items() if m is model)
            scores = {followed: (result.before, result.after),  # the followed score first; the edit has it
                      **scores_around({k: m for k, m in shown.items() if m is not model}, pixels, result.photo)}
            heat = smoothgrad(model, pixels, samples=10)
            return (to_qimage(pixels), to_qimage(result.photo), to_qimage(overlay(pixels, heat)), scores)

        self._run(work, self._preview)

    def _preview(self, result) -> None:
        before, after, salient, scores = result
        self.images = {"before": QPixmap.fromImage(before), "after": QPixmap.fromImage(after),
                       "saliency": QPixmap.fromImage(salient)}
        names = {"personal": f"{self.user}'s predicted stars", "generic": "Generic score"}
        parts = []
        for k, (a, b) in scores.items():
            part = f"{names[k]}: {a:.2f} → <b>{b:.2f}</b> ({b - a:+.2f})"
            if k == "personal" and not 1 <= b <= 5:  # off the user's own scale: the edit fools the model
                part += " <span style='color:#b36b00'>beyond the 1–5 scale</span>"
            parts.append(part)
        self.scores.setText(" · ".join(parts))
        self.export_button.setEnabled(True)
        self._show()
        s0, s1 = next(iter(scores.values()))  # the score the edit followed
        self.previewReady.emit(s0, s1)

    def _show(self) -> None:
        if not self.images:
            return
        left = self.images["saliency" if self.saliency.isChecked() else "before"]
        for label, pixmap in ((self.before, left), (self.after, self.images["after"])):
            label.setPixmap(pixmap.scaled(label.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation))

    def export(self) -> None:
        """Redo the edit on the full-size photo and write it as a new file (in a job)."""
        self.scores.setText("Exporting…")
        self.export_button.setEnabled(False)
        path, user, folder = self.path, self.user, self.folder
        mode, amount = self.mode.currentData(), self.amount.value()

        def work(report, cancel):
            from ..enhance import load_for_edit
            from ..export_edit import export_edited

            model, _ = _models(user, folder)
            result = _edit(model, load_for_edit(path), mode, amount)
            return str(export_edited(path, result.apply))

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
