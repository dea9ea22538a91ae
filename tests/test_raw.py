"""Camera RAWs, read through LibRaw: real DNG files (see ``dng.py``) through every path a photo takes
here: the folder walk, decoding (preview or demosaic), orientation, EXIF, thumbnails and the scan."""

from __future__ import annotations

import datetime as _dt
import io
from pathlib import Path

import numpy as np
import pytest
import rawpy
import xxhash
from PIL import Image

from aesthetic_curator.album import find_photos
from aesthetic_curator.browse import capture_time
from aesthetic_curator.catalog import Catalog
from aesthetic_curator.errors import CorruptImageError, EmptyFileError, NotAnImageError, UnreadableFileError
from aesthetic_curator.imaging import (
    RAW_IDENTITY_PREFIX,
    content_hash,
    is_photo_name,
    load_photo,
    network_image,
    photo_identity,
)
from aesthetic_curator.photo_tags import read_tags
from aesthetic_curator.raw import decode_raw, develop_raw
from aesthetic_curator.raw_previews import embedded_jpegs
from aesthetic_curator.scoring import score_album
from aesthetic_curator.thumbnails import thumbnail

from dng import Shot, dng_bytes, write_dng

UPRIGHT = {1: lambda a: a, 3: lambda a: np.rot90(a, 2), 6: lambda a: np.rot90(a, -1), 8: lambda a: np.rot90(a, 1)}


@pytest.fixture(scope="module")
def portrait(kodak_dir: Path) -> np.ndarray:
    """A photo taller than wide (500x320), so a wrong quarter turn shows in the shape."""
    return np.asarray(Image.open(kodak_dir / "kodim05.png").convert("RGB"))[:, 90:410]


def _error_against(im: Image.Image, expected: np.ndarray) -> float:
    """Mean absolute difference, in 8-bit levels, of ``im`` and ``expected`` resized to it."""
    ref = np.asarray(Image.fromarray(np.ascontiguousarray(expected)).resize(im.size, Image.Resampling.BOX))
    return float(np.abs(np.asarray(im, np.float64) - ref).mean())


def test_every_libraw_format_is_listed_and_found(tmp_path):
    for suffix in ("DNG", "CR2", "CR3", "NEF", "NRW", "ARW", "SRF", "SR2", "RAF", "ORF", "RW2", "PEF", "SRW",
                   "3FR", "IIQ", "ERF", "MEF", "MOS", "KDC", "DCR", "RWL", "X3F", "dng", "cr3"):
        assert is_photo_name(Path(f"IMG_0001.{suffix}")), suffix
    (tmp_path / "IMG_0001.CR3").write_bytes(b"x")
    (tmp_path / "IMG_0001.xmp").write_bytes(b"x")
    assert [p.name for p in find_photos(tmp_path)] == ["IMG_0001.CR3"]


def test_libraw_reads_the_test_dngs_as_cameras_write_them(portrait, tmp_path):
    path = write_dng(tmp_path / "a.dng", portrait, preview=1024, orientation=6)
    with rawpy.imread(str(path)) as raw:
        assert (raw.sizes.width, raw.sizes.height) == (320, 500)
        assert raw.sizes.flip == 6 and raw.raw_pattern.tolist() == [[0, 1], [3, 2]]
        assert raw.camera_whitebalance[:3] == [1.0, 1.0, 1.0] and raw.white_level == 4095
        thumb = raw.extract_thumb()
        assert thumb.format == rawpy.ThumbFormat.JPEG and Image.open(io.BytesIO(thumb.data)).size == (320, 500)
        developed = raw.postprocess(use_camera_wb=True, output_bps=8, gamma=(2.4, 12.92))
    # The develop of the mosaic gives back the photo it was made from (turned upright), within a few levels.
    assert developed.shape == (320, 500, 3)
    assert _error_against(Image.fromarray(developed), UPRIGHT[6](portrait)) < 12


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
@pytest.mark.parametrize("preview", [1024, 200, None])
def test_decoding_is_upright_from_the_preview_or_the_demosaic(portrait, tmp_path, orientation, preview):
    path = write_dng(tmp_path / "a.dng", portrait, preview=preview, orientation=orientation)
    im = network_image(path, 112)  # needs 224 px a side: a 200 px preview is too small
    expected = UPRIGHT[orientation](portrait)
    assert im.mode == "RGB" and (im.height > im.width) == (orientation in (1, 3))
    wrong = UPRIGHT[{1: 3, 3: 1, 6: 8, 8: 6}[orientation]](portrait)
    assert _error_against(im, expected) < 12 < _error_against(im, wrong)


def test_the_preview_is_used_when_twice_the_network_size_else_a_half_size_demosaic(portrait, tmp_path):
    big = write_dng(tmp_path / "big.dng", portrait, preview=1024, orientation=6)
    small = write_dng(tmp_path / "small.dng", portrait, preview=200, orientation=6)
    with rawpy.imread(str(big)) as raw:
        preview = Image.open(io.BytesIO(raw.extract_thumb().data)).transpose(Image.Transpose.ROTATE_270)
    with rawpy.imread(str(small)) as raw:
        half = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8, gamma=(2.4, 12.92))
    # 224 needed, the 320x500 preview has it: the preview itself (no draft scale fits), upright.
    assert np.array_equal(np.asarray(network_image(big, 112)), np.asarray(preview))
    # 224 needed, the preview has 200: the half-size develop (160x250), exactly LibRaw's.
    assert np.array_equal(np.asarray(network_image(small, 80)), half)
    # Half size would fall under 224 x 2: a full develop.
    assert network_image(small, 112).size == (500, 320)
    # The viewer at 100 % (no size given) takes a full-size preview, else develops at full size.
    assert load_photo(big).size == load_photo(small).size == (500, 320)


def test_capture_time_camera_lens_and_exposure_come_from_the_raw(portrait, tmp_path):
    taken = _dt.datetime(2024, 5, 1, 10, 22, 33)
    path = write_dng(tmp_path / "a.dng", portrait, shot=Shot(taken=taken, subsec="25", iso=800))
    assert capture_time(path) == pytest.approx(taken.timestamp() + 0.25)
    assert capture_time(path, original_only=True) == pytest.approx(taken.timestamp() + 0.25)
    tags = read_tags(path)
    assert tags is not None and tags.get(0x010F) == "Curator" and tags.get(0x0110) == "Test Camera"
    assert tags.get(0xA434) == "Test 50mm F1.8" and tags.get(0x8827) == 800
    assert float(tags.get(0x829A)) == pytest.approx(1 / 250) and float(tags.get(0x920A)) == 50
    untimed = write_dng(tmp_path / "b.dng", portrait, shot=Shot(taken=None, subsec=None))
    assert capture_time(untimed) is None


def test_the_viewer_summarises_a_raw_exif(portrait, tmp_path):
    pytest.importorskip("PySide6")
    from aesthetic_curator.gui.photo_info import read_exif

    info, size = read_exif(write_dng(tmp_path / "a.dng", portrait, orientation=6))
    assert size == (320, 500)
    assert info["Camera"] == "Curator Test Camera" and info["Lens"] == "Test 50mm F1.8"
    assert info["Exposure"] == "1/250 s" and info["Aperture"] == "f/2.8" and info["ISO"] == "200"
    assert info["Focal length"] == "50 mm" and "2024" in info["Taken"]


def test_thumbnails_of_raws_are_upright(portrait, tmp_path):
    for preview in (1024, None):
        path = write_dng(tmp_path / f"{preview}.dng", portrait, preview=preview, orientation=8)
        thumb = thumbnail(path, 128, folder=tmp_path / "cache")
        assert thumb.shape == (82, 128, 3)
        assert _error_against(Image.fromarray(thumb), UPRIGHT[8](portrait)) < 12
        again = thumbnail(path, 128, folder=tmp_path / "cache")  # the cached JPEG: close, not equal
        assert again.shape == thumb.shape and np.abs(again.astype(int) - thumb).mean() < 10
    assert len(list((tmp_path / "cache").rglob("*.jpg"))) == 2


@pytest.mark.parametrize(("damage", "error", "words"), [
    (lambda data: data[: len(data) // 3], CorruptImageError, "truncated"),
    (lambda data: data[:200], CorruptImageError, "truncated"),
    (lambda data: b"", EmptyFileError, "0 bytes"),
    (lambda data: b"Not a photo at all\n" * 40, NotAnImageError, "not a RAW file"),
])
def test_a_damaged_raw_raises_a_typed_error(portrait, tmp_path, damage, error, words):
    path = tmp_path / "bad.CR3"
    path.write_bytes(damage(dng_bytes(portrait, preview=None)))
    with pytest.raises(error, match=words):
        load_photo(path)


def test_an_album_of_raws_is_scored_cached_and_its_damaged_files_skipped(portrait, kodak_paths, scorer, tmp_path):
    album = tmp_path / "card"
    album.mkdir()
    good = []
    for i, p in enumerate(kodak_paths[:4]):
        rgb = np.asarray(Image.open(p).convert("RGB"))
        good.append(write_dng(album / f"IMG_{i:04d}.DNG", rgb, preview=1024 if i % 2 else 200))
    data = dng_bytes(portrait, preview=None)
    (album / "truncated.DNG").write_bytes(data[: len(data) // 3])
    (album / "empty.NEF").write_bytes(b"")
    (album / "notes.CR3").write_text("shopping list\n" * 20)
    with Catalog(tmp_path / "c.sqlite3") as cat:
        first = score_album(album, cat, scorer=scorer)
        assert sorted(s.path for s in first.scores) == good and first.inferred == 4
        assert all(1 <= s.mean <= 10 for s in first.scores)
        reasons = {s.path.name: s.reason for s in first.skipped}
        assert "truncated" in reasons["truncated.DNG"] and "0 bytes" in reasons["empty.NEF"]
        assert "not a RAW file" in reasons["notes.CR3"]
        again = score_album(album, cat, scorer=scorer)
    assert again.inferred == 0 and all(s.cached for s in again.scores)
    assert {s.path: s.mean for s in again.scores} == pytest.approx({s.path: s.mean for s in first.scores})


def test_rating_a_raw_checks_it_as_a_raw(portrait, tmp_path):
    """``rate`` checks a file before it collects ratings, with the reader that will decode it: LibRaw for
    RAWs (Pillow cannot open a CR3, RAF or ORF header at all)."""
    from aesthetic_curator.personal.service import rate_files

    good = write_dng(tmp_path / "shot.dng", portrait)
    text = tmp_path / "notes.CR3"
    text.write_bytes(b"Not a photo at all\n" * 40)
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        done, skipped = rate_files(catalog, "ana", [(good, 4.0), (text, 3.0)])
        assert [p for p, _ in done] == [good] and len(catalog.ratings("ana")) == 1
    assert [(k.path, k.reason) for k in skipped] == [
        (text, "not a RAW file LibRaw can read (wrong extension, or a camera or format it does not know)")]


def test_a_raw_rated_before_its_scan_and_moved_after_keeps_one_photo_id(portrait, scorer, tmp_path):
    """``rate`` (which reads the file whole) and the scan (which streams it) key a RAW alike."""
    from aesthetic_curator.personal.service import rate_files

    card = tmp_path / "card"
    card.mkdir()
    shot = write_dng(card / "shot.dng", portrait)
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        rate_files(catalog, "ana", [(shot, 4.0)])
        (pid,) = catalog.ratings("ana")
        assert [s.photo_id for s in score_album(card, catalog, scorer=scorer).scores] == [pid]
        shot.rename(card / "renamed.DNG")
        moved = score_album(card, catalog, scorer=scorer)
        assert moved.inferred == 0 and [s.photo_id for s in moved.scores] == [pid]


def test_the_smallest_embedded_preview_that_fits_is_decoded_not_libraws_largest(kodak_dir, tmp_path):
    """A camera with a mid-size preview beside the full-size one (Canon, Sony): a scan that needs 300 px
    decodes the 640 px one (LibRaw would hand out the full 1000 px one, draft-decoded to 500x375)."""
    rgb = np.asarray(Image.open(kodak_dir / "kodim01.png").convert("RGB").resize((1000, 750)))
    path = write_dng(tmp_path / "a.dng", rgb, preview=1000, previews=(640, 160))
    with open(path, "rb") as fh:
        assert len(embedded_jpegs(fh)) == 3
    assert load_photo(path, min_size=300).size == (640, 480)
    assert load_photo(path, min_size=500).size == (1000, 750)  # the 640 px one is too small: the full one
    assert load_photo(path).size == (1000, 750)  # the viewer at 100 %: full size
    # Read from the file or from its bytes, the same preview.
    assert decode_raw(path.read_bytes(), path, min_size=300, max_pixels=10**8).size == (640, 480)
    # A medium preview alone, in a SubIFD (the raw in IFD0), is found too.
    alone = write_dng(tmp_path / "b.dng", rgb, preview=None, previews=(640,))
    assert load_photo(alone, min_size=300).size == (640, 480)
    assert _error_against(load_photo(alone, min_size=300), rgb) < 4


def test_a_raw_is_known_by_a_digest_of_all_its_bytes_read_or_streamed(portrait, tmp_path):
    path = write_dng(tmp_path / "a.dng", portrait)
    data = path.read_bytes()
    key = photo_identity(path)
    assert key == photo_identity(path, data) == RAW_IDENTITY_PREFIX + xxhash.xxh3_128(data).hexdigest()
    # One byte changed anywhere (here in the mosaic, far from the headers and the preview): another photo.
    changed = bytearray(data)
    changed[len(data) * 3 // 4] ^= 1
    (tmp_path / "b.dng").write_bytes(bytes(changed))
    assert photo_identity(tmp_path / "b.dng") != key
    # Renamed or moved, the same photo; a JPEG keeps its SHA-256.
    path.rename(tmp_path / "c.DNG")
    assert photo_identity(tmp_path / "c.DNG") == key
    jpeg = tmp_path / "d.jpg"
    Image.fromarray(portrait).save(jpeg)
    assert photo_identity(jpeg) == content_hash(jpeg.read_bytes())
    (tmp_path / "empty.dng").write_bytes(b"")
    with pytest.raises(EmptyFileError):
        photo_identity(tmp_path / "empty.dng")
    with pytest.raises(UnreadableFileError, match="no such file"):
        photo_identity(tmp_path / "gone.dng")
    with pytest.raises(UnreadableFileError, match="no such file"):
        load_photo(tmp_path / "gone.dng", min_size=224)


def test_a_raw_whose_sensor_data_is_all_zero_is_damaged_not_a_black_photo(tmp_path):
    """A header-only sample or a copy cut off after its preview: LibRaw develops it to black without an error."""
    black = write_dng(tmp_path / "cut.dng", np.full((64, 96, 3), 128, np.uint8), preview=None)
    data = bytearray(black.read_bytes())
    data[-64 * 96 * 2:] = bytes(64 * 96 * 2)  # the mosaic, last in the file without a preview: zeroed
    black.write_bytes(bytes(data))
    with pytest.raises(CorruptImageError, match="no image data"):
        load_photo(black, min_size=16)
    with pytest.raises(CorruptImageError, match="no image data"):
        develop_raw(black, max_pixels=10**8)


def test_a_cr3s_mid_size_preview_is_found_in_its_preview_box(kodak_dir):
    """Canon's CR3 (ISO media boxes): the 1620x1080 JPEG sits in a ``PRVW`` box, in a top-level ``uuid`` box
    (eaf42b5e-...), after 8 bytes there and a 16-byte sub-header (the layout ExifTool and LibRaw read)."""
    import struct

    buf = io.BytesIO()
    Image.open(kodak_dir / "kodim03.png").convert("RGB").save(buf, "JPEG", quality=80)
    jpeg = buf.getvalue()

    def box(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", 8 + len(body)) + kind + body

    sub_header = struct.pack(">IHHHHI", 0, 1, 500, 500, 1, len(jpeg))
    prvw = box(b"PRVW", sub_header + jpeg)
    uuid = box(b"uuid", bytes.fromhex("eaf42b5e1c984b88b9fbb7dc406e4d16") + bytes(8) + prvw)
    data = box(b"ftyp", b"crx \0\0\0\1crx isom") + box(b"moov", b"") + uuid + box(b"mdat", bytes(64))
    ((offset, length),) = embedded_jpegs(io.BytesIO(data))
    assert data[offset:offset + length] == jpeg
    assert embedded_jpegs(io.BytesIO(data[: len(data) // 2])) == []  # cut short: nothing claimed
