"""The personal score a user sees: safe for a user it cannot learn, better for one it can, honest in its figures.

The album is real: the quadrants of the 24 Kodak photos (96 crops of 24 scenes), scanned by the app's own
scan, rated through the app's own rating call, scored by the app's own ``personal_scores``.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.stats import spearmanr

from aesthetic_curator.catalog import Catalog
from aesthetic_curator.evaluation.simulated import measure
from aesthetic_curator.personal import service
from aesthetic_curator.personal.taste import (
    Agreement,
    TasteModel,
    describe,
    fit_linear,
    fit_space,
    fit_taste,
    soft_stars,
    spearman,
)
from aesthetic_curator.scoring import score_album


@pytest.fixture(scope="module")
def crops(kodak_paths, tmp_path_factory, scorer):
    """(catalog path, scan report, scene of each photo, brightness of each photo)."""
    folder = tmp_path_factory.mktemp("crops")
    for path in kodak_paths:
        im = Image.open(path).convert("RGB")
        w, h = im.size
        for q, (x, y) in enumerate(((0, 0), (w // 2, 0), (0, h // 2), (w // 2, h // 2))):
            im.crop((x, y, x + w // 2, y + h // 2)).save(folder / f"{path.stem}-{q}.jpg", quality=92)
    catalog_path = tmp_path_factory.mktemp("catalog") / "catalog.sqlite3"
    with Catalog(catalog_path) as catalog:
        report = score_album(folder, catalog, scorer=scorer)
    report.scores.sort(key=lambda s: s.path.name)
    scene = np.array([int(s.path.name[5:7]) for s in report.scores])
    brightness = np.array([measure(np.asarray(Image.open(s.path).convert("RGB")))["brightness"]
                           for s in report.scores])
    return catalog_path, report, scene, brightness


def quintile_stars(values: np.ndarray) -> np.ndarray:
    return (np.searchsorted(np.quantile(values, [0.2, 0.4, 0.6, 0.8]), values) + 1).astype(float)


def rate(catalog: Catalog, user: str, report, rows, stars) -> None:
    done, skipped = service.rate_files(catalog, user, [(report.scores[i].path, float(s))
                                                       for i, s in zip(rows, stars, strict=True)])
    assert len(done) == len(rows) and not skipped


def test_every_crop_is_scanned_with_its_first_layer_statistics(crops):
    _, report, _, _ = crops
    assert len(report.scores) == 96
    assert all(s.look is not None and s.look.shape == (64,) and np.isfinite(s.look).all() for s in report.scores)


def test_a_user_who_rates_by_brightness_is_ranked_better_than_by_the_generic_score_from_20_ratings(crops):
    """The strong-taste case: 5 stars to the brightest fifth, 1 to the darkest, nothing else."""
    catalog_path, report, scene, brightness = crops
    stars = quintile_stars(brightness)
    rng = np.random.default_rng(0)
    held_scenes = rng.choice(24, 8, replace=False) + 1
    unseen = np.flatnonzero(np.isin(scene, held_scenes))  # no crop of these scenes is ever rated
    rated = rng.choice(np.flatnonzero(~np.isin(scene, held_scenes)), 20, replace=False)
    with Catalog(catalog_path) as catalog:
        rate(catalog, "bright", report, rated, stars[rated])
        mine = service.personal_scores(catalog, "bright", report)
    generic = np.array([s.mean for s in report.scores])
    assert mine.source in ("linear", "pam") and mine.agreement.better
    personal_rho = spearman(mine.scores[unseen], stars[unseen])
    generic_rho = spearman(generic[unseen], stars[unseen])
    print(f"brightness user: personal {personal_rho:.3f} generic {generic_rho:.3f} on {unseen.size} unseen")
    assert personal_rho > generic_rho + 0.2, (personal_rho, generic_rho)
    assert mine.scores.min() >= 1 and mine.scores.max() <= 5


def test_a_user_whose_ratings_are_noise_gets_the_generic_ranking(crops):
    """The safety rule: what cannot be learnt is not pretended. Twenty users rate 20 photos at random; the
    90% confidence lets a few through by chance (a random rater can look like one who rates against the
    crowd), every other one keeps the generic order and is told to rate more."""
    catalog_path, report, _, _ = crops
    generic = np.array([s.mean for s in report.scores])
    with Catalog(catalog_path) as catalog:
        rng = np.random.default_rng(100)
        rows = rng.choice(len(report.scores), 20, replace=False)
        rate(catalog, "noise", report, rows, rng.integers(1, 6, 20))
        mine = service.personal_scores(catalog, "noise", report)  # one of them end to end, through the app's path
        _, inputs = service.user_taste(catalog, "noise", album=report.scores)
    assert mine.source == "generic" and spearmanr(mine.scores, generic)[0] == pytest.approx(1.0)
    assert "nothing learnt ranks your photos reliably better" in describe(mine.agreement)
    album = service.descriptors(report.scores, inputs.uses_look)
    kept = 0
    for seed in range(20):
        rng = np.random.default_rng(200 + seed)
        rows = rng.choice(len(report.scores), 20, replace=False)
        model = fit_taste(album[rows], generic[rows], rng.integers(1, 6, 20).astype(float), space=inputs.space)
        if model.method == "generic":
            kept += 1
            assert spearmanr(model.predict(album, generic), generic)[0] == pytest.approx(1.0)
    print(f"noise users kept on the generic ranking: {kept} of 20")
    assert kept >= 16


def test_the_agreement_is_the_rank_correlation_of_predictions_that_never_saw_their_rating(crops):
    catalog_path, report, _, brightness = crops
    rng = np.random.default_rng(3)
    rows = rng.choice(len(report.scores), 16, replace=False)
    stars = quintile_stars(brightness)[rows]
    with Catalog(catalog_path) as catalog:
        rate(catalog, "check", report, rows, stars)
        taste, inputs = service.user_taste(catalog, "check")
    x, g, t = inputs.descriptors, inputs.generic, inputs.stars
    # Leave each rating out in turn, fit the linear learner on the rest, predict it: the same figure.
    direct = np.array([fit_linear(np.delete(x, i, 0), np.delete(g, i), np.delete(t, i), inputs.space)
                       .predict(x[i:i + 1], g[i:i + 1])[0] for i in range(len(t))])
    assert taste.agreement.candidates["linear"] == pytest.approx(spearmanr(direct, t)[0], abs=1e-9)
    assert taste.agreement.generic == pytest.approx(spearmanr(g, t)[0], abs=1e-12)
    if taste.method == "linear":
        assert taste.agreement.personal == taste.agreement.candidates["linear"]


def test_an_out_of_fold_prediction_does_not_move_when_its_own_rating_changes():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 40)).astype(np.float32)
    g = 5 + 0.4 * rng.standard_normal(300)
    space = fit_space(x, g)
    t = np.clip(np.round(3 + x[:12, 0] + rng.normal(0, 0.5, 12)), 1, 5)
    a = fit_taste(x[:12], g[:12], t, space=space, extra={"fixed": np.arange(12.0)})
    t2 = t.copy()
    t2[4] = 6 - t2[4]
    b = fit_taste(x[:12], g[:12], t2, space=space, extra={"fixed": np.arange(12.0)})
    from aesthetic_curator.personal.taste import _linear_oof

    oof_a, oof_b = _linear_oof(x[:12], g[:12], t, space, 0), _linear_oof(x[:12], g[:12], t2, space, 0)
    assert oof_a[4] == pytest.approx(oof_b[4], abs=1e-12)
    assert a.agreement.n_ratings == b.agreement.n_ratings == 12


def test_predicted_stars_stay_within_one_to_five_and_keep_their_order():
    raw = np.linspace(-3, 9, 200)
    stars = soft_stars(raw)
    assert stars.min() >= 1 and stars.max() <= 5
    assert np.all(np.diff(stars) > 0)
    inside = (raw > 1.5) & (raw < 4.5)
    assert np.array_equal(stars[inside], raw[inside])


def test_a_taste_round_trips_through_a_safe_load():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((200, 30)).astype(np.float32)
    g = 5 + 0.4 * rng.standard_normal(200)
    t = np.clip(np.round(3 + 2 * x[:40, 0]), 1, 5)
    model = fit_taste(x[:40], g[:40], t, album_descriptors=x, album_generic=g, widths=(20, 10))
    assert model.method == "linear"
    buf = io.BytesIO()
    torch.save(model.to_state(), buf)
    buf.seek(0)
    loaded = TasteModel.from_state(torch.load(buf, weights_only=True))
    assert np.allclose(loaded.predict(x, g), model.predict(x, g))
    assert loaded.agreement == model.agreement


def test_the_words_say_which_score_is_used_and_when_to_rate_more():
    better = describe(Agreement(24, 0.61, 0.20, "linear", {"linear": 0.61, "pam": 0.4}, 0.97))
    assert "24 ratings" in better and "+0.61" in better and "+0.20" in better and "better than the generic" in better
    not_yet = describe(Agreement(12, 0.18, 0.18, "generic", {"linear": 0.25}, 0.6))
    assert "rate more" in not_yet and "+0.18" in not_yet
    few = describe(Agreement(3, 0.5, 0.5, "generic"))
    assert "Rate at least 5" in few
