"""RAW+JPEG pairs as a camera writes them (``IMG_0001.DNG`` + ``IMG_0001.JPG``): one photo, scored once, one
rating, each file's sidecar in its tools' convention, exported as the user chooses; in the app, one grid item
with a RAW+JPEG badge."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aesthetic_curator.catalog import PICK, Catalog
from aesthetic_curator.export import choose, export_photos
from aesthetic_curator.interop import import_ratings, write_sidecars
from aesthetic_curator.pairs import pair_files
from aesthetic_curator.scoring import score_album
from aesthetic_curator.xmp import read_marks, read_sidecar, update_sidecar

from dng import dng_bytes, write_dng
from gui_support import WAIT, open_and_score


@pytest.fixture
def card(kodak_paths: list[Path], tmp_path: Path) -> Path:
    """A card shot RAW+JPEG (two pairs), one JPEG-only frame and one RAW-only frame."""
    folder = tmp_path / "DCIM"
    folder.mkdir()
    for i, p in enumerate(kodak_paths[:4]):
        rgb = np.asarray(Image.open(p).convert("RGB").resize((384, 256)))
        if i != 2:
            write_dng(folder / f"IMG_{i:04d}.DNG", rgb, preview=384)
        if i != 3:
            Image.fromarray(rgb).save(folder / f"IMG_{i:04d}.JPG", quality=90)
    return folder


def test_a_raw_and_its_rendering_pair_by_name_in_one_folder_only(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    files = [a / "IMG_1.CR3", a / "img_1.jpg", a / "IMG_2.NEF", a / "IMG_2.JPG", a / "IMG_2.HEIC",
             a / "IMG_3.ARW", b / "IMG_3.JPG", a / "IMG_4.JPG", a / "IMG_5.DNG", a / "IMG_5.HIF"]
    shown, pairs = pair_files(files)
    assert pairs == {str(a / "IMG_1.CR3"): str(a / "img_1.jpg"), str(a / "IMG_5.DNG"): str(a / "IMG_5.HIF")}
    # Two renderings of IMG_2 are ambiguous: all three files stay photos; other folders never pair.
    assert shown == [p for p in files if p not in (a / "img_1.jpg", a / "IMG_5.HIF")]


def test_a_pair_is_scored_once_as_its_raw_and_a_bad_raw_leaves_its_jpeg(card, scorer, tmp_path):
    with Catalog(tmp_path / "c.sqlite3") as cat:
        report = score_album(card, cat, scorer=scorer)
        by_name = {s.path.name: s for s in report.scores}
        assert sorted(by_name) == ["IMG_0000.DNG", "IMG_0001.DNG", "IMG_0002.JPG", "IMG_0003.DNG"]
        assert report.inferred == 4
        assert by_name["IMG_0000.DNG"].companion == card / "IMG_0000.JPG"
        assert by_name["IMG_0000.DNG"].files == [card / "IMG_0000.DNG", card / "IMG_0000.JPG"]
        assert by_name["IMG_0002.JPG"].companion is None and by_name["IMG_0003.DNG"].companion is None
        again = score_album(card, cat, scorer=scorer)  # from the catalog: still one photo with its JPEG
        assert again.inferred == 0
        assert {s.path.name: s.companion for s in again.scores} == {k: v.companion for k, v in by_name.items()}

        # The RAW of a pair damaged (a truncated copy): the frame is still there, as its JPEG.
        data = dng_bytes(np.zeros((64, 96, 3), np.uint8), preview=None)
        (card / "IMG_0001.DNG").write_bytes(data[: len(data) // 3])
        third = score_album(card, cat, scorer=scorer)
        names = sorted(s.path.name for s in third.scores)
        assert names == ["IMG_0000.DNG", "IMG_0001.JPG", "IMG_0002.JPG", "IMG_0003.DNG"]
        assert [k.path.name for k in third.skipped] == ["IMG_0001.DNG"]


def test_a_pairs_marks_go_to_both_sidecars_in_each_tools_convention(card, scorer, tmp_path):
    with Catalog(tmp_path / "c.sqlite3") as cat:
        report = score_album(card, cat, scorer=scorer)
        pair = next(s for s in report.scores if s.path.name == "IMG_0000.DNG")
        cat.set_marks("ana", ratings=[(pair.photo_id, 4.0)], flags=[(pair.photo_id, PICK)])
        write_sidecars(cat, "ana", report.scores, style="lightroom")
        # Lightroom: IMG_0000.xmp is the RAW's; the JPEG's goes to IMG_0000.JPG.xmp, never into IMG_0000.xmp.
        assert sorted(p.name for p in card.glob("*.xmp")) == ["IMG_0000.JPG.xmp", "IMG_0000.xmp"]
        write_sidecars(cat, "ana", report.scores, style="darktable")  # darktable, digiKam: one per file
        assert (card / "IMG_0000.DNG.xmp").is_file() or (card / "IMG_0000.xmp").is_file()
        for side in card.glob("IMG_0000*.xmp"):
            marks = read_marks(read_sidecar(side))
            assert (marks.stars, marks.flag) == (4, PICK), side.name


def test_ratings_from_lightroom_on_a_pair_are_one_photos(card, scorer, tmp_path):
    update_sidecar(card / "IMG_0000.DNG", "lightroom", stars=5, flag=0, user="lr")  # Lightroom's IMG_0000.xmp
    assert (card / "IMG_0000.xmp").is_file()
    update_sidecar(card / "IMG_0001.JPG", "darktable", stars=2, flag=0, user="dt")  # only the JPEG was rated
    with Catalog(tmp_path / "c.sqlite3") as cat:
        report = score_album(card, cat, scorer=scorer)
        imported = import_ratings(cat, "ana", sorted(card.iterdir()))
        by_name = {s.path.name: s.photo_id for s in report.scores}
        assert cat.ratings("ana") == {by_name["IMG_0000.DNG"]: 5.0, by_name["IMG_0001.DNG"]: 2.0}
        assert imported.ratings == 2


def _first_pair_picked(card: Path, scorer, tmp_path: Path) -> list:
    """The card scored, ``IMG_0000`` (a RAW+JPEG pair) picked by ana: her picks as export items."""
    with Catalog(tmp_path / "c.sqlite3") as cat:
        report = score_album(card, cat, scorer=scorer)
        pair = next(s for s in report.scores if s.path.name == "IMG_0000.DNG")
        cat.set_marks("ana", flags=[(pair.photo_id, PICK)])
        return choose(report.scores, cat, "ana", selection="picks")


@pytest.mark.parametrize("choice, names", [
    ("both", ["IMG_0000.DNG", "IMG_0000.DNG.xmp", "IMG_0000.JPG", "IMG_0000.JPG.xmp"]),
    ("raw", ["IMG_0000.DNG", "IMG_0000.DNG.xmp"]),
    ("jpeg", ["IMG_0000.JPG", "IMG_0000.JPG.xmp"]),
])
def test_export_takes_the_pair_the_raw_or_the_jpeg(card, scorer, tmp_path, choice, names):
    items = _first_pair_picked(card, scorer, tmp_path)
    dest = tmp_path / "out"
    result = export_photos(items, dest, user="ana", pairs=choice)
    assert sorted(p.name for p in dest.iterdir()) == names
    assert len(result.exported) == 1 and not result.skipped
    # A second export of the same pair: both files take the same free stem, so they stay a pair.
    if choice == "both":
        again = export_photos(items, dest, user="ana", pairs=choice)
        assert (again.exported[0].destination.name, again.exported[0].companion.name) == (
            "IMG_0000-2.DNG", "IMG_0000-2.JPG")
    assert sorted(p.name for p in card.iterdir() if p.name.startswith("IMG_0000")) == ["IMG_0000.DNG", "IMG_0000.JPG"]


def test_the_app_shows_a_pair_as_one_item_with_a_badge_and_one_rating(qtbot, make_window, card):
    from aesthetic_curator.gui.album_model import FileKindRole, PathRole

    window = make_window()
    open_and_score(qtbot, window, card)
    assert window.model.rowCount() == 4  # six files, four photos
    kinds = {Path(window.model.index(i).data(PathRole)).name: window.model.index(i).data(FileKindRole)
             for i in range(window.model.rowCount())}
    assert kinds == {"IMG_0000.DNG": "RAW+JPEG", "IMG_0001.DNG": "RAW+JPEG", "IMG_0002.JPG": None,
                     "IMG_0003.DNG": "RAW"}
    row = window.table.row_of(card / "IMG_0000.DNG")
    view_row = next(i for i in range(window.model.rowCount())
                    if window.model.index(i).data(PathRole) == str(card / "IMG_0000.DNG"))
    window.go_to(view_row)
    window.set_stars(3)
    with Catalog(window.catalog.path) as cat:
        assert cat.ratings(window.user) == {int(window.table.photo_id[row]): 3.0}
    assert "IMG_0000.JPG" in window.model.index(view_row).data(0x0003)  # the tooltip names the JPEG

    # Exported from the dialog: the pair's two files, each with its sidecar; then the RAW alone.
    window.cull.export()
    dialog = window.cull.dialog
    dialog.stars.setChecked(True)
    dialog.min_stars.setValue(3)
    assert dialog.count.text() == "1 photo(s) match"
    for which, dest, names in (("both", card.parent / "picks", ["IMG_0000.DNG", "IMG_0000.DNG.xmp",
                                                                  "IMG_0000.JPG", "IMG_0000.JPG.xmp"]),
                               ("raw", card.parent / "raws", ["IMG_0000.DNG", "IMG_0000.DNG.xmp"])):
        dialog.pairs.setCurrentIndex(dialog.pairs.findData(which))
        dialog.dest.setText(str(dest))
        with qtbot.waitSignal(dialog.finished_export, timeout=WAIT) as exported:
            dialog.go.click()
        assert exported.args == [1]
        assert sorted(p.name for p in dest.iterdir() if p.name != "export-report.csv") == names
    dialog.close()

    # The RAW of a pair turns out unreadable: its JPEG joins the grid after the scan, scored.
    data = dng_bytes(np.zeros((64, 96, 3), np.uint8), preview=None)
    (card / "IMG_0001.DNG").write_bytes(data[: len(data) // 3])
    with qtbot.waitSignal(window.watch.rescanned, timeout=WAIT):
        window.watch.rescan()
    qtbot.waitUntil(lambda: window.table.row_of(card / "IMG_0001.JPG") is not None, timeout=WAIT)
    jpeg = window.table.row_of(card / "IMG_0001.JPG")
    assert not np.isnan(window.table.generic[jpeg])


def test_an_exported_pair_keeps_its_two_files_together_whatever_is_in_the_destination(card, scorer, tmp_path):
    items = _first_pair_picked(card, scorer, tmp_path)
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "IMG_0000.JPG").write_bytes(b"another camera's photo")  # the JPEG's name only is taken
    first = export_photos(items, dest, user="ana", sidecars="lightroom")
    assert (first.exported[0].destination.name, first.exported[0].companion.name) == ("IMG_0000-2.DNG",
                                                                                        "IMG_0000-2.JPG")
    # Lightroom naming: the RAW's IMG.xmp does not push the JPEG to another stem; the JPEG's is IMG.JPG.xmp.
    assert sorted(p.name for p in dest.iterdir() if p.name.startswith("IMG_0000-2")) == [
        "IMG_0000-2.DNG", "IMG_0000-2.JPG", "IMG_0000-2.JPG.xmp", "IMG_0000-2.xmp"]
    assert pair_files(sorted(dest.iterdir()))[1] == {str(dest / "IMG_0000-2.DNG"): str(dest / "IMG_0000-2.JPG")}


def test_two_raws_of_one_stem_never_share_a_lightroom_sidecar(tmp_path, kodak_paths):
    rgb = np.asarray(Image.open(kodak_paths[0]).convert("RGB").resize((96, 64)))
    cr3, dng = tmp_path / "IMG_0001.CR3", write_dng(tmp_path / "IMG_0001.DNG", rgb, preview=None)
    cr3.write_bytes(dng.read_bytes())  # a DNG Converter output beside its RAW: two photos, one stem
    sides = {update_sidecar(p, "lightroom", stars=s, flag=0, user="ana").name for p, s in ((cr3, 2), (dng, 5))}
    assert sides == {"IMG_0001.CR3.xmp", "IMG_0001.DNG.xmp"}


def test_a_pairs_jpeg_marks_are_imported_even_when_its_raw_is_unreadable(card, scorer, tmp_path):
    update_sidecar(card / "IMG_0001.JPG", "darktable", stars=3, flag=0, user="dt")
    data = dng_bytes(np.zeros((64, 96, 3), np.uint8), preview=None)
    (card / "IMG_0001.DNG").write_bytes(data[: len(data) // 3])
    with Catalog(tmp_path / "c.sqlite3") as cat:
        report = score_album(card, cat, scorer=scorer)
        jpeg = next(s for s in report.scores if s.path.name == "IMG_0001.JPG")
        imported = import_ratings(cat, "ana", sorted(card.iterdir()))
        assert cat.ratings("ana") == {jpeg.photo_id: 3.0} and imported.ratings == 1
