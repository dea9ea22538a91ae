"""XMP: the metadata Lightroom, darktable and digiKam share, read from sidecars and photos and
written to sidecars.

What we own in a packet: ``xmp:Rating`` (0-5 stars, -1 for a reject, as Lightroom, Bridge and
darktable read it), ``xmp:Label`` only while it holds our pick label, ``digiKam:PickLabel`` for
a pick or reject (digiKam reads no reject from the rating), and the properties of our own
namespace (scores, our flag, the stars of a rejected photo, and what we last wrote into the
shared properties, so that we clear only our own values and notice when another app changed
them after us). Everything else (edit histories, keywords, other apps' labels) is kept as it
was: we edit the parsed tree in place and never rebuild a packet from what we understood of it.

Simple properties appear in two spellings that mean the same, an attribute of
``rdf:Description`` (what darktable, exiv2/digiKam and Adobe write) or a child element (what
some toolkits write); we read both and update a property where it already is.

Sidecars are written atomically (temporary file in the same folder, then rename), so a crash
leaves the old sidecar or the new one, never half of one. Originals are only ever read.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from .atomic import atomic_file
from .errors import UserError
from .formats import is_raw_name
from .pairs import RENDERING_SUFFIXES

NS_X = "adobe:ns:meta/"
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_XMP = "http://ns.adobe.com/xap/1.0/"
NS_DIGIKAM = "http://www.digikam.org/ns/1.0/"
#: Our own namespace: scores and the marks only we know about.
NS_OURS = "http://ns.aesthetic-curator.org/xmp/1.0/"
PREFIX_OURS = "aesthc"

#: Sidecar naming: darktable (and digiKam's default) ``photo.jpg.xmp``; Lightroom, Bridge and
#: digiKam's "compatible with commercial programs" option ``photo.xmp``.
SIDECAR_STYLES = ("darktable", "lightroom")
#: The colour label that marks a pick (Lightroom has no pick flag in XMP; a label is what it shows).
DEFAULT_PICK_LABEL = "Green"

_PACKET_HEADER = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
_KNOWN_PREFIXES = {NS_X: "x", NS_RDF: "rdf", NS_XMP: "xmp", NS_DIGIKAM: "digiKam", NS_OURS: PREFIX_OURS}
_SERIALISING = threading.Lock()
#: Real packets nest a dozen levels (an edit history's structures in a sequence); ElementTree's
#: writer recurses per level, so a packet much deeper than this would overflow Python's stack.
MAX_DEPTH = 100
#: digiKam's pick label (it reads no reject from xmp:Rating -1): 1 rejected, 3 accepted.
_DIGIKAM_PICK = {1: "3", -1: "1"}


class XmpError(UserError, ValueError):
    """An XMP packet that cannot be used (not XML, not XMP, or unsafe); the message says which."""


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


class XmpPacket:
    """One parsed XMP packet, edited in place.

    ``get``/``set`` handle simple properties (a text value). Prefixes of the source are kept on
    writing, so the result reads like the original to a person as well as to a parser.
    """

    def __init__(self, root: ET.Element, prefixes: dict[str, str] | None = None, *, xpacket: bool = False,
                 xml_declaration: bool = True):
        self.root = root
        self.prefixes = {**_KNOWN_PREFIXES, **(prefixes or {})}
        self.xpacket = xpacket
        self.xml_declaration = xml_declaration

    # -- reading and writing bytes ---------------------------------------------------------------------
    @classmethod
    def empty(cls) -> XmpPacket:
        root = ET.Element(_q(NS_X, "xmpmeta"), {_q(NS_X, "xmptk"): "Aesthetic Curator"})
        rdf = ET.SubElement(root, _q(NS_RDF, "RDF"))
        ET.SubElement(rdf, _q(NS_RDF, "Description"), {_q(NS_RDF, "about"): ""})
        return cls(root)

    @classmethod
    def parse(cls, data: bytes | str) -> XmpPacket:
        text = data.decode("utf-8", errors="strict") if isinstance(data, bytes) else data
        text = text.lstrip("\ufeff")
        # XMP never has a DTD; refusing one rules out entity expansion attacks from a stranger's file.
        if re.search(r"<!DOCTYPE|<!ENTITY", text, re.IGNORECASE):
            raise XmpError("XMP with a DTD or entity declarations is refused")
        prefixes: dict[str, str] = {}
        depth = 0
        try:
            events = ET.iterparse(io.StringIO(text), events=("start-ns", "start", "end"))
            for event, item in events:
                if event == "start-ns":
                    prefix, uri = item
                    if prefix and uri not in prefixes:
                        prefixes[uri] = prefix
                elif event == "end":
                    depth -= 1
                else:
                    depth += 1
                    if depth > MAX_DEPTH:
                        raise XmpError(f"elements nested more than {MAX_DEPTH} levels deep: damaged or hostile, "
                                       "not something a photo app writes")
            root = events.root
        except ET.ParseError as exc:
            raise XmpError(f"not well-formed XML ({exc})") from None
        if root.tag not in (_q(NS_X, "xmpmeta"), _q(NS_RDF, "RDF")) and root.find(f".//{_q(NS_RDF, 'RDF')}") is None:
            raise XmpError("no rdf:RDF element: not an XMP packet")
        return cls(root, prefixes, xpacket=text.lstrip().startswith("<?xpacket"),
                   xml_declaration=text.lstrip().startswith("<?xml"))

    def to_bytes(self) -> bytes:
        with _SERIALISING:  # ElementTree's prefix table is global: one packet's prefixes at a time
            for uri, prefix in self.prefixes.items():
                if not re.fullmatch(r"ns\d+", prefix) and prefix != "xml":
                    with contextlib.suppress(ValueError):
                        ET.register_namespace(prefix, uri)
            body = ET.tostring(self.root, encoding="unicode", short_empty_elements=True)
        parts = []
        if self.xml_declaration and not self.xpacket:
            parts.append('<?xml version="1.0" encoding="UTF-8"?>')
        if self.xpacket:
            parts.append(_PACKET_HEADER)
        parts.append(body)
        if self.xpacket:
            parts.append('<?xpacket end="w"?>')
        return ("\n".join(parts) + "\n").encode("utf-8")

    # -- properties ------------------------------------------------------------------------------------
    def _rdf(self) -> ET.Element:
        if self.root.tag == _q(NS_RDF, "RDF"):
            return self.root
        rdf = self.root.find(f".//{_q(NS_RDF, 'RDF')}")
        assert rdf is not None  # parse() checked
        return rdf

    def descriptions(self) -> list[ET.Element]:
        return self._rdf().findall(_q(NS_RDF, "Description"))

    def get(self, ns: str, name: str) -> str | None:
        """A simple property's value (attribute or element spelling; the first language of a
        language alternative), or None."""
        key = _q(ns, name)
        for desc in self.descriptions():
            if key in desc.attrib:
                return desc.attrib[key]
            el = desc.find(key)
            if el is not None:
                li = el.find(f".//{_q(NS_RDF, 'li')}")
                value = (li.text if li is not None else el.text) or el.get(_q(NS_RDF, "resource"))
                return (value or "").strip()
        return None

    def set(self, ns: str, name: str, value: str | None, prefix: str | None = None) -> None:
        """Set a simple property where it already is, else as an attribute of the first
        description; None removes it (in every spelling)."""
        key = _q(ns, name)
        if prefix and ns not in self.prefixes:
            self.prefixes[ns] = prefix
        descs = self.descriptions() or [ET.SubElement(self._rdf(), _q(NS_RDF, "Description"),
                                                      {_q(NS_RDF, "about"): ""})]
        done = False
        for desc in descs:
            if key in desc.attrib:
                if value is None or done:
                    del desc.attrib[key]
                else:
                    desc.attrib[key] = value
                    done = True
            for el in desc.findall(key):
                if value is None or done:
                    desc.remove(el)
                else:
                    for child in list(el):
                        el.remove(child)
                    el.attrib.pop(_q(NS_RDF, "resource"), None)
                    el.text = value
                    done = True
        if value is not None and not done:
            descs[0].set(key, value)


# -- marks: what a photographer's rating means in XMP -----------------------------------------------------


@dataclass(frozen=True)
class Marks:
    """Stars (0 = none, 1-5), flag (1 pick, -1 reject, 0 none) and our scores, as read from XMP."""

    stars: int = 0
    flag: int = 0
    generic: float | None = None
    personal: float | None = None
    user: str | None = None

    @property
    def empty(self) -> bool:
        return not self.stars and not self.flag


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text.strip())
    except ValueError:
        return None


#: The properties other apps share with us: (namespace, name, prefix, our record of the value we set).
_SHARED = ((NS_XMP, "Rating", "xmp", "WrittenRating"), (NS_XMP, "Label", "xmp", "WrittenLabel"),
           (NS_DIGIKAM, "PickLabel", "digiKam", "WrittenPickLabel"))


def _shared_now(packet: XmpPacket) -> str:
    return "|".join(packet.get(ns, name) or "" for ns, name, _, _ in _SHARED)


def _still_ours(packet: XmpPacket) -> bool:
    """Whether nobody has changed the shared properties since our last write (``Seen`` is what
    they held then): while so, our own flag is exact; once another app or a person has changed
    them, theirs is the newer word. Sidecars of our first release (no ``Seen``): our flag was
    always trusted."""
    seen = packet.get(NS_OURS, "Seen")
    if seen is None:
        return packet.get(NS_OURS, "Flag") is not None
    return seen == _shared_now(packet)


def read_marks(packet: XmpPacket, pick_label: str = DEFAULT_PICK_LABEL) -> Marks:
    """Stars and flag as the apps that wrote the packet meant them.

    ``xmp:Rating`` -1 is a reject (Lightroom, Bridge, darktable); 1-5 are stars, fractions
    rounded. Our own flag (and the stars of a photo we rejected) is exact while nobody has changed
    the shared properties since we wrote it. Else digiKam's pick label (1 rejected, 3 accepted)
    and the pick label in ``xmp:Label`` decide; our own pick label no longer counts once
    digiKam's has moved away from the pick we wrote (digiKam un-picked it).
    """
    rating = _number(packet.get(NS_XMP, "Rating"))
    stars, flag = 0, 0
    if rating is not None:
        if rating < 0:
            flag = -1
        elif 1 <= rating <= 5:
            stars = round(rating)
    ours = packet.get(NS_OURS, "Flag") if _still_ours(packet) else None
    if ours in ("pick", "reject", "none"):
        flag = {"pick": 1, "reject": -1, "none": 0}[ours]
        kept = _number(packet.get(NS_OURS, "Stars"))
        if flag == -1 and stars == 0 and kept is not None and 1 <= kept <= 5:
            stars = round(kept)
    elif flag == 0:
        dk = packet.get(NS_DIGIKAM, "PickLabel")
        label = packet.get(NS_XMP, "Label")
        written_dk = packet.get(NS_OURS, "WrittenPickLabel")
        if dk in ("1", "3"):
            flag = -1 if dk == "1" else 1
        elif pick_label and label == pick_label and not (
                label == packet.get(NS_OURS, "WrittenLabel") and written_dk is not None and (dk or "") != written_dk):
            flag = 1
    return Marks(stars, flag, _number(packet.get(NS_OURS, "GenericScore")),
                 _number(packet.get(NS_OURS, "PersonalScore")), packet.get(NS_OURS, "User"))


def write_marks(packet: XmpPacket, *, stars: int, flag: int, user: str | None,
                generic: float | None = None, personal: float | None = None, model: str | None = None,
                pick_label: str = DEFAULT_PICK_LABEL) -> None:
    """Put a user's stars, flag and our scores into ``packet``.

    The packet carries the marks of the last user who marked the photo here (``User``). For each
    shared property (rating, label, digiKam's pick label) we note the value we set; a value we set
    and nobody has changed since is ours to replace or clear, anything else (another app's
    rating, a label the user chose) stays. A user with no marks on the photo leaves another
    user's marks alone. Writing the same marks twice gives the same packet.
    """
    user = user or ""
    same_user = packet.get(NS_OURS, "User") == user
    if flag or stars or same_user:
        _write_shared(packet, stars, flag, pick_label,
                      legacy=same_user and packet.get(NS_OURS, "Seen") is None
                      and packet.get(NS_OURS, "Flag") is not None)
        packet.set(NS_OURS, "Flag", {1: "pick", -1: "reject", 0: "none"}[flag], PREFIX_OURS)
        packet.set(NS_OURS, "Stars", str(int(stars)) if flag == -1 and stars else None, PREFIX_OURS)
        packet.set(NS_OURS, "User", user, PREFIX_OURS)  # whose marks these are
        packet.set(NS_OURS, "Seen", _shared_now(packet), PREFIX_OURS)
    for name, value in (("GenericScore", generic), ("PersonalScore", personal)):
        if value is not None:
            packet.set(NS_OURS, name, f"{value:.3f}", PREFIX_OURS)
    if model is not None:
        packet.set(NS_OURS, "Model", model, PREFIX_OURS)


def _write_shared(packet: XmpPacket, stars: int, flag: int, pick_label: str, *, legacy: bool) -> None:
    """Set (or clear, where ours) xmp:Rating, xmp:Label and digiKam:PickLabel for these marks.
    ``legacy``: a sidecar of our first release for the same user, whose rating (and pick label)
    were ours without a record saying so."""
    label = packet.get(NS_XMP, "Label")
    wanted = {
        "Rating": "-1" if flag == -1 else (str(int(stars)) if stars else None),
        "Label": pick_label if flag == 1 and pick_label and label in (None, "", pick_label) else None,
        "PickLabel": _DIGIKAM_PICK.get(flag),
    }
    for ns, name, prefix, record in _SHARED:
        now = packet.get(ns, name)
        ours = now is not None and (now == packet.get(NS_OURS, record) or (
            legacy and (name == "Rating" or (name == "Label" and bool(pick_label) and now == pick_label))))
        want = wanted[name]
        if name == "Label" and want is not None and now == want and not ours:
            continue  # a colour label the user set elsewhere: our pick shows through it, but it stays theirs
        if want is None and ours and name == "Rating":
            want = "0"  # un-rated: say so, for the apps that keep their own copy of the rating
        if want is not None:
            packet.set(ns, name, want, prefix)
        elif ours:
            packet.set(ns, name, None)
        packet.set(NS_OURS, record, want, PREFIX_OURS)  # None: the value there is not ours


# -- where packets live ------------------------------------------------------------------------------------


def sidecar_path(photo: Path, style: str = "darktable") -> Path:
    """``photo.jpg.xmp`` (darktable, digiKam's default) or ``photo.xmp`` (Lightroom, Bridge)."""
    if style == "darktable":
        return photo.with_name(photo.name + ".xmp")
    if style == "lightroom":
        return photo.with_suffix(".xmp")
    raise ValueError(f"unknown sidecar style {style!r}; choose from {', '.join(SIDECAR_STYLES)}")


#: What a photo's companions are named with (RAW formats and the usual developed files): with
#: one beside it, ``IMG_0001.xmp`` is not the JPEG's alone (Lightroom gives it to the RAW).
_COMPANION_SUFFIXES = (
    ".jpg", ".jpeg", ".tif", ".tiff", ".png", ".heic", ".heif", ".webp", ".avif", ".jxl", ".psd", ".dng",
    ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".raf", ".orf", ".rw2", ".pef", ".srw",
    ".x3f", ".3fr", ".iiq", ".erf", ".mef", ".mos", ".kdc", ".dcr", ".rwl", ".raw",
)


def shares_stem(photo: Path) -> bool:
    """Whether another file of a photo kind has this photo's name up to the extension (the RAW of
    a RAW+JPEG pair, a TIFF developed from it). For a RAW, its camera JPEG or HEIF does not count:
    Lightroom gives ``IMG_0001.xmp`` to the RAW of a pair; another RAW or a TIFF of that stem does."""
    others = _COMPANION_SUFFIXES
    if is_raw_name(photo):
        others = tuple(x for x in _COMPANION_SUFFIXES if x not in RENDERING_SUFFIXES)
    for suffix in others:
        for spelling in (suffix, suffix.upper()):
            other = photo.with_suffix(spelling)
            if other.name != photo.name and other.exists():
                with contextlib.suppress(OSError):
                    if not other.samefile(photo):  # a case-insensitive file system's other spelling
                        return True
    return False


def sidecar_for(photo: Path, style: str = "darktable") -> Path:
    """Where a new sidecar of ``style`` goes: ``sidecar_path``, except that a photo sharing its
    stem with another gets ``photo.jpg.xmp`` even in Lightroom style, so that we never write
    into (or create) the other file's ``photo.xmp``: in a RAW+JPEG pair ``IMG_0001.xmp`` is the
    RAW's (Lightroom's convention), ``IMG_0001.JPG.xmp`` the JPEG's."""
    if style == "lightroom" and shares_stem(photo):
        return sidecar_path(photo, "darktable")
    return sidecar_path(photo, style)


def sidecar_names(photo: Path) -> list[Path]:
    """Every name a sidecar of ``photo`` could have (both styles, ``.xmp`` and ``.XMP``)."""
    names = [sidecar_path(photo, s) for s in SIDECAR_STYLES]
    return [q for p in names for q in (p, p.with_name(p.name[:-4] + ".XMP"))]


def find_sidecar(photo: Path, style: str = "darktable") -> Path | None:
    """The photo's existing sidecar, preferring the given style's name; a case-insensitive
    ``.XMP`` (as cameras and Windows tools write it) counts. ``photo.xmp`` counts only while no
    other photo shares the stem (in a RAW+JPEG pair it is the RAW's)."""
    shared: bool | None = None
    for s in (style, *[s for s in SIDECAR_STYLES if s != style]):
        p = sidecar_path(photo, s)
        for candidate in (p, p.with_name(p.name[:-4] + ".XMP")):
            if candidate.is_file():
                if s == "lightroom":
                    shared = shares_stem(photo) if shared is None else shared
                    if shared:
                        continue
                return candidate
    return None


def read_sidecar(path: Path) -> XmpPacket:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise XmpError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    if len(data) > 16 * 1024 * 1024:
        raise XmpError(f"{path.name} is {len(data) // 2**20} MB: too large for a sidecar")
    try:
        return XmpPacket.parse(data)
    except UnicodeDecodeError:
        raise XmpError(f"{path.name} is not UTF-8 text") from None


def embedded_packet(photo: Path) -> XmpPacket | None:
    """The XMP packet inside a JPEG, PNG, WebP or TIFF (header only is read), or None."""
    from PIL import Image

    try:
        with Image.open(photo) as im:
            raw = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
            if raw is None and hasattr(im, "tag_v2"):
                raw = im.tag_v2.get(700)
    except (OSError, ValueError, SyntaxError):
        return None
    if not raw:
        return None
    try:
        return XmpPacket.parse(raw.rstrip(b"\x00 \n") if isinstance(raw, bytes) else raw)
    except (XmpError, UnicodeDecodeError):
        return None


def read_photo_marks(photo: Path, style: str = "darktable", pick_label: str = DEFAULT_PICK_LABEL
                     ) -> tuple[Marks | None, Path | str | None]:
    """A photo's marks from its sidecar, else from the XMP inside it; with where they came from
    (the sidecar's path, or "embedded"). A broken sidecar raises :class:`XmpError`."""
    side = find_sidecar(photo, style)
    if side is not None:
        return read_marks(read_sidecar(side), pick_label), side
    packet = embedded_packet(photo)
    if packet is not None:
        return read_marks(packet, pick_label), "embedded"
    return None, None


def write_sidecar(path: Path, packet: XmpPacket) -> None:
    """Replace (or create) ``path`` atomically; the old file's permissions are kept."""
    data = packet.to_bytes()
    with atomic_file(path, keep_mode=True) as f:
        f.write(data)


def update_sidecar(photo: Path, style: str = "darktable", *, sidecar: Path | None = None, **marks) -> Path:
    """Write marks into the photo's sidecar (the existing one of either name, else a new one of
    ``style``; or exactly ``sidecar``), keeping everything else in it; returns the sidecar's path."""
    existing = find_sidecar(photo, style) if sidecar is None else (sidecar if sidecar.is_file() else None)
    if existing is not None:
        packet = read_sidecar(existing)
        target = existing
    else:
        inside = embedded_packet(photo)  # start from what the camera or another app put in the photo
        packet = inside if inside is not None else XmpPacket.empty()
        packet.xpacket = False
        packet.xml_declaration = True
        target = sidecar if sidecar is not None else sidecar_for(photo, style)
    write_marks(packet, **marks)
    if existing is None:
        ET.indent(packet.root, space=" ")  # a new file of ours: one element per line, for people too
    write_sidecar(target, packet)
    return target
