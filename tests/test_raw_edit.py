"""Enhance and saliency on camera RAWs (issue 14, point 5): the edit is made on the RAW's 16-bit develop and
written as a new 16-bit TIFF (or a JPEG when asked) beside it, upright, with its EXIF; the RAW is never touched.

The RAWs are real DNGs (tests/dng.py) that LibRaw demosaics; the network is the shipped one, as the CLI uses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image, ImageCms

from aesthetic_curator.enhance import fgsm, open_for_edit
from aesthetic_curator.errors import CorruptImageError, InvalidValueError
from aesthetic_curator.export_edit import develop_for_edit, export_edited, to_8bit
from aesthetic_curator.tiff16 import write_rgb16

from dng import Shot, write_dng

TAKEN = dt.datetime(2025, 8, 9, 7, 6, 5)
SHOT = Shot(taken=TAKEN, make="Curator", model="Raw Body 7", lens="Curator 35mm F2", iso=400, exposure=(1, 125))


@pytest.fixture(scope="module")
def scene(kodak_paths) -> np.ndarray:
    """A Kodak photo, small (320 x 240, stored landscape) but above the network's input size, so that an FGSM
    step (made at that size) is not averaged away by a downsize."""
    return np.asarray(Image.open(kodak_paths[2]).convert("RGB").resize((320, 240)))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def sideways_dng(tmp_path: Path, scene: np.ndarray) -> Path:
    """A camera-style DNG without a preview, stored landscape with Orientation 6 (a portrait shot)."""
    return write_dng(tmp_path / "IMG_0001.DNG", scene, preview=None, orientation=6, shot=SHOT)


def _tags(path: Path) -> tuple[dict, dict]:
    with Image.open(path) as im:
        exif = im.getexif()
        return dict(exif), dict(exif.get_ifd(0x8769))


def test_a_raws_edit_is_a_new_upright_16_bit_tiff_with_its_exif(nima, sideways_dng):
    before = _digest(sideways_dng)
    source = open_for_edit(sideways_dng)
    assert source.developed is not None and source.developed.dtype == np.uint16
    assert source.developed.shape == (320, 240, 3)  # upright: the portrait the camera held
    assert np.array_equal(source.photo, to_8bit(source.developed))
    result = fgsm(nima, source.photo, epsilon=3, device="cpu")
    assert result.after > result.before
    out = export_edited(sideways_dng, result.apply, developed=source.developed)

    assert out == sideways_dng.with_name("IMG_0001-enhanced.tif")
    assert _digest(sideways_dng) == before
    written = tifffile.imread(out)
    assert written.dtype == np.uint16 and written.shape == (320, 240, 3)
    assert np.array_equal(written, result.apply(source.developed))  # the edit, on the 16-bit develop
    assert np.any(written % 257)  # 16-bit levels, not 8-bit ones stretched
    change = written.astype(np.int64) - source.developed.astype(np.int64)
    assert np.abs(change).max() <= 3 * 257 + 1 and np.abs(change).max() > 0
    ifd0, exif = _tags(out)
    assert ifd0[0x0112] == 1 and ifd0[0x010F] == "Curator" and ifd0[0x0110] == "Raw Body 7"
    assert exif[0x9003] == "2025:08:09 07:06:05" and exif[0x9291] == "25"
    assert exif[0xA434] == "Curator 35mm F2" and exif[0x8827] == 400 and float(exif[0x829A]) == pytest.approx(1 / 125)
    assert exif[0xA001] == 1 and (exif[0xA002], exif[0xA003]) == (240, 320)
    with Image.open(out) as im:  # the album reads it back as a photo like any other
        assert im.size == (240, 320)
        icc = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
        assert "srgb" in ImageCms.getProfileDescription(icc).lower()


def test_a_raws_edit_never_overwrites_and_goes_to_jpeg_when_named_so(sideways_dng, tmp_path):
    before = _digest(sideways_dng)
    first = export_edited(sideways_dng, lambda px: px)
    kept = first.read_bytes()
    second = export_edited(sideways_dng, lambda px: px)
    assert second.name == "IMG_0001-enhanced-2.tif" and first.read_bytes() == kept
    assert np.array_equal(tifffile.imread(second), develop_for_edit(sideways_dng))  # no edit: the develop

    jpeg = export_edited(sideways_dng, lambda px: px, tmp_path / "IMG_0001-web.jpg")
    with Image.open(jpeg) as im:
        assert im.format == "JPEG" and im.size == (240, 320) and im.info["icc_profile"]
        assert np.abs(np.asarray(im, np.int16) - to_8bit(develop_for_edit(sideways_dng))).mean() < 3
    ifd0, exif = _tags(jpeg)
    assert ifd0[0x0112] == 1 and ifd0[0x010F] == "Curator" and exif[0x9003] == "2025:08:09 07:06:05"

    folder = tmp_path / "exports"
    folder.mkdir()
    assert export_edited(sideways_dng, lambda px: px, folder) == folder / "IMG_0001-enhanced.tif"
    for wrong in (tmp_path / "x.png", tmp_path / "x.dng", sideways_dng):  # never the RAW's kind, never itself
        with pytest.raises(InvalidValueError):
            export_edited(sideways_dng, lambda px: px, wrong)
        assert not wrong.exists() or wrong == sideways_dng
    assert _digest(sideways_dng) == before


def test_a_damaged_raw_is_named_and_nothing_is_written(sideways_dng, tmp_path):
    data = sideways_dng.read_bytes()
    broken = tmp_path / "IMG_0002.DNG"
    broken.write_bytes(data[: len(data) // 3])
    with pytest.raises(CorruptImageError, match="truncated"):
        export_edited(broken, lambda px: px)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["IMG_0001.DNG", "IMG_0002.DNG"]


def test_the_16_bit_tiff_writer_round_trips_pixels_and_exif(tmp_path):
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 65536, (1000, 300, 3), dtype=np.uint16)  # two strips of about 1 MB
    exif = Image.Exif()
    exif[0x010F] = "Maker"
    exif.get_ifd(0x8769)[0x9003] = "2020:01:02 03:04:05"
    with open(tmp_path / "a.tif", "wb") as fh:
        write_rgb16(fh, pixels, exif=exif, icc_profile=b"\0" * 10)
    assert np.array_equal(tifffile.imread(tmp_path / "a.tif"), pixels)
    with tifffile.TiffFile(tmp_path / "a.tif") as tif:
        page = tif.pages[0]
        assert len(page.dataoffsets) > 1 and page.tags["Orientation"].value == 1
        assert page.tags["ExifTag"].value["DateTimeOriginal"] == "2020:01:02 03:04:05"
    with pytest.raises(ValueError):
        write_rgb16(io.BytesIO(), pixels.astype(np.uint8))


def test_enhance_command_on_a_raw(sideways_dng, tmp_path, capsys):
    from aesthetic_curator.cli import main

    before = _digest(sideways_dng)
    assert main(["enhance", str(sideways_dng), "--mode", "fgsm"]) == 0
    out = capsys.readouterr().out
    assert "IMG_0001-enhanced.tif" in out
    assert tifffile.imread(sideways_dng.with_name("IMG_0001-enhanced.tif")).dtype == np.uint16
    jpeg = tmp_path / "web.jpg"
    assert main(["enhance", str(sideways_dng), str(jpeg), "--mode", "fgsm"]) == 0
    assert Image.open(jpeg).format == "JPEG" and _tags(jpeg)[0][0x0112] == 1
    assert _digest(sideways_dng) == before

    capsys.readouterr()
    assert main(["enhance", str(sideways_dng), str(tmp_path / "x.png")]) == 2
    assert "16-bit TIFF" in capsys.readouterr().err and not (tmp_path / "x.png").exists()
    data = sideways_dng.read_bytes()
    broken = tmp_path / "IMG_0009.DNG"
    broken.write_bytes(data[:200])
    # a file that cannot be read is status 1, as for a damaged JPEG (status 2 is a mistake in the arguments)
    assert main(["enhance", str(broken)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "IMG_0009.DNG" in err and "truncated" in err
    assert not list(tmp_path.glob("IMG_0009-*"))
    assert _digest(sideways_dng) == before


def test_saliency_command_on_a_raw(scene, tmp_path):
    from aesthetic_curator.cli import main

    dng = write_dng(tmp_path / "IMG_0003.DNG", scene, preview=1024, orientation=6, shot=SHOT)
    before = _digest(dng)
    out = tmp_path / "IMG_0003-saliency.png"
    assert main(["saliency", str(dng), str(out), "--samples", "2"]) == 0
    assert Image.open(out).size == (240, 320)  # over the upright rendering, at its size
    assert main(["saliency", str(dng), str(tmp_path / "map.png"), "--samples", "2", "--map-only"]) == 0
    heat = np.asarray(Image.open(tmp_path / "map.png"))
    assert heat.shape == (320, 240) and heat.max() > 0
    assert _digest(dng) == before


def test_the_enhance_dialog_exports_a_raw_as_chosen(qtbot, sideways_dng):
    from aesthetic_curator.gui.enhance_dialog import EnhanceDialog

    dialog = EnhanceDialog(None, sideways_dng, None)
    qtbot.addWidget(dialog)
    assert not dialog.raw_format.isHidden()
    dialog.mode.setCurrentIndex(dialog.mode.findData("fgsm"))  # the quicker edit: this is about the export
    qtbot.waitUntil(dialog.export_button.isEnabled, timeout=60_000)  # the first preview is shown
    dialog.raw_format.setCurrentIndex(dialog.raw_format.findData(".jpg"))
    with qtbot.waitSignal(dialog.exported, timeout=60_000) as written:
        dialog.export_button.click()
    path = Path(written.args[0])
    assert path == sideways_dng.with_name("IMG_0001-enhanced.jpg")
    assert Image.open(path).size == (240, 320)
    dialog.raw_format.setCurrentIndex(dialog.raw_format.findData(".tif"))
    with qtbot.waitSignal(dialog.exported, timeout=60_000) as written:
        dialog.export_button.click()
    assert tifffile.imread(written.args[0]).dtype == np.uint16
    dialog.done(0)
