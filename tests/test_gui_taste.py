"""“Your taste” in the app: the core's own sentence after every rating, the agreement plot, automatic
retraining in the background with Cancel in the status bar, and the training dialog's words."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt

from aesthetic_curator.catalog import Catalog
from aesthetic_curator.gui.main_window import MainWindow
from aesthetic_curator.gui.taste_panel import AgreementPlot, short_taste
from aesthetic_curator.gui.trainer import TRAIN_OFFER_EVERY
from aesthetic_curator.gui.training_dialog import CV_RUNS, TrainingDialog, TrainingTracker
from aesthetic_curator.personal import heavy, service, taste
from aesthetic_curator.personal.agreement import adapters_sentence
from aesthetic_curator.personal.profile import profile_path
from aesthetic_curator.personal.service import Preparing
from aesthetic_curator.personal.training import TrainConfig, TrainProgress

from gui_support import CANCEL_WAIT, open_and_score, small_jpegs

WAIT = 60_000


@pytest.fixture
def album24(kodak_paths, tmp_path: Path) -> Path:
    """The 24 Kodak photos as small JPEGs: enough to rate 20 different ones."""
    folder = tmp_path / "album24"
    folder.mkdir()
    for p in kodak_paths:
        Image.open(p).convert("RGB").resize((160, 160)).save(folder / f"{p.stem}.jpg", quality=90)
    return folder


def rate(window: MainWindow, rows: range, stars=lambda r: 1 + r % 5) -> None:
    for r in rows:
        window.go_to(r)
        window.set_stars(stars(r))


def core_view(window: MainWindow):
    """The user's agreement, its sentence and its curve, straight from the core (no profile here)."""
    with Catalog(window.catalog.path) as cat:
        model, _ = service.user_taste(cat, window.user)
        curve = service.agreement_curve(cat, window.user)
    return model.agreement, taste.describe(model.agreement), curve


def same_curve(points, curve) -> bool:
    def eq(a: float, b: float) -> bool:
        return (math.isnan(a) and math.isnan(b)) or a == b

    return len(points) == len(curve) and all(
        n == a.n_ratings and eq(p, a.personal) and eq(g, a.generic) for (n, p, g), a in zip(points, curve, strict=True))


def test_rating_updates_your_taste_without_a_click(qtbot, make_window, album24):
    window = make_window()
    open_and_score(qtbot, window, album24)
    assert "No ratings yet" in window.taste_panel.text.text()
    window.grid.setFocus()
    for r in range(6):  # keyboard ratings; each moves to the next photo
        qtbot.keyClick(window.grid, [Qt.Key.Key_1, Qt.Key.Key_4, Qt.Key.Key_2, Qt.Key.Key_5, Qt.Key.Key_3][r % 5])
    qtbot.waitUntil(lambda: "From your 6 ratings" in window.taste_panel.text.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: "personal" not in window.jobs, timeout=WAIT)
    agreement, text, curve = core_view(window)
    assert window.taste_panel.text.text() == text  # the app says what the core (and the CLI) says
    assert window.user_label.text() == short_taste(window.user, 6, agreement)
    assert window.user_label.toolTip() == text
    assert f"generic {agreement.generic:+.2f}" in window.user_label.text() or "follows the generic" in \
        window.user_label.text()
    assert same_curve(window.taste_panel.plot.points, curve) and len(curve) == 2  # at 5 and 6 ratings

    rate(window, range(6, 11))  # five more, no click anywhere else
    qtbot.waitUntil(lambda: "From your 11 ratings" in window.taste_panel.text.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: "personal" not in window.jobs, timeout=WAIT)
    agreement, text, curve = core_view(window)
    assert window.taste_panel.text.text() == text
    assert window.user_label.text().startswith(f"{window.user}: 11 ratings · ")
    assert same_curve(window.taste_panel.plot.points, curve) and [a.n_ratings for a in curve] == [5, 10, 11]
    assert window.personal_source == agreement.method
    window.taste_panel.grab()  # the plot paints its two lines


def test_automatic_retraining_starts_after_ten_new_ratings_and_cancels_from_the_status_bar(
        qtbot, make_window, album24):
    window = make_window()
    assert window.act_auto_train.isChecked()  # on by default
    open_and_score(qtbot, window, album24)
    window.train_config = TrainConfig(epochs=200, batch_size=4, patience=1000)  # never ends before the Cancel
    rate(window, range(TRAIN_OFFER_EVERY - 1))
    assert not window.training() and not window.train_box.isVisible() and not window.offer_button.isVisible()
    rate(window, range(TRAIN_OFFER_EVERY - 1, TRAIN_OFFER_EVERY))
    assert window.training() and window.train_box.isVisible()
    assert window.training_dialog is None  # in the background: no dialog in the user's way
    qtbot.waitUntil(lambda: window.train_label.text().startswith("Training: "), timeout=WAIT)
    qtbot.mouseClick(window.train_cancel, Qt.MouseButton.LeftButton)
    assert window.train_label.text().startswith("Stopping")
    qtbot.waitUntil(lambda: not window.train_box.isVisible(), timeout=CANCEL_WAIT)  # bounded in code
    assert not window.training()
    assert "Training cancelled" in window.statusBar().currentMessage()
    assert not profile_path(window.user, window.profiles_folder).exists()
    # Not again at the next rating (the user just said no), but the offer stays at hand.
    assert window.offer_button.isVisible()
    rate(window, range(TRAIN_OFFER_EVERY, TRAIN_OFFER_EVERY + 1))
    assert not window.training()

    # Ten more ratings later it starts again; a user switch cancels it and happens once it has stopped.
    rate(window, range(TRAIN_OFFER_EVERY + 1, 2 * TRAIN_OFFER_EVERY))
    assert window.training() and window.train_box.isVisible()
    first = window.user
    window.switch_user("Ben")
    assert window.user == first  # waits for the training to stop
    qtbot.waitUntil(lambda: window.user == "Ben", timeout=CANCEL_WAIT)
    assert not window.training() and not window.train_box.isVisible()
    assert not profile_path(first, window.profiles_folder).exists()


def test_with_automatic_retraining_off_the_offer_button_appears(qtbot, make_window, small_album_12):
    window = make_window()
    window.act_auto_train.trigger()
    assert not window.act_auto_train.isChecked()
    assert window.settings.value("auto_train", True, bool) is False
    open_and_score(qtbot, window, small_album_12)
    rate(window, range(TRAIN_OFFER_EVERY))
    assert window.offer_button.isVisible() and not window.training()
    window.act_auto_train.trigger()  # on again: the due training starts in the background
    assert window.training() and not window.offer_button.isVisible()
    window.cancel_training()
    qtbot.waitUntil(lambda: window.offer_button.isVisible(), timeout=CANCEL_WAIT)
    assert not window.training() and not window.train_box.isVisible()


@pytest.fixture
def small_album_12(kodak_paths, tmp_path: Path) -> Path:
    return small_jpegs(kodak_paths[:12], tmp_path / "album12", 160)


def progress(epoch: int, epochs: int, run: int, runs: int = CV_RUNS + 1) -> TrainProgress:
    return TrainProgress(epoch, epochs, 1.0, float("nan"), float("nan"), 0, 10.0 * epoch, 5.0 * (epochs - epoch),
                         run=run, runs=runs)


def test_training_progress_reads_as_cross_validation_then_final_run():
    assert CV_RUNS == heavy.FOLDS
    t = TrainingTracker(12)
    t.update(Preparing(3, 12))
    assert t.text == "Reading the rated photos: 3 of 12" and (t.value, t.maximum) == (3, 12)
    t.update(Preparing(12, 12))
    assert "ratings they did not see: run 1 of 3" in t.text and (t.value, t.maximum) == (0, 0)  # busy
    texts = []
    for e in range(1, 7):  # 2 epochs per run: 6 checking epochs of 8 announced
        t.update(progress(e, 8, run=(e + 1) // 2))
        texts.append(t.text)
    assert "run 1 of 3, epoch 2 of 2" in texts[0] and "run 2 of 3, epoch 1 of 2" in texts[1]
    assert "run 3 of 3, epoch 2 of 2" in texts[4]
    assert texts[5].startswith("Final training on all 12 ratings") and "left" in texts[5]
    t.update(progress(7, 7, run=4))  # the checks chose 1 epoch: the job shrank to 7
    assert t.text.startswith("Saving") and (t.value, t.maximum) == (7, 7)
    plain = TrainingTracker(12)  # a training without cross-validation
    plain.update(progress(2, 5, run=1, runs=1))
    assert plain.text.startswith("Training: epoch 2 of 5") and plain.short == "epoch 2/5"


def test_training_dialog_finish_says_what_the_core_says(qtbot):
    dialog = TrainingDialog(None, "Ana", 20)
    qtbot.addWidget(dialog)
    agreement = taste.Agreement(20, 0.61, 0.25, "adapters", {"linear": 0.4, "adapters": 0.61}, 0.95)
    cv = SimpleNamespace(epochs=3, curve=[0.2, 0.4, 0.5, 0.61], result=SimpleNamespace(device="cpu"))
    outcome = SimpleNamespace(result=cv, agreement=agreement, seconds=42.0, n_ratings=20)
    dialog.finish(outcome, taste.describe(agreement))
    text = dialog.detail.text()
    assert text.startswith(taste.describe(agreement))
    assert adapters_sentence(agreement, 3) in text  # the CLI's sentence, word for word
    assert "3 epochs" in text and "+0.61 on ratings they did not see" in text and "they are now your score" in text
    assert "Done in 42 s on cpu" in text
    assert dialog.heading.text() == "Ana's personal model, trained on 20 ratings:"
    dialog2 = TrainingDialog(None, "Ana", 20)
    qtbot.addWidget(dialog2)
    other = taste.Agreement(20, 0.4, 0.25, "linear", {"linear": 0.4, "adapters": 0.1}, 0.95)
    dialog2.finish(SimpleNamespace(result=cv, agreement=other, seconds=42.0, n_ratings=20), "x")
    assert "not reliably better than the score below, so not used" in dialog2.detail.text()


def test_status_bar_short_form():
    a = taste.Agreement(24, 0.55, 0.21, "linear", {"linear": 0.55}, 0.97)
    assert short_taste("Ana", 24, a) == "Ana: 24 ratings · your taste model agrees +0.55 (generic +0.21)"
    b = taste.Agreement(12, 0.3, 0.3, "generic", {"linear": 0.2}, 0.4)
    assert short_taste("Ana", 12, b) == "Ana: 12 ratings · follows the generic score (+0.30): rate more"
    assert short_taste("Ana", 3, taste.Agreement(3, 0.5, 0.5, "generic")).endswith("rate 2 more to learn your taste")
    assert short_taste("Ana", 0, None).startswith("Ana: no ratings yet")


def test_agreement_plot_paints_any_curve(qtbot):
    plot = AgreementPlot()
    qtbot.addWidget(plot)
    curve = [taste.Agreement(n, p, g, "linear") for n, p, g in
             ((5, float("nan"), 0.1), (10, 0.4, -0.8), (15, 0.6, 0.2))]
    plot.set_curve(curve)
    assert plot.points[1] == (10, 0.4, -0.8)
    image = plot.grab().toImage()
    assert image.width() == 260 and image.height() == 124
    plot.set_curve([])
    plot.grab()


@pytest.mark.slow
def test_rated_photos_that_cannot_be_found_never_restart_the_automatic_training(qtbot, make_window, album24,
                                                                                tmp_path):
    """Twelve photos rated on a drive that is now unplugged: the training after ten new ratings uses the ten it
    can read, and when it ends nothing restarts it (the review found it restarting forever)."""
    away = tmp_path / "external"
    away.mkdir()
    for p in sorted(album24.glob("*.jpg"))[12:]:  # other photos (mirrored): ratings follow content
        Image.open(p).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(away / f"away-{p.name}", quality=90)
    window = make_window()
    with Catalog(window.catalog.path) as cat:
        service.rate_files(cat, window.user, [(p, 1.0 + i % 5) for i, p in enumerate(sorted(away.glob("*.jpg")))])
    shutil.rmtree(away)
    window.switch_user(window.user)  # pick up the ratings given elsewhere
    open_and_score(qtbot, window, album24)
    window.train_config = TrainConfig(epochs=1, batch_size=4)
    rate(window, range(TRAIN_OFFER_EVERY))
    assert window.training()
    qtbot.waitUntil(lambda: not window.training(), timeout=600_000)
    qtbot.waitUntil(lambda: "personal" not in window.jobs, timeout=WAIT)
    assert profile_path(window.user, window.profiles_folder).exists()
    assert window.ratings_at_training == 12 + TRAIN_OFFER_EVERY
    assert not window.training() and not window.offer_button.isVisible()
