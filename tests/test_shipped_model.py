"""The committed generic model: it loads safely, is pinned, and prefers good photos to damaged ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageEnhance, ImageFilter

from aesthetic_curator.imaging import load_photo, network_array
from aesthetic_curator.models import NIMA_MOBILENET_AVA, WeightsError, load_state_dict, mobilenet_nima
from aesthetic_curator.models.store import locate_weights


def test_weights_load_with_weights_only_and_checksum():
    path = locate_weights(NIMA_MOBILENET_AVA.filename)
    assert path.stat().st_size < 15_000_000
    state = load_state_dict(path, NIMA_MOBILENET_AVA.sha256)
    assert state["head.weight"].shape == (10, 1024)
    learned = sum(v.numel() for k, v in state.items() if "running" not in k and "num_batches" not in k)
    assert learned == 3_206_976 + 10_250  # Keras MobileNet-1.0 trainable weights + the Dense(10) head


def test_damaged_weights_are_refused(tmp_path):
    good = locate_weights(NIMA_MOBILENET_AVA.filename).read_bytes()
    bad = tmp_path / "nima.pt"
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(WeightsError, match="sha256"):
        load_state_dict(bad, NIMA_MOBILENET_AVA.sha256)
    with pytest.raises(WeightsError, match="cannot load"):
        load_state_dict(bad)


def test_a_pickle_that_runs_code_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("this must never run",))

    path = tmp_path / "evil.pt"
    torch.save({"x": Evil()}, path)
    with pytest.raises(WeightsError, match="cannot load"):
        load_state_dict(path)


def test_missing_weights_say_where_they_were_looked_for(monkeypatch):
    from aesthetic_curator.models import WeightsSpec

    spec = WeightsSpec(name="x", filename="no_such_weights.pt", sha256="0" * 64)
    with pytest.raises(WeightsError, match="AESTHETIC_CURATOR_MODELS"):
        mobilenet_nima(weights=spec)


# Pinned on 2026-11-22 (CPU, torch 2.14.1) with the shipped weights and our preprocessing.
PINNED_MEANS = {"kodim01": 5.846494, "kodim05": 5.481311, "kodim13": 5.366585, "kodim23": 5.849956}
PINNED_STDS = {"kodim01": 1.376696, "kodim05": 1.39986, "kodim13": 1.317754, "kodim23": 1.261384}
PINNED_KODIM01 = [0.000008, 0.006351, 0.031216, 0.096998, 0.285576, 0.300019,
                  0.157382, 0.080083, 0.041865, 0.000503]


def test_pinned_outputs_on_real_photos(kodak_dir, scorer):
    names = list(PINNED_MEANS)
    arrays = np.stack([
        network_array(load_photo(kodak_dir / f"{n}.png", min_size=448), 224, "nearest") for n in names
    ])
    result = scorer(arrays)
    np.testing.assert_allclose(result.mean, [PINNED_MEANS[n] for n in names], atol=1e-4)
    np.testing.assert_allclose(result.std, [PINNED_STDS[n] for n in names], atol=1e-4)
    np.testing.assert_allclose(result.probs[0], PINNED_KODIM01, atol=2e-6)
    np.testing.assert_allclose(result.probs.sum(axis=1), 1.0, atol=1e-5)
    assert result.features.shape == (4, 1024)


def _degraded(im: Image.Image, rng: np.random.Generator) -> dict[str, Image.Image]:
    noisy = np.asarray(im, dtype=np.float32) + rng.normal(0.0, 25.0, (im.height, im.width, 3))
    return {
        "blur": im.filter(ImageFilter.GaussianBlur(radius=3)),
        "noise": Image.fromarray(np.clip(noisy, 0, 255).round().astype(np.uint8)),
        "low contrast": ImageEnhance.Contrast(im).enhance(0.4),
    }


def test_originals_score_above_blurred_noisy_and_low_contrast_versions(kodak_paths, scorer):
    rng = np.random.default_rng(2026)
    wins = {"blur": 0, "noise": 0, "low contrast": 0}
    for path in kodak_paths:
        original = load_photo(path)
        versions = {"original": original, **_degraded(original, rng)}
        means = scorer(np.stack([network_array(v, 224, "nearest") for v in versions.values()])).mean
        scores = dict(zip(versions, means, strict=True))
        for kind in wins:
            wins[kind] += bool(scores["original"] > scores[kind])
    assert len(kodak_paths) == 24
    print("originals preferred:", wins)
    assert all(count >= 22 for count in wins.values()), wins
