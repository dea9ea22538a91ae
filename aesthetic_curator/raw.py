"""Camera RAW files (DNG, CR3, NEF, ARW, RAF, ...) decoded through LibRaw (rawpy), fast.

Demosaicing a 24 MP RAW costs a second or more of CPU; but every camera embeds a JPEG preview
it rendered itself (most at full size, some at 1-2 MP), and a network that sees 224x224 needs far
less. So, for a caller that gives ``min_size`` (the scan: twice the network's input; thumbnails):

* **Preview path**: the *smallest* embedded JPEG (of all the container lists, see
  :mod:`.raw_previews`; LibRaw's own choice, the largest, as the fallback) whose sides are both at
  least ``min_size`` and whose shape is the RAW's (a letterboxed preview would score its black bars),
  read alone from the file and draft-decoded like any JPEG (libjpeg's DCT scaling), then turned upright
  by the *RAW's* orientation: cameras write the orientation in the RAW's own header and leave the
  preview as the sensor saw it.
* **Demosaic fallback**: LibRaw's half-size develop (one RGB pixel per 2x2 Bayer cell: no
  interpolation, four times fewer pixels) with the camera's white balance, into 8-bit sRGB (primaries
  and tone curve), turned upright by LibRaw. Full size only when half would be smaller than ``min_size``.

Without ``min_size`` (the viewer at 100 %) the full-size preview is used when the camera embedded
one, else a full develop; the viewer also asks for ``any_preview`` (the largest preview rather than a
develop: a photo at once, :func:`develop_raw` on demand). Edits work on :func:`develop_raw`'s 16 bits.

Failures are the same typed :class:`~aesthetic_curator.errors.PhotoError` as for JPEGs, so a
damaged card file is skipped with a reason while the rest of the album is scored.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import rawpy
from PIL import Image, UnidentifiedImageError

from .errors import (
    CorruptImageError,
    EmptyFileError,
    ImageTooLargeError,
    NotAnImageError,
    PhotoError,
    reading,
)
from .raw_previews import embedded_jpegs

logger = logging.getLogger(__name__)

#: LibRaw's ``sizes.flip`` -> the Pillow transpose that turns the stored image upright (EXIF 3, 6, 8).
FLIP = {
    3: Image.Transpose.ROTATE_180,
    5: Image.Transpose.ROTATE_90,  # EXIF 8: the top is on the right; turn a quarter anticlockwise
    6: Image.Transpose.ROTATE_270,  # EXIF 6: turn a quarter clockwise
}
#: LibRaw's default tone curve is BT.709's (2.222, 4.5); the sRGB curve is (2.4, 12.92). On the test DNGs
#: (made from sRGB photos) the sRGB curve halves the mean error of the develop (17.4 -> 9.5 levels).
SRGB_CURVE = (2.4, 12.92)
#: A preview whose aspect differs from the RAW's by more than this is letterboxed or cropped: not used.
ASPECT_TOLERANCE = 0.03
#: What ``decode_raw`` rendered (its image's ``info["raw_rendering"]``): the viewer says it to the user.
PREVIEW, HALF_DEVELOP, DEVELOP = "preview", "half-size develop", "develop"
#: Bytes read of each embedded JPEG to learn its size: its markers up to the frame header (EXIF included).
HEADER_BYTES = 1 << 16
#: Without ``min_size``, a preview at least this fraction of the RAW's size counts as full size.
FULL_SIZE_FRACTION = 0.9


def check_raw(data: bytes, path: Path, *, max_pixels: int) -> tuple[int, int]:
    """The RAW's (width, height), read from its header only; the typed error :func:`decode_raw` would
    raise for a file that is not a RAW LibRaw reads, damaged, or too large (what ``rate`` checks before
    a file collects ratings)."""
    with _opened(data, path, max_pixels) as raw:
        return raw.sizes.width, raw.sizes.height


def decode_raw(source: bytes | Path, path: Path, *, min_size: int | None, max_pixels: int,
               any_preview: bool = False) -> Image.Image:
    """An upright ``RGB`` rendering of the RAW ``path``: the smallest embedded preview large enough for
    ``min_size`` (see the module docstring), else a develop. ``source``: the file's bytes when the caller
    has them, else its path, and then only the headers and the chosen preview are read (a few hundred kB
    of a 50 MB file). ``any_preview``: rather than develop, take the largest preview even if it is smaller
    than ``min_size`` (the viewer: a photo at once, a develop on demand). ``info["raw_rendering"]`` says
    which it is (:data:`PREVIEW`, :data:`HALF_DEVELOP`, :data:`DEVELOP`). The image may carry an
    ``icc_profile`` in ``info`` (a preview in Adobe RGB), which the caller converts to sRGB."""
    source = source if isinstance(source, bytes) else str(source)
    with _opened(source, path, max_pixels) as raw:
        sizes = raw.sizes
        width, height = sizes.width, sizes.height
        need = (min_size, min_size) if min_size is not None else _full_size(width, height)
        im = _embedded(source, path, (width, height), need) or _libraw_preview(raw, path, (width, height), need)
        if im is None and any_preview:
            im = _libraw_preview(raw, path, (width, height), (0, 0))
        if im is not None:
            im = _upright(im, sizes.flip)
            im.info["raw_rendering"] = PREVIEW
            return im
        half = min_size is not None and min(width, height) // 2 >= min_size
        rgb = _developed(raw, path, half_size=half, bits=8)
    im = Image.fromarray(rgb, "RGB")
    im.info["raw_rendering"] = HALF_DEVELOP if half else DEVELOP
    return im


def develop_raw(path: Path, *, half_size: bool = False, bits: int = 8, max_pixels: int) -> np.ndarray:
    """The RAW at ``path`` developed by LibRaw: camera white balance, sRGB primaries and tone curve, upright;
    an (H, W, 3) array of uint8 (``bits=8``) or uint16 (``bits=16``, for edits written as 16-bit TIFF).
    ``half_size``: one pixel per 2x2 Bayer cell (four times fewer pixels, no interpolation). Seconds of
    CPU for a 24 MP file at full size: for a worker thread, never the GUI's. Opened by path: LibRaw reads
    the file itself, without a copy of its bytes in Python."""
    if bits not in (8, 16):
        raise ValueError(f"bits must be 8 or 16, not {bits}")
    with _opened(str(path), Path(path), max_pixels) as raw:
        return _developed(raw, Path(path), half_size=half_size, bits=bits)


def _developed(raw: rawpy.RawPy, path: Path, *, half_size: bool, bits: int) -> np.ndarray:
    """LibRaw's develop; a file whose sensor data was stripped or cut off develops to pure black without an
    error from LibRaw (a header-only sample, a copy truncated after its preview): that is a damaged file,
    not a black photo to score."""
    rgb = np.ascontiguousarray(raw.postprocess(half_size=half_size, use_camera_wb=True, output_bps=bits,
                                               output_color=rawpy.ColorSpace.sRGB, gamma=SRGB_CURVE))
    if not rgb.any():
        raise CorruptImageError(path, "no image data in the RAW (stripped, or truncated after its preview)")
    return rgb


@contextmanager
def _opened(source: bytes | str, path: Path, max_pixels: int) -> Iterator[rawpy.RawPy]:
    """LibRaw on ``source`` (the file's bytes, or its path: LibRaw then reads only what it needs), its size
    checked; LibRaw's errors inside the block as typed photo errors."""
    if isinstance(source, str):
        _check_readable(path)
    try:
        with rawpy.imread(io.BytesIO(source) if isinstance(source, bytes) else source) as raw:
            width, height = raw.sizes.width, raw.sizes.height
            if width <= 0 or height <= 0:
                raise CorruptImageError(path, f"invalid RAW dimensions {width}x{height}")
            if width * height > max_pixels:
                raise ImageTooLargeError(path, f"{width}x{height} RAW ({width * height / 1e6:.0f} MP) is above "
                                               f"the {max_pixels / 1e6:.0f} MP safety limit")
            yield raw
    except PhotoError:
        raise
    except rawpy.LibRawFileUnsupportedError:
        raise NotAnImageError(path, "not a RAW file LibRaw can read (wrong extension, or a camera or "
                                    "format it does not know)") from None
    except (rawpy.LibRawTooBigError, rawpy.LibRawUnsufficientMemoryError, rawpy.LibRawMemPoolOverflowError):
        raise ImageTooLargeError(path, "RAW too large to decode in the memory available") from None
    except rawpy.LibRawIOError:
        raise CorruptImageError(path, "truncated RAW file (incomplete copy or download)") from None
    except (rawpy.LibRawError, rawpy.NotSupportedError) as exc:
        raise CorruptImageError(path, f"damaged RAW data ({exc})") from None


def _check_readable(path: Path) -> None:
    """LibRaw says "I/O error" for a missing, unreadable or empty file alike: say which, as for a JPEG."""
    with reading(path), open(path, "rb") as fh:
        if not fh.read(1):
            raise EmptyFileError(path, "empty file (0 bytes); an interrupted copy?")


def _full_size(width: int, height: int) -> tuple[int, int]:
    """The preview sides (short, short) that count as full size for a ``width`` x ``height`` RAW."""
    short = int(min(width, height) * FULL_SIZE_FRACTION)
    return short, short


def _embedded(source: bytes | str, path: Path, raw_size: tuple[int, int], need: tuple[int, int]) -> Image.Image | None:
    """The smallest embedded JPEG (see :mod:`.raw_previews`) that fits ``need`` and the RAW's shape, decoded;
    None when the container lists none that does (then LibRaw's own choice is tried)."""
    try:
        with io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb") as fh:
            best: tuple[int, int, int] | None = None  # area, offset, length
            for offset, length in embedded_jpegs(fh):
                fh.seek(offset)
                size = _jpeg_size(fh.read(min(length, HEADER_BYTES)))
                if size is not None and _fits(size, raw_size, need) and (best is None or size[0] * size[1] < best[0]):
                    best = (size[0] * size[1], offset, length)
            if best is None:
                return None
            fh.seek(best[1])
            data = fh.read(best[2])
    except OSError as exc:
        logger.info("%s: embedded previews unreadable (%s)", path, exc)
        return None
    return _decoded(data, path, raw_size, need)


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    """The (width, height) of the baseline or progressive JPEG starting ``head``; None for anything else
    (a lossless-JPEG raw strip, a header longer than ``head``, garbage)."""
    try:
        with Image.open(io.BytesIO(head)) as im:
            return im.size if im.format == "JPEG" else None
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        return None


def _libraw_preview(raw: rawpy.RawPy, path: Path, raw_size: tuple[int, int],
                    need: tuple[int, int]) -> Image.Image | None:
    """LibRaw's preview (the largest it finds), decoded, when it fits ``need`` and the RAW's shape; None when
    there is none, it is too small, or it is damaged (then the caller develops)."""
    try:
        thumb = raw.extract_thumb()
    except (rawpy.LibRawNoThumbnailError, rawpy.LibRawUnsupportedThumbnailError):
        return None
    except rawpy.LibRawError as exc:
        logger.info("%s: unreadable embedded preview (%s); developing the RAW instead", path, exc)
        return None
    if thumb.format == rawpy.ThumbFormat.JPEG:
        return _decoded(thumb.data, path, raw_size, need)  # need (0, 0): any size, decoded whole
    im = Image.fromarray(np.ascontiguousarray(thumb.data)).convert("RGB")
    return im if _fits(im.size, raw_size, need) else None


def _decoded(jpeg: bytes, path: Path, raw_size: tuple[int, int], need: tuple[int, int]) -> Image.Image | None:
    """An embedded JPEG draft-decoded to no less than ``need``, as stored (not turned); None when it is not a
    JPEG, does not fit, or is damaged."""
    try:
        im = Image.open(io.BytesIO(jpeg))
        if im.format != "JPEG" or not _fits(im.size, raw_size, need):
            return None
        if min(need) > 0:
            im.draft("RGB", need)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im.load()
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        logger.info("%s: damaged embedded preview (%s); developing the RAW instead", path, exc)
        return None
    return im


def _upright(im: Image.Image, flip: int) -> Image.Image:
    """A preview in RGB, turned by the RAW's orientation (LibRaw's ``flip``), its ICC profile kept."""
    icc = im.info.get("icc_profile")
    im = im.convert("RGB") if im.mode != "RGB" else im
    if flip in FLIP:
        im = im.transpose(FLIP[flip])
    if icc:
        im.info["icc_profile"] = icc
    return im


def _fits(size: tuple[int, int], raw_size: tuple[int, int], need: tuple[int, int]) -> bool:
    """Whether a preview of ``size`` is large enough for ``need`` and shaped as the RAW (both unrotated)."""
    (w, h), (rw, rh) = size, raw_size
    if min(w, h) < min(need):
        return False
    return abs(w / h - rw / rh) <= ASPECT_TOLERANCE * (rw / rh)


def raw_size(path: Path) -> tuple[int, int] | None:
    """The RAW's stored (width, height) from its header, as a JPEG's ``Image.size``; None if unreadable."""
    try:
        with rawpy.imread(str(path)) as raw:
            return raw.sizes.width, raw.sizes.height
    except (rawpy.LibRawError, rawpy.NotSupportedError, OSError):
        return None
