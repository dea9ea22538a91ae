"""Learning the user's taste: Taste ▸ Learn My Taste, automatic retraining, and the status bar's training box.

One training at a time, asked for (Ctrl+L, with the dialog) or automatic (every TRAIN_OFFER_EVERY new
ratings, in the status bar only); Cancel in either place stops it and the old profile is kept. The
training itself is ``personal.service.train_user`` on a job.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QMessageBox, QProgressBar, QToolButton, QWidget

from ..catalog import Catalog
from .actions import add_action
from .protocols import TrainingHost
from .training_dialog import TrainingDialog, TrainingTracker

logger = logging.getLogger(__name__)

TRAIN_OFFER_EVERY = 10  # new ratings after which the adapters are retrained (or "Learn my taste" offered)


class TrainingController(QObject):
    def __init__(self, host: TrainingHost, menu: QMenu):
        super().__init__(host)
        self.host = host
        self.ratings_at_training = self._ratings_at_training(host.user)
        self.auto_snoozed_at = -TRAIN_OFFER_EVERY  # ratings when an automatic training was cancelled
        self.train_config = None  # training.TrainConfig; None: the defaults
        self.train_auto = False  # the running training started by itself (nobody asked to watch it)
        self.training_for = ""
        self.training_started_with = 0  # the user's ratings when the running training started
        self.train_tracker: TrainingTracker | None = None
        self.training_dialog: TrainingDialog | None = None
        self._after_training: list = []  # user actions waiting for a training to stop
        self.act_train = add_action(host, menu, "&Learn My Taste", "Ctrl+L", self.train,
                                    tip="Train your personal model from your ratings")
        self.act_auto_train = add_action(
            host, menu, "Retrain &Automatically", None, self._auto_train_toggled, checkable=True,
            tip=f"Retrain your personal model in the background after every {TRAIN_OFFER_EVERY} new ratings")
        self.act_auto_train.setChecked(host.settings.value("auto_train", True, bool))
        self.offer_button = QToolButton(text="Learn my taste")
        self.offer_button.setToolTip("Enough new ratings to improve your personal model (Ctrl+L)")
        self.offer_button.clicked.connect(self.train)
        self.offer_button.hide()
        # A training in progress (automatic or asked for): what it does, how far, and Cancel.
        self.train_box = QWidget()
        box = QHBoxLayout(self.train_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        self.train_label = QLabel()
        self.train_bar = QProgressBar(maximumWidth=110, maximumHeight=14, textVisible=False)
        self.train_cancel = QToolButton(text="Cancel")
        self.train_cancel.setToolTip("Stop training; your previous personal model is kept")
        self.train_cancel.clicked.connect(self.cancel_training)
        self.train_label.setToolTip("Taste ▸ Learn My Taste (Ctrl+L) shows it in detail")
        for w in (self.train_label, self.train_bar, self.train_cancel):
            box.addWidget(w)
        self.train_box.hide()

    def _ratings_at_training(self, user: str) -> int:
        """Ratings counted as already trained on: all of them when the user has a profile (its count needs
        torch to read), none when they never trained."""
        from ..personal.profile_files import profile_path

        if not profile_path(user, self.host.profiles_folder).exists():
            return 0
        return len(self.host.album.stars)

    def switched_user(self) -> None:
        """The album's user changed (their marks are loaded): count their ratings afresh."""
        self.ratings_at_training = self._ratings_at_training(self.host.user)
        self.auto_snoozed_at = -TRAIN_OFFER_EVERY
        self.offer_button.hide()

    def stale_note(self) -> str:
        """What the taste panel says when the user rated photos since their adapters were trained."""
        when = (f"automatically after {TRAIN_OFFER_EVERY} new ratings" if self.act_auto_train.isChecked()
                else "Taste ▸ Learn My Taste")
        return (f"You rated photos since your adapters were trained: retraining ({when}) will judge "
                "them on your new ratings.")

    def _auto_train_toggled(self) -> None:
        self.host.settings.setValue("auto_train", self.act_auto_train.isChecked())
        self.offer_training()

    def offer_training(self) -> None:
        """Retrain in the background, or offer "Learn my taste", once enough new ratings came."""
        from ..personal.limits import MIN_RATINGS

        n = len(self.host.album.stars)
        due = n >= MIN_RATINGS and n - self.ratings_at_training >= TRAIN_OFFER_EVERY
        if self.training():
            self.offer_button.hide()
        elif due and self.act_auto_train.isChecked() and n - self.auto_snoozed_at >= TRAIN_OFFER_EVERY:
            self.offer_button.hide()
            if "scan" not in self.host.runner.jobs:  # else when the scan ends: both would share two cores
                self._start_training(auto=True)
        else:
            self.offer_button.setVisible(due)
        self.host.update_user_ui()

    def training(self) -> bool:
        return "train" in self.host.runner.jobs

    def train(self) -> None:
        """Taste ▸ Learn My Taste: train now, with the dialog (or show the one already training)."""
        from ..personal.limits import MIN_RATINGS

        if self.training():
            self._show_training_dialog()
            return
        n = len(self.host.album.stars)
        if n < MIN_RATINGS:
            QMessageBox.information(self.host, "Learn my taste",
                                    f"Rate at least {MIN_RATINGS} photos first (you have rated {n}).\n"
                                    "Taste ▸ Rate Suggestions (Ctrl+R) shows the most useful ones.")
            return
        self._start_training(auto=False)

    def _start_training(self, *, auto: bool) -> None:
        assert not self.training()
        host = self.host
        n = len(host.album.stars)
        user, catalog_path, folder, config = host.user, host.catalog.path, host.profiles_folder, self.train_config

        def work(report, cancel):
            from ..personal.agreement import describe
            from ..personal.service import train_user

            with Catalog(catalog_path) as cat:
                outcome = train_user(cat, user, config=config, progress=report, cancel=cancel, folder=folder)
            return outcome, describe(outcome.agreement) if outcome.agreement is not None else ""

        # What "new ratings since training" counts from: every rating at the start, found or not (a rated
        # photo on an unplugged drive is not trained on, yet it is no new rating either).
        self.train_auto, self.training_for, self.training_started_with = auto, user, n
        self.train_tracker = TrainingTracker(n)
        self.training_dialog = None
        host.runner.run("train", work, self._train_progress, self._train_finished, self._train_failed,
                        on_cancelled=self._train_cancelled)
        self.offer_button.hide()
        self.train_label.setText("Training your taste…")
        self.train_bar.setRange(0, 0)
        self.train_cancel.setEnabled(True)
        self.train_box.show()
        if not auto:
            self._show_training_dialog()

    def _show_training_dialog(self) -> None:
        """The dialog of the running training (made now when it started by itself)."""
        if not self.training() or self.train_tracker is None:
            return
        dialog = self.training_dialog
        if dialog is None:
            dialog = TrainingDialog(self.host, self.training_for, self.train_tracker.n_ratings)
            dialog.cancel_requested.connect(self.cancel_training)
            dialog.show_progress(self.train_tracker)
            if self.host.runner.jobs["train"].cancel.is_set():
                dialog.mark_stopping()
            self.training_dialog = dialog
        self.train_auto = False  # watched now: a user switch waits for it like for any asked-for training
        dialog.show()
        dialog.raise_()

    def cancel_training(self) -> None:
        job = self.host.runner.jobs.get("train")
        if job is None:
            return
        job.stop()
        self.train_label.setText("Stopping training…")
        self.train_cancel.setEnabled(False)
        if self.training_dialog is not None:
            self.training_dialog.mark_stopping()

    def _train_progress(self, p) -> None:
        jobs = self.host.runner.jobs
        if self.train_tracker is None or ("train" in jobs and jobs["train"].cancel.is_set()):
            return  # reports already on their way when Cancel was pressed
        t = self.train_tracker
        t.update(p)
        self.train_label.setText(f"Training: {t.short}")
        self.train_bar.setRange(0, t.maximum)
        self.train_bar.setValue(t.value)
        self.train_box.setToolTip(f"Learning your taste: {t.text}")
        if self.training_dialog is not None:
            self.training_dialog.show_progress(t)

    def _training_ended(self, message: str, timeout: int) -> None:
        self.host.statusBar().showMessage(message, timeout)
        self.train_box.hide()
        self.train_tracker = None
        actions, self._after_training = self._after_training, []
        for action in actions:  # a user switch, rename or delete that waited for the training
            action()

    def _train_finished(self, result) -> None:
        outcome, description = result
        if self.training_dialog is not None:
            self.training_dialog.finish(outcome, description)
        if self.training_for == self.host.user:
            self.ratings_at_training = self.training_started_with
            self.auto_snoozed_at = -TRAIN_OFFER_EVERY
        self._training_ended(f"{self.training_for}'s taste was retrained on {outcome.n_ratings} ratings", 10000)
        self.host.taste.refresh_personal()
        self.offer_training()

    def _train_failed(self, message: str) -> None:
        if self.training_dialog is not None:
            self.training_dialog.fail(message)
        logger.warning("training failed: %s", message)
        self._snooze()  # not again at the next rating: after TRAIN_OFFER_EVERY more
        self._training_ended(f"Training failed: {message}. Your previous personal model is kept.", 15000)
        self.offer_training()

    def _train_cancelled(self) -> None:
        if self.training_dialog is not None:
            self.training_dialog.cancelled()
        self._snooze()  # an automatic one waits for TRAIN_OFFER_EVERY more ratings
        self._training_ended("Training cancelled: your previous personal model is kept.", 10000)
        self.offer_training()

    def _snooze(self) -> None:
        if self.training_for == self.host.user:
            self.auto_snoozed_at = len(self.host.album.stars)

    def busy(self, what: str, retry) -> bool:
        """True when a training keeps ``what`` (a user switch, rename or delete) from happening now. One
        that started by itself is cancelled and ``retry`` runs once it has stopped; one the user asked
        for must end or be cancelled first."""
        if not self.training():
            return False
        if self.train_auto:
            self._after_training.append(retry)
            self.cancel_training()
            self.host.statusBar().showMessage(f"{what}: stopping the background training first…", 5000)
            return True
        QMessageBox.information(self.host, what, "Wait for “Learn my taste” to finish, or cancel it, first.")
        return True
