"""How far the RAW preview path moves NIMA's scores from a full LibRaw develop (issue 14, point 2).

The scan scores a camera RAW from its embedded JPEG preview (fast: no demosaic), else from a half-size
LibRaw develop. Both are shortcuts for "the photo as the RAW develops": this script measures what they
cost in score, on DNGs built with the tests' builder (``tests/dng.py``: a real 12-bit RGGB Bayer mosaic
of a linear-sRGB camera that LibRaw demosaics) from real photos. Per DNG, the shipped generic model scores:

a. preview   the scan's path (``imaging.network_input``): the embedded full-size JPEG preview (q90),
             draft-decoded to >= 2x224, nearest-neighbour squash to 224.
b. develop   ``raw.develop_raw(half_size=False, bits=8)`` (camera WB, sRGB primaries and tone curve,
             LibRaw's default AHD demosaic and auto-brightness), then the JPEG rule of the scan: the
             draft scale libjpeg would take (largest of 1/2, 1/4, 1/8 keeping >= 448 px on both sides;
             a box reduce stands in for DCT scaling), nearest squash to 224.
c. half      the scan's path on the same DNG without a preview: LibRaw's half-size develop, nearest.
d. original  the sRGB photo the mosaic was made from, saved as a JPEG (q95) and scored through the
             scan's JPEG path: what a camera JPEG of the scene would score.
e. orig-box  the same photo through (b)'s resize rule, so (b) vs (e) is the rendering alone and (d)
             vs (e) the resize method alone.
f. dev-noab  a diagnostic: (b) with LibRaw's auto-brightness off (``no_auto_bright``), everything else
             as ``develop_raw``, to show how much of (a) vs (b) that one setting makes.
g. orig-2.2  a diagnostic: the original through the builder's own curve mismatch (``tests/dng.py``
             linearises with a 2.2 power, LibRaw encodes with the sRGB curve: shadows come out darker),
             by (b)'s resize rule; (f) vs (g) is then what the demosaic itself changes.

Photos: Kodak24 (``../shared/data/kodak24``) and ``--real`` photos of the real-photo album
(``benchmarks/assemble_real_album.py``; its ``kodak24__`` copies left out): by default 67, every second
of its 134 in name order, so a run stays under about 3 minutes on 2 cores; ``--real 134`` takes all.
Each is resized (Lanczos) to ``--short-side`` px on its short side, so that the scan really takes the
half-size develop for (c) (it needs >= 896 px) and the draft rule really halves (a), (b) and (d).

What the synthetic mosaic means: the preview here *is* the original photo (a stand-in for the camera's
JPEG), while the develop is LibRaw's rendering of a mosaic made from it. So "preview vs develop" measures
LibRaw's develop against the photo's own rendering (demosaic, tone curve, auto-brightness), not a real
camera's JPEG engine against LibRaw, whose picture styles, noise reduction and sharpening differ more.

    .venv/bin/python benchmarks/raw_fidelity.py                 # 24 Kodak + 67 real photos, ~3 minutes
    .venv/bin/python benchmarks/raw_fidelity.py --real 0        # Kodak24 only
"""

from __future__ import annotations

import argparse
import csv
import io
import platform
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rawpy
from PIL import Image
from scipy.stats import spearmanr

from aesthetic_curator.imaging import DRAFT_FACTOR, MAX_PIXELS, network_array, network_input
from aesthetic_curator.raw import SRGB_CURVE, develop_raw
from aesthetic_curator.scoring import Scorer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from dng import write_dng  # noqa: E402  (the tests' DNG builder: tests/ is put on the path just above)

KODAK = REPO.parent / "shared" / "data" / "kodak24"
REALBED = Path("/work/realbed")
PATHS = ("preview", "develop", "half", "original", "orig-box", "dev-noab", "orig-2.2")
#: The comparisons reported, (path, reference): the first is the issue's figure.
PAIRS = (("preview", "develop"), ("half", "develop"), ("preview", "original"),
         ("develop", "orig-box"), ("half", "original"), ("original", "orig-box"), ("preview", "dev-noab"),
         ("orig-2.2", "orig-box"), ("dev-noab", "orig-2.2"))
JPEG_QUALITY = 95


@dataclass(frozen=True)
class Photo:
    """One source photo: a short name, its origin (Kodak24 or an album package) and its licence."""

    name: str
    path: Path
    licence: str


def kodak_photos(folder: Path) -> list[Photo]:
    """Kodak24's PNGs (the Kodak PhotoCD test set, free to use)."""
    return [Photo(p.stem, p, "Kodak PhotoCD test set") for p in sorted(folder.glob("kodim*.png"))]


def real_photos(folder: Path, count: int) -> list[Photo]:
    """``count`` photos of the real-photo album spread evenly over its sorted list (so no single package
    dominates), with the licence its MANIFEST.csv gives; Kodak24's copies are left out (scored above)."""
    manifest = folder / "MANIFEST.csv"
    if count <= 0 or not manifest.is_file():
        return []
    with manifest.open(newline="") as fh:
        rows = sorted((r for r in csv.DictReader(fh) if r["package"] != "kodak24"), key=lambda r: r["file"])
    rows = [r for r in rows if (folder / r["file"]).is_file()]
    count = min(count, len(rows))
    picked = [rows[i * len(rows) // count] for i in range(count)]
    return [Photo(Path(r["file"]).stem, folder / r["file"], " ".join(r["licence"].split())) for r in picked]


def source_rgb(path: Path, short_side: int) -> np.ndarray:
    """The photo as uint8 sRGB, resized to ``short_side`` on its short side, both sides even (the mosaic's
    2x2 cells), so the DNG and the original reference hold exactly the same pixels."""
    with Image.open(path) as im:
        im = im.convert("RGB")
        w, h = im.size
        k = short_side / min(w, h)
        size = (max(2, round(w * k) // 2 * 2), max(2, round(h * k) // 2 * 2))
        return np.asarray(im.resize(size, Image.Resampling.LANCZOS))


def jpeg_rule(im: Image.Image, size: int) -> np.ndarray:
    """``im`` as the scan turns a full-size JPEG decode into network input: the draft scale libjpeg takes
    (Pillow's rule: the largest of 8, 4, 2, 1 not above min(w, h) // (2 x size)), with a box reduce standing
    in for DCT scaling, then :func:`network_array`'s nearest-neighbour squash."""
    need = DRAFT_FACTOR * size
    limit = min(im.width // need, im.height // need)
    scale = next(s for s in (8, 4, 2, 1) if limit >= s)
    return network_array(im.reduce(scale) if scale > 1 else im, size, "nearest")


@dataclass
class Measured:
    """One photo's network inputs per path; the develop's mean pixel error against the original, absolute and
    signed (positive: brighter), in 8-bit levels at full size."""

    photo: Photo
    arrays: dict[str, np.ndarray]
    develop_levels: float
    develop_shift: float


def builder_curve(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` as a perfect develop of the test DNG would give it back: ``tests/dng.py`` linearises with a
    plain 2.2 power, LibRaw's output applies the sRGB curve (linear toe, 2.4 power), so the round trip is not
    the identity even without demosaic or auto-brightness (a property of the synthetic DNGs, not of cameras)."""
    linear = (rgb.astype(np.float64) / 255.0) ** 2.2
    encoded = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * np.power(linear, 1 / 2.4) - 0.055)
    return np.clip(np.round(encoded * 255.0), 0, 255).astype(np.uint8)


def develop_without_auto_bright(path: Path) -> Image.Image:
    """:func:`develop_raw`'s develop with LibRaw's auto-brightness off: LibRaw by default scales the image so
    that 1 % of its pixels are white, which brightens a photo without highlights (a diagnostic, not the app)."""
    with rawpy.imread(str(path)) as raw:
        rgb = raw.postprocess(use_camera_wb=True, output_bps=8, output_color=rawpy.ColorSpace.sRGB,
                              gamma=SRGB_CURVE, no_auto_bright=True)
    return Image.fromarray(np.ascontiguousarray(rgb))


def measure(photo: Photo, work: Path, spec, short_side: int) -> Measured:
    """Build the two DNGs of ``photo`` and the five network inputs (see the module docstring)."""
    rgb = source_rgb(photo.path, short_side)
    size = spec.input_size
    previewed = write_dng(work / f"{photo.name}.dng", rgb, preview=max(rgb.shape[:2]))
    bare = write_dng(work / f"{photo.name}-bare.dng", rgb, preview=None)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=JPEG_QUALITY)
    developed = Image.fromarray(develop_raw(previewed, half_size=False, bits=8, max_pixels=MAX_PIXELS))
    original = Image.fromarray(rgb)
    arrays = {
        "preview": network_input(previewed, spec).array,
        "develop": jpeg_rule(developed, size),
        "half": network_input(bare, spec).array,
        "original": network_input(work / f"{photo.name}.jpg", spec, data=buf.getvalue()).array,
        "orig-box": jpeg_rule(original, size),
        "dev-noab": jpeg_rule(develop_without_auto_bright(previewed), size),
        "orig-2.2": jpeg_rule(Image.fromarray(builder_curve(rgb)), size),
    }
    d = np.asarray(developed, np.float64) - rgb.astype(np.float64)
    previewed.unlink()
    bare.unlink()
    return Measured(photo, arrays, float(np.abs(d).mean()), float(d.mean()))


def compare(scores: dict[str, np.ndarray], a: str, b: str, idx: np.ndarray) -> tuple[float, float, float, float]:
    """Mean shift, mean |d|, max |d| and Spearman of path ``a`` against ``b`` over the photos ``idx``."""
    d = scores[a][idx] - scores[b][idx]
    return float(d.mean()), float(np.abs(d).mean()), float(np.abs(d).max()), float(spearmanr(scores[a][idx],
                                                                                            scores[b][idx])[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kodak", type=Path, default=KODAK, help="folder of kodim*.png")
    parser.add_argument("--realbed", type=Path, default=REALBED, help="the real-photo album (MANIFEST.csv)")
    parser.add_argument("--real", type=int, default=67,
                        help="photos taken from the real-photo album (0: none; 134: all but its Kodak24 copies)")
    parser.add_argument("--short-side", type=int, default=1000, help="short side of the DNGs, px (>= 896)")
    args = parser.parse_args(argv)
    photos = kodak_photos(args.kodak) + real_photos(args.realbed, args.real)
    if not photos:
        raise SystemExit(f"no photos in {args.kodak} or {args.realbed}")
    scorer = Scorer.generic(device="cpu")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="raw-fidelity-") as tmp:
        measured = [measure(p, Path(tmp), scorer.spec, args.short_side) for p in photos]
    decode_s = time.perf_counter() - start
    scores = {}
    for path in PATHS:
        batch = np.stack([m.arrays[path] for m in measured])
        scores[path] = np.concatenate([scorer(batch[i:i + 32]).mean for i in range(0, len(batch), 32)])
    n_kodak = sum(p.licence.startswith("Kodak") for p in photos)
    sets = {"Kodak24": np.arange(n_kodak), "real album": np.arange(n_kodak, len(photos)),
            "all": np.arange(len(photos))}
    sets = {k: v for k, v in sets.items() if len(v) >= 3}
    if len(sets) == 2:  # one source only: "all" would repeat it
        sets.pop("all")

    print(f"{len(photos)} photos ({n_kodak} Kodak24 + {len(photos) - n_kodak} from {args.realbed}), "
          f"DNGs {args.short_side} px on the short side, full-size q90 preview; "
          f"{platform.machine()}, {platform.python_version()}; {decode_s:.0f} s of decoding\n")
    licences = Counter(p.licence for p in photos)
    print("licences: " + "; ".join(f"{n} {lic}" for lic, n in licences.most_common()) + "\n")
    print(f"{'set':<12}{'path':<10}{'vs':<10}{'shift':>7}{'mean|d|':>9}{'max|d|':>8}{'spearman':>10}")
    for label, idx in sets.items():
        for a, b in PAIRS:
            shift, mad, worst, rho = compare(scores, a, b, idx)
            print(f"{label:<12}{a:<10}{b:<10}{shift:>+7.3f}{mad:>9.3f}{worst:>8.3f}{rho:>10.3f}")
    print("\nmean score per path (all): " + ", ".join(f"{p} {scores[p].mean():.3f}" for p in PATHS))
    levels = np.array([m.develop_levels for m in measured])
    shifts = np.array([m.develop_shift for m in measured])
    print(f"develop vs original pixels (full size, 8-bit levels): mean |d| {levels.mean():.1f} "
          f"(per photo up to {levels.max():.1f}); brighter by {shifts.mean():+.1f} on average, "
          f"by more than 10 levels on {int((shifts > 10).sum())} of {len(shifts)} photos")
    gap = np.abs(scores["preview"] - scores["develop"])
    print("\nworst 3, |preview - develop|:")
    for i in np.argsort(-gap)[:3]:
        m = measured[i]
        print(f"  {m.photo.name:<50} " + " ".join(f"{p} {scores[p][i]:.2f}" for p in PATHS)
              + f"  develop {m.develop_shift:+.1f} levels")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
