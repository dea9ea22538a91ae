"""The browser's Qt-free table: sorting, filtering, capture dates, thumbnails."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from PIL import Image

from aesthetic_curator.browse import Filter, PhotoTable, capture_time
from aesthetic_curator.catalog import PICK, REJECT
from aesthetic_curator.thumbnails import thumbnail


def table() -> PhotoTable:
    t = PhotoTable([Path(f"/a/{n}.jpg") for n in ("b", "a", "d", "c", "e")], mtimes=[5, 4, 3, 2, 1])
    t.generic[:] = [5.0, 6.0, np.nan, 4.0, 5.5]
    t.personal[:] = [3.0, 2.0, np.nan, 4.5, np.nan]
    t.photo_id[:] = [10, 11, 12, 13, 14]
    t.set_marks({10: 5, 11: 1}, {10: PICK, 13: REJECT})
    return t


def names(t: PhotoTable, rows) -> list[str]:
    return [t.names[r] for r in rows]


def test_sort_keys_and_unscored_last():
    t = table()
    assert names(t, t.order("generic")) == ["a.jpg", "e.jpg", "b.jpg", "c.jpg", "d.jpg"]
    assert names(t, t.order("generic", descending=False)) == ["c.jpg", "b.jpg", "e.jpg", "a.jpg", "d.jpg"]
    assert names(t, t.order("name")) == ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"]
    assert names(t, t.order("date")) == ["e.jpg", "c.jpg", "d.jpg", "a.jpg", "b.jpg"]  # oldest first


def test_personal_sort_puts_what_the_user_said_before_what_we_predict():
    t = table()
    # b rated 5 (predicted 3), a rated 1 (predicted 2), c predicted 4.5; d and e have nothing
    assert names(t, t.order("personal")) == ["b.jpg", "c.jpg", "a.jpg", "d.jpg", "e.jpg"]


def test_filters():
    t = table()
    assert names(t, t.order("name", flt=Filter(min_stars=1))) == ["a.jpg", "b.jpg"]
    assert names(t, t.order("name", flt=Filter(min_stars=2))) == ["b.jpg"]
    assert "c.jpg" not in names(t, t.order("name", flt=Filter(hide_rejects=True)))
    assert names(t, t.order("name", flt=Filter(flags=frozenset({PICK})))) == ["b.jpg"]
    assert names(t, t.order("generic", flt=Filter(score_range=(5.0, 5.6)))) == ["e.jpg", "b.jpg"]
    assert t.counts() == {"photos": 5, "scored": 4, "rated": 2, "picked": 1, "rejected": 1}


def test_capture_time_reads_exif_with_subseconds(tmp_path: Path):
    im = Image.new("RGB", (8, 8))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:05:04 13:14:15"
    exif.get_ifd(0x8769)[0x9291] = "25"
    im.save(tmp_path / "a.jpg", exif=exif)
    Image.new("RGB", (8, 8)).save(tmp_path / "b.jpg")
    expected = dt.datetime(2026, 5, 4, 13, 14, 15).timestamp() + 0.25
    assert capture_time(tmp_path / "a.jpg") == expected
    assert capture_time(tmp_path / "b.jpg") is None
    (tmp_path / "c.jpg").write_bytes(b"not a photo")
    assert capture_time(tmp_path / "c.jpg") is None


def test_thumbnails_are_cached_and_remade_when_the_photo_changes(tmp_path: Path, kodak_paths):
    photo = tmp_path / "p.jpg"
    Image.open(kodak_paths[0]).convert("RGB").save(photo)
    cache = tmp_path / "cache"
    first = thumbnail(photo, 128, cache)
    assert max(first.shape[:2]) == 128
    assert len(list(cache.rglob("*.jpg"))) == 1
    assert np.array_equal(thumbnail(photo, 128, cache), np.asarray(Image.open(next(cache.rglob("*.jpg")))))
    Image.open(kodak_paths[1]).convert("RGB").resize((300, 200)).save(photo)
    assert thumbnail(photo, 128, cache).shape[:2] == (85, 128)
    assert len(list(cache.rglob("*.jpg"))) == 2
