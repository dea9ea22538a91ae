"""Decoding the photos in a photographer's folder into what the networks see.

Decoding rules, and why:

* EXIF orientation is applied, so a portrait shot is scored upright.
* An embedded ICC profile (Adobe RGB, Display P3, ProPhoto, CMYK) is converted to sRGB: the
  networks were trained on sRGB, and a wide-gamut file read as sRGB looks washed out to them.
* JPEGs are decoded in draft mode (libjpeg's DCT scaling) at the smallest 1/2, 1/4 or 1/8 scale
  that keeps *twice* the network resolution on both axes. The shipped NIMA model was trained on
  photos squashed to 224x224 with nearest-neighbour (Keras ``load_img``); its scores fall when the
  input is smoother than that (bilinear resizing lowers Kodak24's mean score by 0.9). Keeping 2x
  before the nearest-neighbour step stays within 0.1 of the full decode on average (Spearman
  0.98, see the model card), while decoding a 12 MP JPEG several times faster.
* Dimensions are checked from the header before any pixel is decoded (decompression bombs).
* Camera RAWs are decoded by :mod:`.raw` (LibRaw): their embedded JPEG preview is this draft path;
  HEIC/HEIF and AVIF by Pillow with the openers :mod:`.formats` registers.

Every failure raises a :class:`~aesthetic_curator.errors.PhotoError` subclass naming the file.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import xxhash
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from .errors import (
    CorruptImageError,
    EmptyFileError,
    ImageTooLargeError,
    NotAnImageError,
    reading,
)
from .errors import os_reason as os_reason  # re-exported: the folder walk words its errors the same
from .formats import SUFFIXES as SUFFIXES  # re-exported: callers ask imaging what a photo is
from .formats import is_photo_name as is_photo_name
from .formats import is_raw_name
from .raw import check_raw, decode_raw

logger = logging.getLogger(__name__)

#: Largest image we agree to decode, in pixels. 200 MP is above any single-shot camera and most
#: stitched panoramas; a header claiming more is far more likely a bomb than a photo.
MAX_PIXELS = 200_000_000

RESAMPLE = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}


class InputSpec(Protocol):
    """What decoding for a network needs of its weights description (a :class:`~.models.WeightsSpec`)."""

    @property
    def input_size(self) -> int: ...

    @property
    def resample(self) -> str: ...


# Pillow's own guard raises at twice this; ours (MAX_PIXELS) runs first with a clearer message.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def read_bytes(path: Path) -> bytes:
    """The file's bytes, with OS errors turned into messages a user can act on."""
    with reading(path):
        data = Path(path).read_bytes()
    if not data:
        raise EmptyFileError(path, "empty file (0 bytes); an interrupted copy?")
    return data


def content_hash(data: bytes) -> str:
    """Identity of a photo's bytes: the catalog's key, so renamed or moved files keep their data.

    SHA-256 because CPUs hash it in hardware (SHA-NI, ARMv8 crypto): 1.6 ms for a 2.4 MB JPEG
    here, against 3.1 ms for BLAKE2b, on the scan's critical path.
    """
    return hashlib.sha256(data).hexdigest()


def photo_identity(path: Path, data: bytes | None = None) -> str:
    """The catalog's key for the content of the photo at ``path`` (``data``: its bytes, when the caller has
    read them): what a moved or renamed file is recognised by, and what no two different files share.

    :func:`content_hash` (SHA-256) for every photo but camera RAWs. A RAW is 25-60 MB of which the scan
    decodes only a preview of a few hundred kB, and SHA-256 of 52 MB costs 40 ms here, four times what
    the rest of its scan costs: a RAW is keyed by ``xxh3-128:`` and the file's XXH3-128 digest, read in
    1 MiB chunks (never whole in memory), at memory speed. 128 bits keep accidental collisions out of
    reach (p < 1e-20 for a billion files); being non-cryptographic it would not resist a file crafted to
    collide, which only a user could plant in their own album. Errors as :func:`read_bytes` gives them.
    """
    path = Path(path)
    if not is_raw_name(path):
        return content_hash(read_bytes(path) if data is None else data)
    digest = xxhash.xxh3_128()
    if data is not None:
        digest.update(data)
        return RAW_IDENTITY_PREFIX + digest.hexdigest()
    with reading(path), open(path, "rb", buffering=0) as fh:
        buffer = bytearray(1 << 20)
        view = memoryview(buffer)
        total = 0
        while n := fh.readinto(buffer):
            digest.update(view[:n])
            total += n
    if total == 0:
        raise EmptyFileError(path, "empty file (0 bytes); an interrupted copy?")
    return RAW_IDENTITY_PREFIX + digest.hexdigest()


#: What a camera RAW's :func:`photo_identity` begins with (other photos' are bare SHA-256 hex digests).
RAW_IDENTITY_PREFIX = "xxh3-128:"


def open_image(data: bytes, path: Path) -> Image.Image:
    """Parse the header only; refuse non-images and oversized images before decoding pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise NotAnImageError(path, "not a recognised image format (wrong extension or not a photo)") from None
    except Image.DecompressionBombError:
        raise ImageTooLargeError(
            path, f"dimensions are far above the {MAX_PIXELS / 1e6:.0f} MP safety limit (a decompression bomb?)"
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptImageError(path, f"damaged image header ({exc})") from None
    width, height = im.size
    if width <= 0 or height <= 0:
        raise CorruptImageError(path, f"invalid dimensions {width}x{height}")
    if width * height > MAX_PIXELS:
        raise ImageTooLargeError(
            path,
            f"{width}x{height} pixels ({width * height / 1e6:.0f} MP) is above the "
            f"{MAX_PIXELS / 1e6:.0f} MP safety limit",
        )
    return im


def check_photo(data: bytes, path: Path) -> None:
    """Raise the typed error :func:`decode` would for a file that is not a photo we read, reading headers
    only: what ``rate`` asks before a file collects ratings (a text file named ``.jpg`` must not)."""
    if is_raw_name(path):
        check_raw(data, path, max_pixels=MAX_PIXELS)
    else:
        open_image(data, path).close()


def decode(data: bytes, path: Path, *, min_size: int | None = None) -> Image.Image:
    """Decode to an upright sRGB ``RGB`` image.

    ``min_size``: when given, a JPEG may be decoded at a reduced DCT scale as long as both sides
    stay at least this large (before orientation, which does not change the pair of sides). A camera
    RAW (by its suffix) goes to :func:`~aesthetic_curator.raw.decode_raw`: its embedded preview when
    that is at least ``min_size``, else a demosaic.
    """
    if is_raw_name(path):
        return _to_srgb(decode_raw(data, path, min_size=min_size, max_pixels=MAX_PIXELS), path)
    im = open_image(data, path)
    try:
        if min_size is not None and im.format == "JPEG":
            im.draft("RGB", (min_size, min_size))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im.load()
        im = ImageOps.exif_transpose(im)
        return _to_srgb(im, path)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = str(exc) or type(exc).__name__
        if "truncated" in reason:
            reason = "truncated file (incomplete copy or download)"
        raise CorruptImageError(path, f"cannot decode image data: {reason}") from None


def load_photo(path: Path, *, min_size: int | None = None, any_preview: bool = False) -> Image.Image:
    """Read and decode one photo file (see :func:`decode`). A camera RAW is not read whole: LibRaw and
    :mod:`.raw_previews` read its headers and the one preview used (a 50 MB file costs a few hundred kB);
    ``any_preview`` and ``info["raw_rendering"]`` as :func:`~aesthetic_curator.raw.decode_raw` has them."""
    path = Path(path)
    if is_raw_name(path):
        im = decode_raw(path, path, min_size=min_size, max_pixels=MAX_PIXELS, any_preview=any_preview)
        rendering = im.info["raw_rendering"]
        im = _to_srgb(im, path)
        im.info["raw_rendering"] = rendering  # a colour transform makes a new image
        return im
    return decode(read_bytes(path), path, min_size=min_size)


@functools.lru_cache(maxsize=32)
def _transform_to_srgb(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    description = (ImageCms.getProfileDescription(src) or "").strip().lower()
    if description.startswith("srgb") and mode == "RGB":
        return None  # already what we want: skip a no-op transform
    return ImageCms.buildTransform(src, ImageCms.createProfile("sRGB"), mode, "RGB")


def _to_srgb(im: Image.Image, path: Path) -> Image.Image:
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "CMYK", "L", "LAB"):
        try:
            transform = _transform_to_srgb(icc, im.mode)
        except (OSError, ImageCms.PyCMSError) as exc:
            logger.warning("%s: ignoring unusable ICC profile (%s)", path, exc)
        else:
            if transform is not None:
                return ImageCms.applyTransform(im, transform)
            return im
    return _to_rgb(im)


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode == "RGB":
        return im
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # 16-bit and float greyscale: Pillow's convert() would clip, so scale by the real range.
        arr = np.asarray(im, dtype=np.float64)
        top = 65535.0 if im.mode.startswith("I;16") else max(float(arr.max()), 1.0)
        return Image.fromarray((arr / top * 255.0).clip(0, 255).round().astype(np.uint8)).convert("RGB")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (im.mode == "P" and "transparency" in im.info):
        # Transparent areas are shown on white, as viewers do, rather than on black.
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return im.convert("RGB")


#: Photos for a network are decoded at (at least) this multiple of its input size: see the module docstring.
DRAFT_FACTOR = 2


def network_image(path: Path, input_size: int, *, data: bytes | None = None) -> Image.Image:
    """A photo decoded for a network of ``input_size``: draft-decoded (JPEG) with at least
    :data:`DRAFT_FACTOR` times the input size on both sides, upright and sRGB. The one place that rule
    lives, so scores, perceptual hashes and training crops all see the same pixels. ``data``: the file's
    bytes when the caller has read them already."""
    path = Path(path)
    if data is None:
        return load_photo(path, min_size=DRAFT_FACTOR * input_size)
    return decode(data, path, min_size=DRAFT_FACTOR * input_size)


@dataclass(frozen=True)
class NetworkInput:
    """What a network sees of a photo: ``array``, (size, size, 3) uint8, and ``decoded_size``, the (width,
    height) of the upright decode it was squashed from (draft-reduced for a JPEG)."""

    array: np.ndarray
    decoded_size: tuple[int, int]


def network_input(path: Path, spec: InputSpec, *, data: bytes | None = None) -> NetworkInput:
    """A photo as ``spec``'s network takes it: :func:`network_image`, then :func:`network_array` with the
    spec's size and resampling filter. ``data``: the file's bytes when the caller has read them already (the
    scan hashes them first)."""
    im = network_image(path, spec.input_size, data=data)
    return NetworkInput(network_array(im, spec.input_size, spec.resample), im.size)


def network_array(im: Image.Image, size: int, resample: str) -> np.ndarray:
    """An ``RGB`` image squashed to ``size`` x ``size`` (aspect not kept, as in training), uint8 HWC."""
    if im.size != (size, size):
        im = im.resize((size, size), RESAMPLE[resample])
    return np.asarray(im, dtype=np.uint8)
