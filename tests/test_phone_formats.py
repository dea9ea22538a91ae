"""Phone photos in the default install: HEIC/HEIF (pillow-heif) and AVIF, upright, dated and scored."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aesthetic_curator.album import find_photos
from aesthetic_curator.browse import capture_time
from aesthetic_curator.catalog import Catalog
from aesthetic_curator.errors import PhotoError
from aesthetic_curator.formats import AVIF_SUFFIXES
from aesthetic_curator.imaging import load_photo
from aesthetic_curator.scoring import score_album

TAKEN = _dt.datetime(2024, 5, 1, 10, 22, 33)
FORMATS = [("HEIF", "HEIC"), ("HEIF", "heif"), ("AVIF", "avif")]


def _exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = TAKEN.strftime("%Y:%m:%d %H:%M:%S")
    sub[0x9291] = "5"
    return exif.tobytes()


@pytest.fixture(scope="module")
def portrait(kodak_dir: Path) -> Image.Image:
    return Image.open(kodak_dir / "kodim05.png").convert("RGB").crop((90, 0, 410, 500))


def _save(portrait: Image.Image, path: Path, fmt: str, orientation: int = 6) -> Path:
    portrait.save(path, fmt, exif=_exif(orientation), quality=90)
    return path


def test_avif_is_read_natively_by_this_pillow():
    assert AVIF_SUFFIXES == {".avif"}, "Pillow without libavif: AVIF files would not be listed"


@pytest.mark.parametrize(("fmt", "suffix"), FORMATS)
def test_phone_photos_are_listed_upright_and_dated(portrait, tmp_path, fmt, suffix):
    path = _save(portrait, tmp_path / f"IMG_0001.{suffix}", fmt)
    assert find_photos(tmp_path) == [path]
    im = load_photo(path)
    upright = np.asarray(portrait.transpose(Image.Transpose.ROTATE_270), np.float64)
    assert im.size == (500, 320)
    error = np.abs(np.asarray(im, np.float64) - upright).mean()
    wrong = np.abs(np.asarray(im, np.float64) - upright[::-1, ::-1]).mean()
    assert error < 6 < wrong
    assert capture_time(path, original_only=True) == pytest.approx(TAKEN.timestamp() + 0.5)


def test_an_album_of_phone_photos_is_scored_and_a_damaged_heic_skipped(portrait, scorer, tmp_path):
    good = [_save(portrait, tmp_path / f"IMG_{i}.{suffix}", fmt) for i, (fmt, suffix) in enumerate(FORMATS)]
    data = good[0].read_bytes()
    (tmp_path / "cut.heic").write_bytes(data[: len(data) // 2])
    with pytest.raises(PhotoError):
        load_photo(tmp_path / "cut.heic")
    with Catalog(tmp_path / "c.sqlite3") as cat:
        report = score_album(tmp_path, cat, scorer=scorer)
    assert sorted(s.path for s in report.scores) == sorted(good)
    assert [s.path.name for s in report.skipped] == ["cut.heic"]
    # The same photo, stored three ways, scores about the same.
    means = [s.mean for s in report.scores]
    assert max(means) - min(means) < 0.3
