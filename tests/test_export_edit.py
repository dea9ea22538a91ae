"""Exported edits: a new file, the original untouched, EXIF, ICC, quality and orientation kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from aesthetic_curator.export_edit import export_edited


@pytest.fixture
def rotated_jpeg(tmp_path: Path, kodak_paths) -> Path:
    """A camera-style JPEG: stored sideways with Orientation 6, a capture date and an ICC profile."""
    upright = Image.open(kodak_paths[2]).convert("RGB").resize((200, 120))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what the sensor wrote
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    exif[0x010F] = "Canon"
    exif.get_ifd(0x8769)[0x9003] = "2026:07:14 18:30:05"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = tmp_path / "IMG_0001.JPG"
    stored.save(path, quality=83, exif=exif, icc_profile=icc)
    return path


def test_export_keeps_exif_icc_quality_and_orientation(rotated_jpeg: Path):
    before = rotated_jpeg.read_bytes()
    out = export_edited(rotated_jpeg, lambda px: np.clip(px.astype(int) + 10, 0, 255).astype(np.uint8))
    assert out == rotated_jpeg.with_name("IMG_0001-enhanced.JPG")
    assert rotated_jpeg.read_bytes() == before
    with Image.open(rotated_jpeg) as a, Image.open(out) as b:
        assert b.format == "JPEG"
        assert b.size == (200, 120)  # written upright...
        assert b.getexif()[0x0112] == 1  # ...and says so
        assert b.getexif()[0x010F] == "Canon"
        assert b.getexif().get_ifd(0x8769)[0x9003] == "2026:07:14 18:30:05"
        assert b.info["icc_profile"] == a.info["icc_profile"]
        assert b.quantization == a.quantization  # same quality
        shown = np.asarray(Image.open(rotated_jpeg).transpose(Image.Transpose.ROTATE_270), np.int16)
        assert abs(float(np.mean(np.asarray(b, np.int16) - shown)) - 10) < 2  # the edit, on upright pixels


def test_export_never_overwrites(rotated_jpeg: Path, tmp_path: Path):
    first = export_edited(rotated_jpeg, lambda px: px)
    second = export_edited(rotated_jpeg, lambda px: px)
    assert first != second and second.name == "IMG_0001-enhanced-2.JPG"
    elsewhere = tmp_path / "out"
    elsewhere.mkdir()
    third = export_edited(rotated_jpeg, lambda px: px, elsewhere)
    assert third.parent == elsewhere
    with pytest.raises(ValueError):
        export_edited(rotated_jpeg, lambda px: px, rotated_jpeg)
    png = tmp_path / "p.png"
    Image.new("RGB", (8, 8), (1, 2, 3)).save(png)
    exported = export_edited(png, lambda px: px)
    assert Image.open(exported).format == "PNG"


def test_enhance_command_writes_a_better_scoring_copy(rotated_jpeg: Path, capsys):
    from aesthetic_curator.cli import main

    before = rotated_jpeg.read_bytes()
    assert main(["enhance", str(rotated_jpeg), "--mode", "fgsm"]) == 0
    out = capsys.readouterr().out
    assert "->" in out and "IMG_0001-enhanced.JPG" in out
    a, b = (float(v) for v in out.split(": ")[1].split(" (")[0].split(" -> "))
    assert b > a
    assert rotated_jpeg.read_bytes() == before
    assert Image.open(rotated_jpeg.with_name("IMG_0001-enhanced.JPG")).getexif()[0x0112] == 1
