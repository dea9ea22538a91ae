"""Enhancement by the score's gradient: it raises the score, within its bounds."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from aesthetic_curator.enhance import fgsm, high_frequency_energy, high_frequency_share, natural, psnr


@pytest.fixture(scope="module")
def photos(kodak_paths) -> list[np.ndarray]:
    return [np.asarray(Image.open(p).convert("RGB").resize((300, 300))) for p in kodak_paths[:24:6]]


def test_fgsm_raises_the_score_and_moves_no_pixel_beyond_epsilon(nima, photos):
    for im in photos:
        result = fgsm(nima, im, epsilon=3, device="cpu")
        assert result.photo.shape == im.shape and result.photo.dtype == np.uint8
        assert result.after > result.before
        assert np.abs(result.photo.astype(int) - im.astype(int)).max() <= 3
    stepped = fgsm(nima, photos[0], epsilon=3, steps=3, magnitude=True, device="cpu")
    assert stepped.after > stepped.before
    assert np.abs(stepped.photo.astype(int) - photos[0].astype(int)).max() <= 3


@pytest.mark.slow
def test_natural_edit_raises_the_score_without_a_noise_pattern(nima, photos):
    for im in photos:
        edit = natural(nima, im, device="cpu")
        assert edit.after > edit.before
        assert psnr(im, edit.photo) >= 24
        noisy = fgsm(nima, im, epsilon=3, device="cpu")
        # a noise pattern is high-frequency through and through; a global edit is not, and the
        # search keeps it from scaling the photo's grain: far less high-frequency energy than FGSM
        assert high_frequency_share(im, edit.photo) < high_frequency_share(im, noisy.photo) / 2
        assert high_frequency_energy(im, edit.photo) < high_frequency_energy(im, noisy.photo) / 3
    none = natural(nima, photos[0], strength=0.0, device="cpu")
    assert np.array_equal(none.photo, photos[0])
