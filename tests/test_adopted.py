"""Enhancement and saliency follow the personal score the app uses for the user, and show its figure.

A user's score is chosen by cross-validation (:mod:`aesthetic_curator.personal.taste`); the tools that
follow a score's gradient must follow that one, and say the same stars as the side panel. The album is
real (Kodak24, scanned by the app's scan); the user rates twelve photos by brightness, as in the README's
screenshots, which the linear taste model learns.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from aesthetic_curator.catalog import Catalog
from aesthetic_curator.enhance import load_as_scanned, natural, score_of, scoring_models
from aesthetic_curator.personal import service
from aesthetic_curator.personal.pam import fit_pam
from aesthetic_curator.personal.taste import TasteModel
from aesthetic_curator.personal.taste_net import TasteNet, taste_head
from aesthetic_curator.personal.training import network_input
from aesthetic_curator.scoring import score_album

from gui_support import WAIT, open_and_score, small_jpegs

USER = "ana"


def brightness_stars(paths: list[Path]) -> dict[Path, int]:
    """1-5 stars by brightness rank, as docs/screenshots.py rates: a taste in how photos look."""
    light = np.array([np.asarray(Image.open(p).convert("L"), np.float32).mean() for p in paths])
    return {p: 1 + int(r) * 5 // len(paths) for p, r in zip(paths, light.argsort().argsort(), strict=True)}


@pytest.fixture(scope="module")
def rated(kodak_paths, scorer, tmp_path_factory):
    """(catalog path, scan report sorted by name): Kodak24 scanned, twelve of it rated by brightness."""
    catalog_path = tmp_path_factory.mktemp("adopted") / "catalog.sqlite3"
    with Catalog(catalog_path) as catalog:
        report = score_album(kodak_paths, catalog, scorer=scorer)
        stars = brightness_stars(kodak_paths[::2])
        done, skipped = service.rate_files(catalog, USER, [(p, float(n)) for p, n in stars.items()])
        assert len(done) == 12 and not skipped
    report.scores.sort(key=lambda s: s.path.name)
    return catalog_path, report


def from_pixels(network, scores) -> np.ndarray:
    """Each photo's figure by ``network``, from its pixels decoded as the scan decodes them."""
    return np.array([score_of(network, load_as_scanned(s.path, network.input_size), "cpu") for s in scores])


def test_the_linear_taste_as_a_network_gives_the_side_panels_stars_from_pixels(rated, nima):
    catalog_path, report = rated
    with Catalog(catalog_path) as catalog:
        panel = service.personal_scores(catalog, USER, report)  # what the side panel shows
        taste, inputs = service.user_taste(catalog, USER, album=report.scores)
    assert panel.source == taste.method == "linear" and inputs.uses_look
    net = TasteNet(nima, taste_head(taste))
    stars = from_pixels(net, report.scores)
    generic = np.array([s.mean for s in report.scores])
    # The same stars as the taste model on the catalog's features, and as the panel, to 1e-4 stars.
    assert np.abs(stars - taste.predict(service.descriptors(report.scores, True), generic)).max() < 1e-4
    assert np.abs(stars - panel.scores).max() < 1e-4
    assert np.ptp(stars) > 1  # a real taste, not a constant


def test_pam_and_the_generic_calibration_as_networks_match_their_predictions(rated, nima):
    catalog_path, report = rated
    with Catalog(catalog_path) as catalog:
        taste, inputs = service.user_taste(catalog, USER, album=report.scores)
    main = inputs.space.widths[0]
    pam = fit_pam(inputs.descriptors[:, :main], inputs.generic, inputs.stars, reference=inputs.space.main)
    some = report.scores[1::4]  # photos rated and not
    features = service.descriptors(some, True)
    generic = np.array([s.mean for s in some])
    for model in (TasteModel("pam", taste.agreement, taste.calibration, pam=pam, main_width=main),
                  TasteModel("generic", taste.agreement, taste.calibration, main_width=main)):
        stars = from_pixels(TasteNet(nima, taste_head(model)), some)
        assert np.abs(stars - model.predict(features, generic)).max() < 1e-4, model.method


def test_gradients_of_the_taste_reach_the_pixels_and_an_edit_for_it_raises_it(rated, nima, kodak_paths):
    catalog_path, report = rated
    with Catalog(catalog_path) as catalog:
        personal = service.personal_model(catalog, USER, nima, album=report.scores)
    assert personal.method == "linear" and personal.follow is personal.network and not personal.follows_generic
    photo = load_as_scanned(kodak_paths[5], 224)
    x = torch.from_numpy(network_input(photo, 224).copy()).permute(2, 0, 1)[None].float().div(255)
    x.requires_grad_(True)
    personal.network.eval().predict(x)[1].sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    # An edit for a user who likes bright photos brightens the photo and raises their stars; the generic
    # score's edit does neither for them.
    mine, crowds = natural(personal.follow, photo, iterations=15, device="cpu"), natural(nima, photo, iterations=15,
                                                                                        device="cpu")
    assert mine.after > mine.before > score_of(personal.network, crowds.photo, "cpu")
    assert mine.params["exposure"] > 0 > crowds.params["exposure"]


def test_a_user_with_too_few_ratings_gets_the_generic_edit_and_is_told_so(rated, kodak_paths):
    catalog_path, report = rated
    with Catalog(catalog_path) as catalog:
        service.rate_files(catalog, "few", [(kodak_paths[0], 5.0), (kodak_paths[1], 2.0)])
        base, personal = scoring_models("few", catalog)
        panel = service.personal_scores(catalog, "few", report)
        assert scoring_models("nobody", catalog)[1] is None  # no ratings: no personal score at all
    assert panel.source == personal.method == "generic"
    assert personal.follow is base and personal.follows_generic
    assert "generic ranking on your star scale" in personal.description
    # Its figure is still the panel's: the generic score on the user's star scale.
    assert np.allclose(from_pixels(personal.network, report.scores[:3]), panel.scores[:3], atol=1e-4)


def test_enhance_and_saliency_commands_follow_and_report_the_adopted_score(rated, kodak_paths, tmp_path, capsys):
    from aesthetic_curator.cli import main

    catalog_path, report = rated
    with Catalog(catalog_path) as catalog:
        panel = service.personal_scores(catalog, USER, report)
    photo = kodak_paths[22]  # a PNG: the full decode is the scan's
    figure = panel.scores[[s.path for s in report.scores].index(photo)]
    out = tmp_path / "edited.png"
    assert main(["--catalog", str(catalog_path), "enhance", str(photo), str(out), "--user", USER,
                 "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    assert re.match(rf"{USER}'s predicted stars: {figure:.2f} -> ", printed), printed
    assert "generic score: " in printed and "your taste model" in printed
    assert main(["--catalog", str(catalog_path), "saliency", str(photo), str(tmp_path / "s.png"), "--user", USER,
                 "--samples", "2", "--device", "cpu"]) == 0
    assert f"saliency of {USER}'s personal score" in capsys.readouterr().err


@pytest.mark.slow
def test_trained_adapters_that_cross_validation_rejected_are_not_what_an_edit_follows(rated, tmp_path):
    """The bug this module fixes: a profile on disk used to be followed whether or not it was the score."""
    from aesthetic_curator.personal.training import TrainConfig

    catalog_path, report = rated
    with Catalog(catalog_path) as catalog:
        outcome = service.train_user(catalog, USER, config=TrainConfig(epochs=1, batch_size=4), folder=tmp_path)
        _, personal = scoring_models(USER, catalog, tmp_path, report.scores)
        panel = service.personal_scores(catalog, USER, report, folder=tmp_path)
    # Twelve ratings by brightness and one epoch: the adapters are judged and rejected (as measured in the
    # report that found the bug), and what an edit follows is the taste the panel uses, with no adapter in it.
    assert "adapters" in outcome.agreement.candidates
    assert personal.method == panel.source == outcome.agreement.method == "linear"
    assert not any(".adapter." in name for name, _ in personal.network.named_parameters())
    some = slice(0, 24, 7)
    assert np.abs(from_pixels(personal.network, report.scores[some]) - panel.scores[some]).max() < 1e-3


@pytest.mark.slow
def test_the_enhance_preview_shows_the_side_panels_personal_figure(qtbot, make_window, kodak_paths, tmp_path):
    window = make_window()
    album = small_jpegs(kodak_paths, tmp_path / "album")
    open_and_score(qtbot, window, album)
    for path, n in brightness_stars(sorted(album.glob("*.jpg"))[::2]).items():
        window.go_to(window.model.view_row(window.table.row_of(path)))
        window.set_stars(n)
    qtbot.waitUntil(lambda: "From your 12 ratings" in window.taste_panel.text.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: "personal" not in window.jobs, timeout=WAIT)
    assert window.album.personal_source == "linear"
    photo = album / "kodim23.jpg"
    window.go_to(window.model.view_row(window.table.row_of(photo)))
    panel = re.search(r"\(predicted ([\d.]+)\)", window.panel.scores.text()).group(1)  # a rated photo
    window.enhance()
    dialog = window.enhance_dialog
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.previewReady, timeout=WAIT) as ready:
        pass
    s0, s1 = ready.args
    assert f"{s0:.2f}" == panel and s1 > s0  # the figure the edit starts from is the panel's, and it rises
    assert dialog.scores.text().startswith(f"{window.user}'s predicted stars: {panel} → ")
    assert "Generic score" in dialog.scores.text()
    assert dialog.follows.isVisible() and "your taste model" in dialog.follows.text()
    dialog.close()
