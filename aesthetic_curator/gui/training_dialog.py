"""Progress of "Learn my taste" (cross-validation runs, then the final run, with ETA), with Cancel.

Training the adapters is one job in four parts (``personal.heavy``): ``CV_RUNS`` runs that each train
on 2/3 of the ratings and predict the rest ("checking the adapters on ratings they did not see"),
then a final run on all of them for the epoch count the checks chose. The worker's reports number
the epochs over the whole job; :class:`TrainingTracker` turns them into what the user reads, for the
dialog and for the status bar alike.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QVBoxLayout

#: Cross-validation runs of the adapters: ``personal.heavy.FOLDS`` (not imported: that module imports
#: torch, which the GUI thread never does; a test checks that the two agree).
CV_RUNS = 3


def eta_text(seconds: float) -> str:
    if not math.isfinite(seconds):
        return ""
    if seconds < 90:
        return f"about {max(seconds, 1):.0f} s left"
    return f"about {seconds / 60:.0f} min left"


class TrainingTracker:
    """What a training job is doing now, from its last report: ``text`` (a sentence), ``short`` (for
    the status bar), ``value`` of ``maximum`` (0 of 0: busy, no known length)."""

    def __init__(self, n_ratings: int):
        self.n_ratings = n_ratings
        self.value, self.maximum = 0, 0
        self.per_run: int | None = None  # epochs of each cross-validation run
        self.text = "Reading the rated photos…"
        self.short = "reading photos…"

    def update(self, p) -> None:
        if not hasattr(p, "epoch"):  # service.Preparing: photos being scored or read
            if getattr(p, "scoring", False):  # rated before any scan: generic scores first, then reading
                busy = p.done < p.total
                self.value, self.maximum = (p.done, p.total) if busy else (0, 0)
                self.text = (f"Scoring the rated photos with the generic model: {p.done} of {p.total}" if busy
                             else "Reading the rated photos…")
                self.short = f"scoring photos {p.done}/{p.total}" if busy else "reading photos…"
            elif p.done < p.total:
                self.value, self.maximum = p.done, p.total
                self.text = f"Reading the rated photos: {p.done} of {p.total}"
                self.short = f"reading photos {p.done}/{p.total}"
            else:  # the first epoch's report will give the job's length
                self.value, self.maximum = 0, 0
                self.text = (f"Checking the adapters on ratings they did not see: run 1 of {CV_RUNS} "
                             f"(each run trains on 2/3 of your ratings and predicts the rest)…")
                self.short = f"check 1/{CV_RUNS}"
            return
        self.value, self.maximum = p.epoch, max(p.epochs, p.epoch)
        eta = eta_text(p.eta_s)
        runs = int(getattr(p, "runs", CV_RUNS + 1))  # the checking runs, then the final one
        if runs <= 1:  # a plain training run (no cross-validation)
            self.text = f"Training: epoch {p.epoch} of {p.epochs} · {eta}"
            self.short = f"epoch {p.epoch}/{p.epochs}"
            return
        checks_runs = runs - 1
        if self.per_run is None:  # the first report still counts a final run as long as the others
            self.per_run = max(p.epochs // runs, 1)
        checks = checks_runs * self.per_run
        now = p.epoch + 1  # the epoch being trained now
        if now <= checks:
            run, epoch = (now - 1) // self.per_run + 1, (now - 1) % self.per_run + 1
            self.text = (f"Checking the adapters on ratings they did not see: run {run} of {checks_runs}, "
                         f"epoch {epoch} of {self.per_run} · {eta}")
            self.short = f"check {run}/{checks_runs}"
        elif p.epoch == checks:  # the final run's length is known from its first report on
            self.text = f"Final training on all {self.n_ratings} ratings… · {eta}"
            self.short = "final run"
        elif now <= p.epochs:
            self.text = (f"Final training on all {self.n_ratings} ratings: epoch {now - checks} of "
                         f"{p.epochs - checks} · {eta}")
            self.short = f"final run {now - checks}/{p.epochs - checks}"
        else:
            self.text = "Saving your profile and choosing the score you see…"
            self.short = "saving"


def adapters_line(result, agreement) -> str:
    """One sentence on the trained adapters (``heavy.CrossValidated``), the same as the CLI's."""
    from ..personal.agreement import adapters_sentence

    if agreement is None:
        return ""
    return adapters_sentence(agreement, int(getattr(result, "epochs", 0) or 0))


class TrainingDialog(QDialog):
    """Non-blocking: the window stays usable while the worker trains. ``cancel_requested`` asks
    the worker to stop; the previous profile is kept whatever happens."""

    cancel_requested = Signal()

    def __init__(self, parent, user: str, n_ratings: int):
        super().__init__(parent)
        self.setWindowTitle("Learn my taste")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        self.user, self.n_ratings = user, n_ratings
        self.heading = QLabel(f"Training {user}'s personal model on {n_ratings} ratings…")
        self.heading.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.detail = QLabel("Reading the rated photos…")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self._cancel)
        for w in (self.heading, self.bar, self.detail, self.buttons):
            layout.addWidget(w)
        self.done_ = False
        self.stopping = False

    def show_progress(self, tracker: TrainingTracker) -> None:
        if self.stopping or self.done_:  # reports already on their way when Cancel was pressed
            return
        self.bar.setRange(0, tracker.maximum)
        self.bar.setValue(tracker.value)
        self.detail.setText(tracker.text)

    def reject(self) -> None:
        """Esc or the close button: the same as Cancel (training never runs unseen)."""
        self._cancel()

    def _cancel(self) -> None:
        if self.done_:
            self.accept()
            return
        self.mark_stopping()
        self.cancel_requested.emit()

    def mark_stopping(self) -> None:
        """Cancel was asked for (here or in the status bar): say so until the worker stops."""
        if self.done_:
            return
        self.stopping = True
        self.detail.setText("Stopping… your previous personal model is kept.")
        self.buttons.setEnabled(False)

    def _closing(self, text: str, stopped: str = "") -> None:
        """``stopped``: what the bar says when the training did not complete ("Cancelled", "Failed"):
        it keeps the point reached instead of showing 100%."""
        self.done_ = True
        if stopped:
            if self.bar.maximum() == 0:  # busy when it stopped: no point reached to keep
                self.bar.setRange(0, 1)
                self.bar.setValue(0)
                self.bar.setFormat(stopped)
            else:
                self.bar.setFormat(f"{stopped} at %p%" if self.bar.value() < self.bar.maximum() else stopped)
        else:
            self.bar.setRange(0, 1)
            self.bar.setValue(1)
        self.detail.setText(text)
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
        self.buttons.setEnabled(True)
        self.adjustSize()  # room for the longer closing words

    def finish(self, outcome, description: str) -> None:
        """``description``: ``taste.describe(outcome.agreement)`` (made by the worker)."""
        cv = outcome.result
        device = getattr(getattr(cv, "result", None), "device", None) or getattr(cv, "device", "")
        self.heading.setText(f"{self.user}'s personal model, trained on {outcome.n_ratings} ratings:")
        parts = [description, adapters_line(cv, outcome.agreement),
                 f"Done in {outcome.seconds:.0f} s" + (f" on {device}" if device else "") + "."]
        self._closing("\n\n".join(p for p in parts if p))

    def fail(self, message: str) -> None:
        self._closing(f"Training failed: {message}\nYour previous personal model is kept.", "Failed")

    def cancelled(self) -> None:
        self._closing("Cancelled. Your previous personal model is kept.", "Cancelled")
