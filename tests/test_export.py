"""Export: the right photos, never an overwrite, originals untouched unless moved, a report."""

from __future__ import annotations

import csv
import errno
import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from aesthetic_curator.catalog import PICK, REJECT, Catalog
from aesthetic_curator.export import ExportItem, choose, export_photos, write_report
from aesthetic_curator.scoring import score_album
from aesthetic_curator.xmp import find_sidecar, read_marks, read_sidecar, sidecar_path, update_sidecar

FIXTURES = Path(__file__).parent / "fixtures" / "xmp"


@pytest.fixture
def album(tmp_path, kodak_paths, scorer):
    folder = tmp_path / "album"
    folder.mkdir()
    for p in kodak_paths[:6]:
        shutil.copy(p, folder / p.name)
    shutil.copy(FIXTURES / "lightroom.xmp", folder / "kodim02.xmp")  # Lightroom's sidecar of kodim02.png
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    report = score_album(folder, catalog, scorer=scorer)
    ids = catalog.photo_ids(s.content_hash for s in report.scores)
    by_name = {s.path.name: ids[s.content_hash] for s in report.scores}
    catalog.set_marks("ana", ratings=[(by_name["kodim01.png"], 5), (by_name["kodim02.png"], 4),
                                      (by_name["kodim03.png"], 2)],
                      flags=[(by_name["kodim01.png"], PICK), (by_name["kodim02.png"], PICK),
                             (by_name["kodim04.png"], REJECT)])
    yield folder, catalog, report
    catalog.close()


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_choose_picks_top_and_stars(album):
    _, catalog, report = album
    names = lambda items: [it.source.name for it in items]  # noqa: E731
    assert names(choose(report.scores, catalog, "ana", selection="picks")) == ["kodim01.png", "kodim02.png"]
    assert names(choose(report.scores, catalog, "ana", selection="stars", min_stars=4)) == ["kodim01.png",
                                                                                           "kodim02.png"]
    top = choose(report.scores, catalog, "ana", selection="top", top=4)
    assert names(top)[:3] == ["kodim01.png", "kodim02.png", "kodim03.png"]  # the user's stars first
    assert "kodim04.png" not in names(choose(report.scores, catalog, "ana", selection="top", top=6))  # a reject
    generic_top = choose(report.scores, catalog, None, selection="top", top=2)
    best = sorted(report.scores, key=lambda s: -s.mean)[:2]
    assert names(generic_top) == [s.path.name for s in best]
    with pytest.raises(ValueError, match="top"):
        choose(report.scores, catalog, "ana", selection="top", top=0)


def test_copy_never_overwrites_and_never_touches_originals(album, tmp_path):
    folder, catalog, report = album
    before = snapshot(folder)
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "kodim01.png").write_bytes(b"someone else's file")
    (dest / "kodim02-2.xmp").write_bytes(b"a sidecar in the way")
    items = choose(report.scores, catalog, "ana", selection="picks")

    first = export_photos(items, dest, sidecars="lightroom", user="ana")
    second = export_photos(items, dest, sidecars="lightroom", user="ana")

    assert snapshot(folder) == before  # originals and their sidecars byte-for-byte, times too
    assert (dest / "kodim01.png").read_bytes() == b"someone else's file"
    assert (dest / "kodim02-2.xmp").read_bytes() == b"a sidecar in the way"
    names = sorted(e.destination.name for e in first.exported + second.exported)
    assert names == ["kodim01-2.png", "kodim01-3.png", "kodim02-3.png", "kodim02.png"]
    for e in first.exported + second.exported:
        assert e.destination.read_bytes() == e.item.source.read_bytes()
        marks = read_marks(read_sidecar(e.sidecar))
        assert (marks.stars, marks.flag) == (e.item.stars, PICK)
    # Lightroom's own fields of kodim02's sidecar came along with it.
    exported02 = next(e for e in first.exported if e.item.source.name == "kodim02.png")
    crs = "http://ns.adobe.com/camera-raw-settings/1.0/"
    assert read_sidecar(exported02.sidecar).get(crs, "Exposure2012") == "+0.35"
    assert not [p for p in dest.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_move_only_when_asked_keeps_the_photo_whole_and_the_catalog_current(album, tmp_path):
    folder, catalog, report = album
    items = choose(report.scores, catalog, "ana", selection="picks")
    contents = {it.source.name: it.source.read_bytes() for it in items}
    dest = tmp_path / "moved"

    result = export_photos(items, dest, move=True, sidecars="darktable", user="ana", catalog=catalog)

    assert not result.skipped
    for e in result.exported:
        assert not e.item.source.exists()
        assert e.destination.read_bytes() == contents[e.item.source.name]
        assert catalog.photo_id_for_file(e.destination) in catalog.flags("ana")  # found under its new path
    assert not (folder / "kodim02.xmp").exists()  # its sidecar went with it, merged
    moved02 = dest / "kodim02.png"
    side = read_sidecar(sidecar_path(moved02, "darktable"))
    assert side.get("http://ns.adobe.com/exif/1.0/aux/", "Lens") == "XF16-55mmF2.8 R LM WR"
    assert sorted(p.name for p in folder.iterdir()) == ["kodim03.png", "kodim04.png", "kodim05.png", "kodim06.png"]


def test_move_across_file_systems_is_a_verified_copy_then_removal(album, tmp_path, monkeypatch):
    _, catalog, report = album
    items = choose(report.scores, catalog, "ana", selection="stars", min_stars=2)
    contents = {it.source: it.source.read_bytes() for it in items}
    real_link = os.link

    def link(src, dst, *a, **k):  # a different device, as the OS reports it
        if not Path(src).name.startswith(".export-"):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_link(src, dst, *a, **k)

    monkeypatch.setattr(os, "link", link)
    result = export_photos(items, tmp_path / "card", move=True, sidecars=None)
    assert len(result.exported) == 3
    for e in result.exported:
        assert not e.item.source.exists() and e.destination.read_bytes() == contents[e.item.source]


def test_cancel_stops_between_files_and_keeps_what_was_exported(album, tmp_path):
    _, catalog, report = album
    items = choose(report.scores, catalog, None, selection="top", top=6)
    cancel = threading.Event()
    result = export_photos(items, tmp_path / "out", sidecars=None,
                           progress=lambda done, total: cancel.set() if done == 2 else None, cancel=cancel)
    assert result.cancelled and len(result.exported) == 2
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(e.destination.name for e in result.exported)


def test_unreadable_source_is_skipped_with_a_reason_and_the_rest_goes_on(album, tmp_path):
    _, catalog, report = album
    items = choose(report.scores, catalog, "ana", selection="picks")
    items[0].source.unlink()
    result = export_photos(items, tmp_path / "out", sidecars="darktable", user="ana")
    assert [e.item.source.name for e in result.exported] == ["kodim02.png"]
    assert "not exported" in result.skipped[0].reason


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_report_lists_sources_destinations_and_scores(album, tmp_path, suffix):
    _, catalog, report = album
    result = export_photos(choose(report.scores, catalog, "ana", selection="picks"), tmp_path / "out", user="ana")
    path = write_report(result, tmp_path / f"report{suffix}")
    rows = json.loads(path.read_text()) if suffix == ".json" else list(csv.DictReader(path.open()))
    assert [Path(r["source"]).name for r in rows] == ["kodim01.png", "kodim02.png"]
    assert [str(r["stars"]) for r in rows] == ["5", "4"] and {r["flag"] for r in rows} == {"pick"}
    assert all(float(r["generic"]) > 1 for r in rows)

    again = write_report(result, tmp_path / f"report{suffix}")  # the next export's report
    assert again == tmp_path / f"report-2{suffix}" and path.read_bytes() == again.read_bytes()


def test_the_raw_of_a_raw_and_jpeg_pair_keeps_its_lightroom_sidecar(tmp_path, kodak_paths):
    """IMG.xmp beside IMG.CR2 and IMG.jpg is the RAW's (Lightroom's develop settings): writing the
    JPEG's marks, in either style, or moving the JPEG, never edits, moves or deletes it."""
    album, dest = tmp_path / "album", tmp_path / "out"
    album.mkdir()
    raw, jpg, raw_side = album / "IMG_0001.CR2", album / "IMG_0001.jpg", album / "IMG_0001.xmp"
    raw.write_bytes(b"raw sensor data")
    shutil.copy(kodak_paths[0], jpg)
    shutil.copy(FIXTURES / "lightroom.xmp", raw_side)
    kept = raw_side.read_bytes()
    assert find_sidecar(jpg, "lightroom") is None
    assert update_sidecar(jpg, "lightroom", stars=3, flag=0, user="ana") == album / "IMG_0001.jpg.xmp"
    item = ExportItem(jpg, "hash", stars=3)
    result = export_photos([item], dest, move=True, sidecars="lightroom", user="ana")
    assert not result.skipped and result.exported[0].destination == dest / "IMG_0001.jpg"
    assert raw_side.read_bytes() == kept and raw.read_bytes() == b"raw sensor data"
    assert not (album / "IMG_0001.jpg.xmp").exists()  # the JPEG's own sidecar went with it
    assert read_marks(read_sidecar(result.exported[0].sidecar)).stars == 3


def test_a_sidecar_of_either_name_in_the_destination_is_never_edited(album, tmp_path):
    _, catalog, report = album
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "kodim01.xmp").write_bytes(b"Lightroom's sidecar of another kodim01")
    items = [it for it in choose(report.scores, catalog, "ana", selection="picks") if it.source.name == "kodim01.png"]
    result = export_photos(items, dest, sidecars="darktable", user="ana")
    assert (dest / "kodim01.xmp").read_bytes() == b"Lightroom's sidecar of another kodim01"
    assert [e.destination.name for e in result.exported] == ["kodim01-2.png"]


def test_a_card_that_refuses_permissions_still_gets_the_photos(album, tmp_path, monkeypatch):
    """exFAT and FAT refuse chmod (EPERM): times and modes are a courtesy, the photo is not."""
    _, catalog, report = album

    def refuse(*_a, **_k):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(shutil, "copystat", refuse)
    items = choose(report.scores, catalog, "ana", selection="picks")
    result = export_photos(items, tmp_path / "card", sidecars="darktable", user="ana")
    assert not result.skipped and len(result.exported) == 2
    for e in result.exported:
        assert e.destination.read_bytes() == e.item.source.read_bytes()


def test_a_moved_photo_whose_sidecar_fails_is_reported_as_moved_and_stays_in_the_catalog(album, tmp_path):
    folder, catalog, report = album
    broken = folder / "kodim01.png.xmp"
    broken.write_bytes(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><unclosed>")
    items = [it for it in choose(report.scores, catalog, "ana", selection="picks") if it.source.name == "kodim01.png"]
    result = export_photos(items, tmp_path / "out", move=True, sidecars="darktable", user="ana", catalog=catalog)
    moved = tmp_path / "out" / "kodim01.png"
    assert [e.destination for e in result.exported] == [moved] and not (folder / "kodim01.png").exists()
    assert "moved to" in result.skipped[0].reason and "sidecar" in result.skipped[0].reason
    assert catalog.photo_id_for_file(moved) in catalog.flags("ana")  # found under its new path
    assert broken.exists()  # not deleted: the copy beside the moved photo could not be merged


def test_a_photo_whose_sidecar_is_nested_too_deep_is_exported_without_it(album, tmp_path):
    from test_xmp import deeply_nested

    folder, catalog, report = album
    sidecar_path(folder / "kodim01.png").write_bytes(deeply_nested())
    items = choose(report.scores, catalog, "ana", selection="picks")
    result = export_photos(items, tmp_path / "out", sidecars="darktable")
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "kodim01.png" in names and "kodim02.png" in names
    assert any(k.path.name == "kodim01.png" and "nested" in k.reason for k in result.skipped)
