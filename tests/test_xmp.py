"""XMP sidecars: what darktable, Lightroom and digiKam wrote survives our writes; marks round-trip."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aesthetic_curator.xmp import (
    NS_DIGIKAM,
    NS_OURS,
    NS_XMP,
    XmpError,
    XmpPacket,
    embedded_packet,
    find_sidecar,
    read_marks,
    read_photo_marks,
    read_sidecar,
    sidecar_path,
    update_sidecar,
)

FIXTURES = Path(__file__).parent / "fixtures" / "xmp"
OWNED = {f"{{{NS_XMP}}}Rating", f"{{{NS_XMP}}}Label", f"{{{NS_DIGIKAM}}}PickLabel"}


def canonical(el: ET.Element) -> tuple:
    """An element's meaning as a comparable value: tag, attributes, text, children in order;
    whitespace between elements and the properties we own left out."""
    attrs = tuple(sorted((k, v) for k, v in el.attrib.items() if k not in OWNED and not k.startswith(f"{{{NS_OURS}}}")))
    kids = tuple(canonical(c) for c in el if c.tag not in OWNED and not c.tag.startswith(f"{{{NS_OURS}}}"))
    return el.tag, attrs, (el.text or "").strip(), kids


def parsed(path: Path) -> ET.Element:
    text = path.read_bytes().decode("utf-8").lstrip("\ufeff")
    return ET.fromstring(text[text.index("<x:xmpmeta"):text.rindex("</x:xmpmeta>") + len("</x:xmpmeta>")])


def photo(folder: Path, name: str = "photo.jpg") -> Path:
    p = folder / name
    Image.fromarray(np.full((8, 8, 3), 128, np.uint8)).save(p)
    return p


@pytest.mark.parametrize("fixture, stars, flag", [
    ("darktable.jpg.xmp", 4, 0),
    ("lightroom.xmp", 0, -1),   # xmp:Rating -1 is Lightroom's reject
    ("digikam.xmp", 3, 1),      # digiKam's pick label 3 is "accepted"
    ("element-form.xmp", 2, 0),
    ("darktable-reject.jpg.xmp", 0, -1),  # darktable's reject is -1 too
    ("digikam-reject.jpg.xmp", 0, -1),    # digiKam's is its pick label 1 (rating 0), in photo.jpg.xmp
])
def test_reads_marks_the_way_each_app_writes_them(fixture, stars, flag):
    marks = read_marks(read_sidecar(FIXTURES / fixture))
    assert (marks.stars, marks.flag) == (stars, flag)


@pytest.mark.parametrize("fixture", ["darktable.jpg.xmp", "lightroom.xmp", "digikam.xmp", "element-form.xmp",
                                     "darktable-reject.jpg.xmp", "digikam-reject.jpg.xmp"])
def test_every_field_we_do_not_own_survives_a_write(tmp_path, fixture):
    p = photo(tmp_path)
    style = "darktable" if fixture.endswith(".jpg.xmp") else "lightroom"
    side = sidecar_path(p, style)
    shutil.copy(FIXTURES / fixture, side)
    before = canonical(parsed(side))

    written = update_sidecar(p, style, stars=5, flag=1, user="ana", generic=6.123, personal=4.5, model="nima")

    assert written == side
    assert canonical(parsed(side)) == before
    marks = read_marks(read_sidecar(side))
    assert (marks.stars, marks.flag, marks.user) == (5, 1, "ana")
    assert marks.generic == pytest.approx(6.123) and marks.personal == pytest.approx(4.5)
    # Other apps see the rating where they look for it, in the spelling the file used.
    packet = read_sidecar(side)
    assert packet.get(NS_XMP, "Rating") == "5"
    if fixture == "element-form.xmp":
        assert "<xmp:Rating>5</xmp:Rating>" in side.read_text()
    if fixture.startswith("digikam"):
        assert side.read_bytes().startswith(b"<?xpacket")
    # The photo's own bytes are never touched.
    assert p.read_bytes() == (tmp_path / "photo.jpg").read_bytes()


def test_a_label_set_by_the_user_is_not_replaced_by_our_pick_label(tmp_path):
    p = photo(tmp_path)
    shutil.copy(FIXTURES / "lightroom.xmp", sidecar_path(p, "lightroom"))
    update_sidecar(p, "lightroom", stars=3, flag=1, user="ana")
    packet = read_sidecar(sidecar_path(p, "lightroom"))
    assert packet.get(NS_XMP, "Label") == "Red"
    assert read_marks(packet).flag == 1  # our own flag says pick


@pytest.mark.parametrize("stars, flag", [(0, 0), (1, 0), (5, 0), (3, -1), (0, -1), (4, 1), (0, 1)])
def test_marks_round_trip_through_a_new_sidecar(tmp_path, stars, flag):
    p = photo(tmp_path)
    side = update_sidecar(p, "darktable", stars=stars, flag=flag, user="ana")
    assert side == tmp_path / "photo.jpg.xmp"
    marks = read_marks(read_sidecar(side))
    assert (marks.stars, marks.flag) == (stars, flag)
    # A reject is -1 for every other app; digiKam sees flags by its pick label.
    if flag == -1:
        assert read_sidecar(side).get(NS_XMP, "Rating") == "-1"
    assert read_sidecar(side).get(NS_DIGIKAM, "PickLabel") == {1: "3", -1: "1", 0: None}[flag]


def test_unrating_clears_what_we_wrote_but_not_another_apps_rating(tmp_path):
    p = photo(tmp_path)
    update_sidecar(p, "darktable", stars=4, flag=1, user="ana")
    update_sidecar(p, "darktable", stars=0, flag=0, user="ana")
    assert read_marks(read_sidecar(sidecar_path(p))).empty

    q = photo(tmp_path, "other.jpg")
    shutil.copy(FIXTURES / "darktable.jpg.xmp", sidecar_path(q))
    update_sidecar(q, "darktable", stars=0, flag=0, user="ana")  # ana never rated it: darktable's 4 stays
    assert read_marks(read_sidecar(sidecar_path(q))).stars == 4


def test_sidecar_names_and_lookup(tmp_path):
    p = photo(tmp_path, "IMG_0001.JPG")
    assert sidecar_path(p, "darktable").name == "IMG_0001.JPG.xmp"
    assert sidecar_path(p, "lightroom").name == "IMG_0001.xmp"
    assert find_sidecar(p) is None
    (tmp_path / "IMG_0001.XMP").write_bytes((FIXTURES / "lightroom.xmp").read_bytes())
    assert find_sidecar(p, "darktable") == tmp_path / "IMG_0001.XMP"
    with pytest.raises(ValueError, match="sidecar style"):
        sidecar_path(p, "capture-one")


def test_embedded_xmp_is_read_and_seeds_a_new_sidecar(tmp_path):
    p = tmp_path / "camera.jpg"
    xmp = (FIXTURES / "digikam.xmp").read_bytes()
    Image.fromarray(np.full((8, 8, 3), 90, np.uint8)).save(p, xmp=xmp)
    original = p.read_bytes()
    assert embedded_packet(p) is not None
    marks, source = read_photo_marks(p)
    assert (marks.stars, marks.flag, source) == (3, 1, "embedded")

    side = update_sidecar(p, "darktable", stars=2, flag=0, user="ana")
    assert p.read_bytes() == original  # we never write into the photo
    packet = read_sidecar(side)
    assert packet.get("http://www.digikam.org/ns/1.0/", "ColorLabel") == "0"
    assert read_photo_marks(p)[0].stars == 2


@pytest.mark.parametrize("content, message", [
    (b"", "not well-formed"),
    (b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><unclosed>", "not well-formed"),
    (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;</x>", "DTD"),
    (b"<html><body>hello</body></html>", "not an XMP packet"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
])
def test_broken_sidecars_get_a_specific_message(tmp_path, content, message):
    side = tmp_path / "bad.jpg.xmp"
    side.write_bytes(content)
    with pytest.raises(XmpError, match=message):
        read_sidecar(side)


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path):
    p = photo(tmp_path)
    for stars in range(1, 6):
        update_sidecar(p, "darktable", stars=stars, flag=0, user="ana")
    assert sorted(x.name for x in tmp_path.iterdir()) == ["photo.jpg", "photo.jpg.xmp"]
    assert XmpPacket.parse((tmp_path / "photo.jpg.xmp").read_bytes()).get(NS_XMP, "Rating") == "5"


def test_writing_again_keeps_another_apps_rating_and_green_label(tmp_path):
    """A photo ana has not marked here: however often sidecars are written, darktable's stars
    and a Green label set in Lightroom stay (we only ever clear what we wrote ourselves)."""
    q = photo(tmp_path)
    side = sidecar_path(q)
    shutil.copy(FIXTURES / "darktable.jpg.xmp", side)
    packet = read_sidecar(side)
    packet.set(NS_XMP, "Label", "Green", "xmp")
    side.write_bytes(packet.to_bytes())
    for _ in range(3):
        update_sidecar(q, "darktable", stars=0, flag=0, user="ana", generic=5.5)
    after = read_sidecar(side)
    assert (after.get(NS_XMP, "Rating"), after.get(NS_XMP, "Label")) == ("4", "Green")
    assert read_marks(after).stars == 4


def test_writing_the_same_marks_twice_gives_the_same_sidecar(tmp_path):
    p = photo(tmp_path)
    update_sidecar(p, "darktable", stars=3, flag=1, user="ana")
    first = sidecar_path(p).read_bytes()
    update_sidecar(p, "darktable", stars=3, flag=1, user="ana")
    assert sidecar_path(p).read_bytes() == first


@pytest.mark.parametrize("ours, theirs, expected", [
    ((3, 0), {"Rating": "-1"}, (0, -1)),  # rejected in darktable or Bridge after we wrote 3 stars
    ((2, -1), {"Rating": "2", "PickLabel": "0"}, (2, 0)),  # un-rejected (2 stars) in an app that knows both
    ((2, -1), {"Rating": "2"}, (2, -1)),  # Bridge's 2 stars, but digiKam's label still says rejected
    ((0, 1), {"Rating": "4"}, (4, 1)),    # our pick, 4 stars since: still picked
    ((0, 1), {"PickLabel": "0"}, (0, 0)),  # un-picked in digiKam: our own Green label does not bring it back
])
def test_a_change_made_in_another_app_after_ours_wins(tmp_path, ours, theirs, expected):
    p = photo(tmp_path)
    side = update_sidecar(p, "darktable", stars=ours[0], flag=ours[1], user="ana")
    packet = read_sidecar(side)
    for name, value in theirs.items():
        packet.set(NS_DIGIKAM if name == "PickLabel" else NS_XMP, name, value)
    side.write_bytes(packet.to_bytes())
    marks = read_marks(read_sidecar(side))
    assert (marks.stars, marks.flag) == expected


def test_a_pick_without_a_label_survives_a_rating_change_elsewhere(tmp_path):
    p = photo(tmp_path)
    side = update_sidecar(p, "darktable", stars=0, flag=1, user="ana", pick_label="")
    packet = read_sidecar(side)
    packet.set(NS_XMP, "Rating", "3")
    side.write_bytes(packet.to_bytes())
    marks = read_marks(read_sidecar(side), pick_label="")
    assert (marks.stars, marks.flag) == (3, 1)


@pytest.mark.parametrize("ns, name, value", [
    (NS_XMP, "Label", "Red"),            # a colour label set in Lightroom
    (NS_DIGIKAM, "PickLabel", "2"),      # digiKam's "pending"
    (NS_XMP, "Rating", "4"),             # Lightroom's stars, on a photo only picked here
])
def test_marking_then_unmarking_here_leaves_what_another_app_set(tmp_path, ns, name, value):
    p = photo(tmp_path)
    side = sidecar_path(p)
    packet = XmpPacket.empty()
    packet.set(ns, name, value)
    side.write_bytes(packet.to_bytes())
    marks = {"stars": 0, "flag": 1} if name == "Rating" else {"stars": 3, "flag": 0}
    update_sidecar(p, "darktable", user="ana", **marks)
    update_sidecar(p, "darktable", stars=0, flag=0, user="ana")
    assert read_sidecar(side).get(ns, name) == value


def test_sidecars_of_our_first_release_keep_their_rules(tmp_path):
    """Written before we recorded what we set: our rating was ours to clear, our flag exact."""
    p = photo(tmp_path)
    side = sidecar_path(p)
    packet = XmpPacket.empty()
    for ns, name, value in ((NS_XMP, "Rating", "-1"), (NS_OURS, "Flag", "reject"), (NS_OURS, "Stars", "3"),
                            (NS_OURS, "User", "alice")):
        packet.set(ns, name, value, "aesthc" if ns == NS_OURS else None)
    side.write_bytes(packet.to_bytes())
    marks = read_marks(read_sidecar(side))
    assert (marks.stars, marks.flag) == (3, -1)
    update_sidecar(p, "darktable", stars=0, flag=0, user="alice")  # alice un-marks it here
    assert read_marks(read_sidecar(side)).empty and read_sidecar(side).get(NS_XMP, "Rating") == "0"


def test_one_users_empty_marks_leave_another_users_rating(tmp_path):
    p = photo(tmp_path)
    update_sidecar(p, "darktable", stars=4, flag=1, user="ana")
    update_sidecar(p, "darktable", stars=0, flag=0, user="ben")  # ben has not rated it
    marks = read_marks(read_sidecar(sidecar_path(p)))
    assert (marks.stars, marks.flag, marks.user) == (4, 1, "ana")
    update_sidecar(p, "darktable", stars=0, flag=0, user="ana")  # ana un-rates it
    assert read_marks(read_sidecar(sidecar_path(p))).empty


def test_a_green_label_set_elsewhere_survives_a_pick_here_taken_back(tmp_path):
    """Lightroom's Green label was there before we picked the photo: our pick did not set it, so
    taking the pick back must not clear it (the label was not ours)."""
    q = photo(tmp_path)
    side = sidecar_path(q)
    packet = read_sidecar(FIXTURES / "darktable.jpg.xmp")
    packet.set(NS_XMP, "Label", "Green", "xmp")
    side.write_bytes(packet.to_bytes())
    update_sidecar(q, "darktable", stars=0, flag=1, user="ana")
    assert read_marks(read_sidecar(side)).flag == 1
    update_sidecar(q, "darktable", stars=0, flag=0, user="ana")
    after = read_sidecar(side)
    assert after.get(NS_XMP, "Label") == "Green"
    assert read_marks(after).flag == 0  # our word (un-picked) still holds while nobody changed the label
    # Our own Green label, set by a pick on a photo that had none, is still ours to clear.
    mine = photo(tmp_path, "mine.jpg")
    update_sidecar(mine, "darktable", stars=0, flag=1, user="ana")
    assert read_sidecar(sidecar_path(mine)).get(NS_XMP, "Label") == "Green"
    update_sidecar(mine, "darktable", stars=0, flag=0, user="ana")
    assert read_sidecar(sidecar_path(mine)).get(NS_XMP, "Label") is None


def deeply_nested(levels: int = 1000) -> bytes:
    """A 7 KB sidecar whose description nests ``levels`` elements: well-formed XML that makes a
    recursive walker (ElementTree's writer) overflow the stack."""
    inner = "<a>" * levels + "</a>" * levels
    return ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            f'<rdf:Description rdf:about="">{inner}</rdf:Description></rdf:RDF></x:xmpmeta>').encode()


def test_a_deeply_nested_sidecar_is_refused_with_a_reason(tmp_path):
    q = photo(tmp_path)
    side = sidecar_path(q)
    side.write_bytes(deeply_nested())
    before = side.read_bytes()
    with pytest.raises(XmpError, match="nested"):
        read_sidecar(side)
    with pytest.raises(XmpError, match="nested"):
        update_sidecar(q, "darktable", stars=3, flag=0, user="ana")
    assert side.read_bytes() == before  # not ours to repair
