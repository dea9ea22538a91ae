"""A constructed burst album: a few photos shot several times (slightly reframed, exposed a bit
differently, a touch of motion blur) among single shots, with capture times like a camera's.

Used to measure grouping (pairwise precision and recall against the known bursts).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter


def _exif(when: _dt.datetime) -> Image.Exif:
    exif = Image.Exif()
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    sub[0x9291] = f"{when.microsecond // 10000:02d}"   # SubsecTimeOriginal, hundredths
    return exif


def make_burst_album(folder: Path, sources: list[Path], *, every: int = 4, takes: int = 3, seed: int = 0,
                     with_times: bool = True) -> dict[Path, int]:
    """Write the album as JPEGs; returns {path: true group} (one group per source photo).

    Every ``every``-th source gets ``takes`` extra frames; the others stay single. With
    ``with_times`` each photo carries an EXIF capture time: a burst's frames 0.2-0.8 s apart,
    separate shots minutes apart.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    truth: dict[Path, int] = {}
    clock = _dt.datetime(2026, 7, 14, 9, 0, 0)
    for k, src in enumerate(sources):
        im = Image.open(src).convert("RGB")
        frames = [im]
        if k % every == 0:
            w, h = im.size
            for _ in range(takes):
                f = rng.uniform(0.88, 0.97)
                cw, ch = int(w * f), int(h * f)
                x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
                v = im.crop((x0, y0, x0 + cw, y0 + ch)).resize((w, h), Image.Resampling.LANCZOS)
                v = ImageEnhance.Brightness(v).enhance(rng.uniform(0.8, 1.2))
                if rng.random() < 0.5:
                    v = v.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5)))
                frames.append(v)
        for j, frame in enumerate(frames):
            path = folder / f"{src.stem}{'' if j == 0 else f'_take{j}'}.jpg"
            args = {"exif": _exif(clock)} if with_times else {}
            frame.save(path, quality=90, **args)
            truth[path] = k
            clock += _dt.timedelta(seconds=float(rng.uniform(0.2, 0.8)))
        clock += _dt.timedelta(minutes=float(rng.uniform(2, 30)))
    return truth
