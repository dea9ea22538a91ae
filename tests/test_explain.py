"""SmoothGrad saliency: it points at what is sharp, at the photo's size, reproducibly."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from aesthetic_curator.explain import colourise, mass_inside, overlay, smoothgrad


def sharp_subject_on_blur(path) -> tuple[np.ndarray, np.ndarray]:
    """A photo blurred everywhere except a sharp central subject (60% of each side, 36% of the area)."""
    photo = Image.open(path).convert("RGB").resize((320, 240))
    blurred = photo.filter(ImageFilter.GaussianBlur(6))
    mask = np.zeros((240, 320), bool)
    mask[48:192, 64:256] = True
    out = np.asarray(blurred).copy()
    out[mask] = np.asarray(photo)[mask]
    return out, mask


def test_saliency_sits_on_the_sharp_subject(nima, kodak_paths):
    for path in (kodak_paths[4], kodak_paths[22]):  # motocross bikes, parrots: detailed subjects
        photo, mask = sharp_subject_on_blur(path)
        heat = smoothgrad(nima, photo, samples=8, seed=0, device="cpu")
        assert heat.shape == photo.shape[:2]
        assert 0.0 <= heat.min() and heat.max() <= 1.0
        assert mass_inside(heat, mask) > 0.5  # most of the mass on 36% of the area
        assert heat[mask].mean() > 2 * heat[~mask].mean()


def test_saliency_is_reproducible_with_a_seed(nima, kodak_paths):
    photo = np.asarray(Image.open(kodak_paths[0]).convert("RGB").resize((200, 150)))
    a = smoothgrad(nima, photo, samples=4, seed=3, device="cpu")
    b = smoothgrad(nima, photo, samples=4, seed=3, device="cpu")
    c = smoothgrad(nima, photo, samples=4, seed=4, device="cpu")
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_overlay_keeps_the_photo_shape_and_colours_hot_spots():
    photo = np.full((40, 60, 3), 128, np.uint8)
    heat = np.zeros((40, 60), np.float32)
    heat[10:20, 10:20] = 1.0
    out = overlay(photo, heat)
    assert out.shape == photo.shape and out.dtype == np.uint8
    assert out[15, 15].tolist() != out[35, 50].tolist()
    assert colourise(np.array([[0.0, 1.0]])).tolist() == [[[10, 10, 60], [255, 255, 230]]]


def test_saliency_command_writes_an_overlay_and_never_touches_the_photo(kodak_paths, tmp_path, capsys):
    from aesthetic_curator.cli import main

    photo = tmp_path / "p.jpg"
    Image.open(kodak_paths[3]).convert("RGB").resize((240, 160)).save(photo)
    before = photo.read_bytes()
    out = tmp_path / "p-saliency.png"
    assert main(["saliency", str(photo), str(out), "--samples", "2"]) == 0
    assert Image.open(out).size == (240, 160)
    assert photo.read_bytes() == before
    assert main(["saliency", str(photo), str(out), "--samples", "2"]) == 2  # no silent overwrite
    assert main(["saliency", str(photo), str(photo), "--force", "--samples", "2"]) == 2
    assert photo.read_bytes() == before
    assert main(["saliency", str(photo), str(tmp_path / "u.png"), "--user", "nobody"]) == 2
    assert "no user named 'nobody'" in capsys.readouterr().err
