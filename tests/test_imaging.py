"""Decoding the way a photographer's files need: orientation, colour, draft decoding, typed errors."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from aesthetic_curator.errors import (
    CorruptImageError,
    EmptyFileError,
    ImageTooLargeError,
    NotAnImageError,
    PhotoError,
    UnreadableFileError,
)
from aesthetic_curator.imaging import (
    decode,
    is_photo_name,
    load_photo,
    network_array,
    network_image,
    network_input,
    read_bytes,
)
from aesthetic_curator.models import DEFAULT_WEIGHTS

from photos import jpeg_bytes, png_header_only


def _landscape() -> Image.Image:
    """120x80, red on the left half, blue on the right: orientation is easy to read back."""
    a = np.zeros((80, 120, 3), np.uint8)
    a[:, :60] = (220, 20, 20)
    a[:, 60:] = (20, 20, 220)
    return Image.fromarray(a)


def test_exif_orientation_is_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view": the camera was held upright
    path = tmp_path / "portrait.jpg"
    path.write_bytes(jpeg_bytes(_landscape(), exif=exif.tobytes()))
    im = load_photo(path)
    assert im.size == (80, 120)
    top, bottom = np.asarray(im)[5, 40], np.asarray(im)[-5, 40]
    assert top[0] > 150 and bottom[2] > 150  # left half (red) is now on top


def test_jpeg_draft_keeps_at_least_the_requested_size(tmp_path):
    big = Image.fromarray(np.random.default_rng(0).integers(0, 255, (1500, 2000, 3), dtype=np.uint8))
    path = tmp_path / "big.jpg"
    path.write_bytes(jpeg_bytes(big))
    im = load_photo(path, min_size=448)
    assert im.size == (1000, 750)  # 1/2 scale: 1/4 would give 375 < 448
    assert load_photo(path).size == (2000, 1500)
    assert load_photo(path, min_size=100).size == (250, 188)  # 1/8 scale


def test_a_network_sees_a_draft_at_twice_its_size_squashed_to_its_input(tmp_path):
    """The one rule every path to a network follows (scan, perceptual hash, training crops)."""
    big = Image.fromarray(np.random.default_rng(1).integers(0, 255, (1500, 2000, 3), dtype=np.uint8))
    path = tmp_path / "big.jpg"
    path.write_bytes(jpeg_bytes(big))
    assert network_image(path, 224).size == load_photo(path, min_size=448).size == (1000, 750)
    seen = network_input(path, DEFAULT_WEIGHTS)
    assert seen.decoded_size == (1000, 750)
    expected = network_array(load_photo(path, min_size=448), 224, DEFAULT_WEIGHTS.resample)
    assert seen.array.shape == (224, 224, 3) and np.array_equal(seen.array, expected)
    assert np.array_equal(network_input(path, DEFAULT_WEIGHTS, data=path.read_bytes()).array, expected)


def test_embedded_icc_profile_is_converted_to_srgb(tmp_path):
    """An image tagged with a non-sRGB profile is converted; an sRGB-tagged one is left as is."""
    im = _landscape()
    lab_profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB"))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    lab = ImageCms.applyTransform(im, ImageCms.buildTransform(srgb, lab_profile, "RGB", "LAB"))
    buf = io.BytesIO()
    lab.save(buf, "TIFF", icc_profile=lab_profile.tobytes())
    back = decode(buf.getvalue(), tmp_path / "lab.tif")
    assert back.mode == "RGB"
    # 8-bit Lab quantisation costs a few levels on saturated colours; unconverted Lab read as RGB
    # would be off by far more (checked below).
    np.testing.assert_allclose(np.asarray(back, dtype=float), np.asarray(im, dtype=float), atol=6)
    assert np.abs(np.asarray(lab, dtype=float) - np.asarray(im, dtype=float)).max() > 60
    tagged = io.BytesIO()
    im.save(tagged, "PNG", icc_profile=srgb.tobytes())
    assert np.array_equal(np.asarray(decode(tagged.getvalue(), tmp_path / "s.png")), np.asarray(im))


def test_16_bit_and_transparent_images_become_sensible_rgb(tmp_path):
    ramp = (np.linspace(0, 65535, 64 * 64).reshape(64, 64)).astype(np.uint16)
    buf = io.BytesIO()
    Image.fromarray(ramp).save(buf, "PNG")
    grey = np.asarray(decode(buf.getvalue(), tmp_path / "16bit.png"))
    assert grey.shape == (64, 64, 3) and grey.min() == 0 and grey.max() == 255
    rgba = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    buf = io.BytesIO()
    rgba.save(buf, "PNG")
    assert np.asarray(decode(buf.getvalue(), tmp_path / "alpha.png")).min() == 255  # on white, not black


def test_network_array_is_squashed_to_the_input_size():
    arr = network_array(_landscape(), 224, "nearest")
    assert arr.shape == (224, 224, 3) and arr.dtype == np.uint8


@pytest.mark.parametrize(
    ("name", "content", "error", "words"),
    [
        ("empty.jpg", b"", EmptyFileError, "empty"),
        ("text.jpg", b"hello, not a jpeg", NotAnImageError, "not a recognised image"),
        ("bomb.png", png_header_only(40000, 40000), ImageTooLargeError, "safety limit"),
        ("big.png", png_header_only(20000, 15000), ImageTooLargeError, "300 MP"),
    ],
)
def test_bad_files_raise_typed_errors_naming_the_file(tmp_path, name, content, error, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error, match=words) as info:
        load_photo(path)
    assert str(path) in str(info.value) and isinstance(info.value, PhotoError)


def test_truncated_jpeg_is_a_corrupt_image(tmp_path, kodak_paths):
    data = jpeg_bytes(Image.open(kodak_paths[0]))
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptImageError, match="truncated"):
        load_photo(path, min_size=448)


def test_missing_file_and_folder_are_unreadable(tmp_path):
    with pytest.raises(UnreadableFileError, match="no such file"):
        read_bytes(tmp_path / "nope.jpg")
    with pytest.raises(UnreadableFileError, match="folder"):
        read_bytes(tmp_path)


def test_photo_names():
    from pathlib import Path

    assert is_photo_name(Path("a/IMG_0001.JPG")) and is_photo_name(Path("x.tiff"))
    assert not is_photo_name(Path("a/IMG_0001.xmp")) and not is_photo_name(Path(".hidden.jpg"))
