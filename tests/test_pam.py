"""PAM offsets (Ren et al. sec. 4.1): recovery of smooth offsets, small-sample behaviour, safe serialisation."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from aesthetic_curator.personal.pam import PRIOR_SLOPE, PAMModel, fit_album_reference, fit_pam


def synthetic_album(seed: int, n: int = 800, d: int = 64, noise: float = 0.3):
    """Features driven by 4 latent style factors; offsets a smooth non-linear function of two of them.

    Returns features (float32), generic 1..10 means (album sd 0.4), true offsets and ratings in stars.
    """
    rng = np.random.default_rng(seed)
    u = rng.standard_normal((n, 4))
    mix = rng.standard_normal((4, d))
    x = np.maximum(u @ mix + 0.5 * rng.standard_normal((n, d)), 0).astype(np.float32)  # post-ReLU, like pooling
    g = 5.3 + 0.4 * (0.6 * u[:, 3] + 0.8 * rng.standard_normal(n))
    offsets = np.sin(1.5 * u[:, 0]) + 0.5 * u[:, 1]
    z = (g - g.mean()) / g.std()
    ratings = 3.0 + 0.5 * z + offsets + noise * rng.standard_normal(n)
    return x, g, offsets, ratings


def test_recovers_smooth_offsets_and_beats_calibrated_generic():
    x, g, offsets, ratings = synthetic_album(0)
    train, test = np.arange(60), np.arange(300, 800)
    model = fit_pam(x[train], g[train], ratings[train], album_features=x, album_generic=g)
    pred_off = model.predict_offsets(x[test], g[test])
    assert np.corrcoef(pred_off, offsets[test])[0, 1] > 0.6
    rmse_pam = np.sqrt(np.mean((model.predict(x[test], g[test]) - ratings[test]) ** 2))
    rmse_generic = np.sqrt(np.mean((model.calibrated_generic(g[test]) - ratings[test]) ** 2))
    assert rmse_pam < 0.8 * rmse_generic
    np.testing.assert_allclose(model.predict(x[test], g[test]), model.calibrated_generic(g[test]) + pred_off)
    assert np.isfinite(model.loo_rmse) and model.loo_rmse < rmse_generic


def test_more_ratings_help():
    x, g, offsets, ratings = synthetic_album(1)
    test = np.arange(300, 800)
    corr = [np.corrcoef(fit_pam(x[:n], g[:n], ratings[:n], album_features=x, album_generic=g)
                        .predict_offsets(x[test], g[test]), offsets[test])[0, 1] for n in (10, 100)]
    assert corr[0] > 0.2 and corr[1] > corr[0] + 0.1


def test_unpredictable_offsets_are_shrunk_to_zero():
    """When the user's departures are noise, leave-one-out picks a strong ridge: offsets stay small."""
    rng = np.random.default_rng(2)
    x, g, _, _ = synthetic_album(2)
    z = (g - g.mean()) / g.std()
    ratings = 3.0 + 0.5 * z + rng.standard_normal(g.size)  # offsets unrelated to the features
    model = fit_pam(x[:80], g[:80], ratings[:80], album_features=x, album_generic=g)
    assert model.lam >= 3.0
    assert model.predict_offsets(x[300:], g[300:]).std() < 0.3


def test_calibration_shrinks_slope_with_few_ratings_and_follows_many():
    x, g, _, _ = synthetic_album(3)
    z = (g - g.mean()) / g.std()
    # Two ratings that disagree with the crowd: the slope moves toward them but stays near the prior.
    two = [int(np.argmin(z)), int(np.argmax(z))]
    model = fit_pam(x[two], g[two], np.array([5.0, 1.0]), album_features=x, album_generic=g)
    assert -2.0 < model.cal_slope < PRIOR_SLOPE
    # Many ratings along a steep line: the data win.
    t = 3.0 + 1.2 * z
    model = fit_pam(x[:400], g[:400], t[:400], album_features=x, album_generic=g)
    assert model.cal_slope == pytest.approx(1.2, abs=0.05)
    np.testing.assert_allclose(model.predict(x[400:], g[400:]), t[400:], atol=0.1)


def test_one_rating_gives_a_constant_offset():
    x, g, _, _ = synthetic_album(4)
    model = fit_pam(x[:1], g[:1], np.array([4.0]), album_features=x, album_generic=g)
    off = model.predict_offsets(x, g)
    assert np.all(off == off[0])
    assert model.predict(x[:1], g[:1])[0] == pytest.approx(4.0)
    assert model.cal_slope == pytest.approx(PRIOR_SLOPE)
    # Without the album: generic sd falls back to a prior, still finite and ordered like the generic score.
    alone = fit_pam(x[:1], g[:1], [4.0])
    pred = alone.predict(x[:50], g[:50])
    assert np.isfinite(pred).all() and np.array_equal(np.argsort(pred), np.argsort(g[:50]))


def test_zero_ratings_is_a_clear_error():
    x, g, _, _ = synthetic_album(5, n=20)
    with pytest.raises(ValueError, match="at least one rating"):
        fit_pam(x[:0], g[:0], np.array([]))


def test_bad_shapes_are_rejected():
    x, g, _, ratings = synthetic_album(6, n=30)
    with pytest.raises(ValueError):
        fit_pam(x[:5], g[:4], ratings[:5])
    with pytest.raises(ValueError):
        fit_pam(x[:5, 0], g[:5], ratings[:5])
    model = fit_pam(x[:5], g[:5], ratings[:5])
    with pytest.raises(ValueError):
        model.predict(x[:, :10], g)


def test_state_round_trip_through_weights_only_load(tmp_path):
    x, g, _, ratings = synthetic_album(7)
    reference = fit_album_reference(x, g)
    model = fit_pam(x[:40], g[:40], ratings[:40], reference=reference)
    state = model.to_state()
    assert all(isinstance(v, (float, int, str, list, torch.Tensor)) for v in state.values())
    buf = io.BytesIO()
    torch.save({"pam_state": state}, buf)
    buf.seek(0)
    loaded = PAMModel.from_state(torch.load(buf, weights_only=True)["pam_state"])
    assert np.array_equal(loaded.predict(x, g), model.predict(x, g))
    assert np.array_equal(loaded.predict_offsets(x, g), model.predict_offsets(x, g))
    path = tmp_path / "pam.pt"
    torch.save(state, path)
    assert np.array_equal(PAMModel.from_state(torch.load(path, weights_only=True)).predict(x, g), model.predict(x, g))
    with pytest.raises(ValueError):
        PAMModel.from_state({"format": "something else"})
    broken = dict(state, alpha=torch.zeros(3))
    with pytest.raises(ValueError):
        PAMModel.from_state(broken)
