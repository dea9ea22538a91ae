"""Progress of "Learn my taste": epoch, validation Spearman and ETA, with Cancel."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QVBoxLayout


class TrainingDialog(QDialog):
    """Non-blocking: the window stays usable while the worker trains. ``cancel_requested`` asks
    the worker to stop; the previous profile is kept whatever happens."""

    cancel_requested = Signal()

    def __init__(self, parent, user: str, n_ratings: int):
        super().__init__(parent)
        self.setWindowTitle("Learn my taste")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        self.heading = QLabel(f"Training {user}'s personal model on {n_ratings} ratings…")
        self.heading.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.detail = QLabel("Reading the rated photos…")
        self.detail.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self._cancel)
        for w in (self.heading, self.bar, self.detail, self.buttons):
            layout.addWidget(w)
        self.done_ = False
        self.stopping = False
        self.epochs_seen = 0

    def update_progress(self, p) -> None:
        if self.stopping or self.done_:  # reports already on their way when Cancel was pressed
            return
        if not hasattr(p, "epoch"):  # service.Preparing: photos being read
            self.bar.setRange(0, p.total)
            self.bar.setValue(p.done)
            self.detail.setText(f"Reading the rated photos: {p.done} of {p.total}")
            return
        self.epochs_seen = p.epoch
        self.bar.setRange(0, p.epochs)
        self.bar.setValue(p.epoch)
        rho = "n/a (too few ratings to hold some out)" if math.isnan(p.val_spearman) else f"{p.val_spearman:.2f}"
        self.detail.setText(f"Epoch {p.epoch} of {p.epochs} · loss {p.train_loss:.3f} · "
                            f"validation Spearman {rho} · best epoch so far {p.best_epoch} · "
                            f"about {p.eta_s:.0f} s left")

    def reject(self) -> None:
        """Esc or the close button: the same as Cancel (training never runs unseen)."""
        self._cancel()

    def _cancel(self) -> None:
        if self.done_:
            self.accept()
            return
        self.stopping = True
        self.detail.setText("Stopping… your previous personal model is kept.")
        self.buttons.setEnabled(False)
        self.cancel_requested.emit()

    def _closing(self, text: str) -> None:
        self.done_ = True
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.detail.setText(text)
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
        self.buttons.setEnabled(True)

    def finish(self, outcome) -> None:
        r = outcome.result
        rho = "n/a" if math.isnan(r.val_spearman) else f"{r.val_spearman:.2f}"
        self._closing(f"Done in {outcome.seconds:.0f} s on {r.device}: kept epoch {r.best_epoch} "
                      f"(validation Spearman {rho}). Your scores are being refreshed.")

    def fail(self, message: str) -> None:
        self._closing(f"Training failed: {message}\nYour previous personal model is kept.")

    def cancelled(self) -> None:
        self._closing("Cancelled. Your previous personal model is kept.")
