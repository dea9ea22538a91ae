"""Enhancement by the score's gradient: it raises the score, within its bounds."""

from __future__ import annotations

from functools import partial

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


@pytest.mark.parametrize("mode", ["fgsm", "natural"])
def test_an_edit_applies_alike_to_8_bit_16_bit_and_float_pixels(nima, photos, mode):
    """A RAW's edit is found on its 8-bit copy and applied to its 16-bit develop: the same edit at every depth."""
    im = photos[1]
    edit = partial(fgsm, epsilon=3) if mode == "fgsm" else partial(natural, iterations=5)
    result = edit(nima, im, device="cpu")
    deep = im.astype(np.uint16) * 257
    eight, sixteen = result.apply(im), result.apply(deep)
    floats = result.apply(im.astype(np.float32) / 255)
    assert sixteen.dtype == np.uint16 and floats.dtype == np.float32 and eight.dtype == np.uint8
    assert np.array_equal(eight, result.photo)
    assert np.abs(sixteen.astype(np.float64) / 257 - eight).max() <= 0.51  # eight is sixteen, rounded
    assert np.abs(floats.astype(np.float64) * 255 - eight).max() <= 0.51
    assert np.any(sixteen % 257)  # finer than 8-bit steps
    with pytest.raises(ValueError):
        result.apply(im.astype(np.int32))
