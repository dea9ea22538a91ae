"""The browser's Qt-free table and album: sorting, filtering, marks, capture dates, thumbnails."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from PIL import Image

from aesthetic_curator.album_state import Album
from aesthetic_curator.browse import Filter, PhotoTable, capture_time
from aesthetic_curator.catalog import PICK, REJECT
from aesthetic_curator.scoring import PhotoScore
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


def test_an_unset_original_date_falls_back_to_the_files_date_with_its_own_subseconds(tmp_path: Path):
    """Cameras without a set clock write "0000:00:00 00:00:00": for sorting, DateTime (with SubSecTime,
    not SubSecTimeOriginal) is the better guess; for bursts (``original_only``) there is no capture time."""
    exif = Image.Exif()
    exif[0x0132] = "2026:05:04 13:14:15"
    exif.get_ifd(0x8769).update({0x9003: "0000:00:00 00:00:00", 0x9290: "5", 0x9291: "75"})
    Image.new("RGB", (8, 8)).save(tmp_path / "a.jpg", exif=exif)
    assert capture_time(tmp_path / "a.jpg") == dt.datetime(2026, 5, 4, 13, 14, 15).timestamp() + 0.5
    assert capture_time(tmp_path / "a.jpg", original_only=True) is None


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


class MarksStore:
    """The catalog's mark methods in memory, counting reads (a key-press must not read marks back)."""

    def __init__(self, stars: dict[int, float], flags: dict[int, int]):
        self.stored = {"stars": dict(stars), "flags": dict(flags)}
        self.reads = 0

    def _set(self, kind: str, values) -> None:
        for pid, v in values:
            if v is None:
                self.stored[kind].pop(pid, None)
            else:
                self.stored[kind][pid] = v

    def set_ratings(self, user, values) -> None:
        self._set("stars", values)

    def set_flags(self, user, values) -> None:
        self._set("flags", values)

    def ratings(self, user) -> dict[int, float]:
        self.reads += 1
        return dict(self.stored["stars"])

    def flags(self, user) -> dict[int, int]:
        self.reads += 1
        return dict(self.stored["flags"])


def _photo(path: str, h: str, mean: float, photo_id: int) -> PhotoScore:
    return PhotoScore(Path(path), h, "m", mean, 1.0, np.full(10, 0.1, np.float32), np.zeros(4, np.float32), False,
                      photo_id=photo_id)


def test_the_album_keeps_scores_ids_and_the_users_marks_in_one_place():
    store = MarksStore({11: 4, 99: 2}, {12: REJECT})  # 99: a photo of another album
    album = Album("ann", Path("/a"))
    album.load_marks(store)
    album.listed([Path("/a/x.jpg"), Path("/a/y.jpg"), Path("/a/copy-of-x.jpg")], [1.0, 2.0, 3.0], [])
    rows = album.add_scores([_photo("/a/x.jpg", "hx", 5.0, 11), _photo("/a/y.jpg", "hy", 6.0, 12),
                             _photo("/a/copy-of-x.jpg", "hx", 5.0, 11)])
    assert rows == [0, 1, 2] and album.table.stars.tolist() == [4, 0, 4] and album.table.flag[1] == REJECT
    assert [s.path.name for s in album.report().scores] == ["x.jpg", "y.jpg", "copy-of-x.jpg"]
    assert album.photo_ids([2, 0, 1]) == [11, 12]

    reads = store.reads
    assert album.current("stars", [11, 12]) == {11: 4, 12: None}  # what an undo puts back
    assert album.mark(store, "stars", {11: 2, 12: 5}) == [0, 1, 2]  # every copy of photo 11 shows it
    assert album.mark(store, "flag", {12: None}) == [1]
    assert store.reads == reads  # written through, not read back
    assert store.stored == {"stars": {11: 2, 12: 5, 99: 2}, "flags": {}}
    assert album.table.stars.tolist() == [2, 5, 2] and album.table.flag.tolist() == [0, 0, 0]
    assert len(album.stars) == 3  # every rating of the user's, for "rated N photos" and training

    album.set_personal("linear", {"hx": 3.5})
    assert album.personal_by_hash() == {"hx": 3.5} and album.personal_source == "linear"
    album.open(Path("/b"))
    assert not album.scores and album.personal_source is None and album.stars  # the user's marks stay
    album.listed([Path("/b/z.jpg")], [4.0], [(Path("/b/bad.jpg"), "truncated")])
    assert album.table.names == ["z.jpg"] and album.skipped == [(Path("/b/bad.jpg"), "truncated")]
