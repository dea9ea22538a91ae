"""Scoring an album: batched inference fed by decode threads, cached in the catalog.

The shape of a scan, and why it is fast:

1. List the album and ``stat`` every photo. A path whose (size, mtime) match the catalog and
   whose photo already has a score for this model is answered from the catalog: re-opening an
   unchanged album reads no photo and loads no network.
2. Every other file goes to a pool of decode threads: read, hash (a photo known under another
   name, e.g. after a move, is linked to its stored scores without decoding), draft-decode,
   orient, convert to sRGB, squash to the network size. Pillow and hashlib release the GIL, so
   decoding overlaps with inference.
3. The calling thread gathers decoded photos into batches, runs the network (channels-last,
   inference mode, on the chosen device) and commits each batch to the catalog in one
   transaction, so a scan killed at any moment keeps everything committed before.

Progress is reported through a plain callback on the calling thread; cancellation is a
``threading.Event`` checked between photos and, inside the network's pass over a batch, before every
layer (a batch of 32 takes seconds on a loaded 2-core CPU: too long for a Cancel to wait). Nothing here
knows about Qt.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .album import find_photos
from .catalog import Catalog, NewScore
from .errors import PhotoError, UnreadableFileError
from .groups import perceptual_hash
from .imaging import content_hash, decode, network_array, read_bytes
from .interrupt import Interrupted, interruptible
from .models.weights import NIMA_MOBILENET_AVA, WeightsSpec

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhotoScore:
    """A photo's generic score. ``mean`` and ``std`` are on the 1..10 scale of ``distribution``."""

    path: Path
    content_hash: str
    model_id: str
    mean: float
    std: float
    distribution: np.ndarray
    features: np.ndarray
    cached: bool
    look: np.ndarray | None = None  # first-layer channel means and spreads (see AestheticNet.look_layer)


@dataclass(frozen=True)
class SkippedFile:
    path: Path
    reason: str


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` photos handled (scored, answered from the catalog, or skipped)."""

    done: int
    total: int
    scored: int
    cached: int
    skipped: int


@dataclass
class ScanReport:
    scores: list[PhotoScore] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    inferred: int = 0
    cancelled: bool = False

    def sorted_scores(self) -> list[PhotoScore]:
        return sorted(self.scores, key=lambda s: (-s.mean, str(s.path)))


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class BatchResult:
    """Network outputs for a batch, as float32 numpy: distributions (N, 10), mean and std (N,) on
    the 1..10 scale, pooled features (N, C), first-layer statistics (N, 2C') when the network has them."""

    probs: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    features: np.ndarray
    look: np.ndarray | None = None


class Scorer:
    """A generic network on a device, turning uint8 HWC batches into distributions and features.

    Built lazily by :func:`score_album` only when something needs inference.
    """

    def __init__(self, model, spec, device: str | None = None, batch_size: int = 32):
        import torch

        from .devices import resolve_device

        self.spec = spec
        self.device = resolve_device(device)
        self.batch_size = batch_size
        self.model = model.eval().to(self.device, memory_format=torch.channels_last)
        self._torch = torch
        self._look_layer = model.look_layer() if hasattr(model, "look_layer") else None

    @classmethod
    def generic(cls, name: str = "nima-mobilenet", checkpoint: Path | None = None, **kwargs) -> Scorer:
        from .models import load_generic

        model, spec = load_generic(name, checkpoint)
        return cls(model, spec, **kwargs)

    def __call__(self, batch: np.ndarray, cancel: threading.Event | None = None) -> BatchResult:
        """Score (N, H, W, 3) uint8 photos already at the network's input size. Once ``cancel`` is set the
        pass stops at the next layer and raises :class:`~aesthetic_curator.interrupt.Interrupted`."""
        torch = self._torch
        # NHWC memory viewed as NCHW is exactly the channels-last layout: no copy needed.
        x = torch.from_numpy(batch).permute(0, 3, 1, 2)
        if self.device.type == "cuda":
            x = x.pin_memory()
        x = x.to(self.device, non_blocking=True).float().div_(255.0)
        caught: list = []
        me = threading.get_ident()  # the network may be shared: keep only this thread's activations

        def catch(_module, _inputs, out) -> None:
            if threading.get_ident() == me:
                caught.append(torch.cat([out.mean((2, 3)), out.std((2, 3))], 1).float())

        hook = self._look_layer.register_forward_hook(catch) if self._look_layer is not None else None
        try:
            with torch.inference_mode(), interruptible(self.model, cancel):
                probs, mean, std, features = self.model.predict(x)
        finally:
            if hook is not None:
                hook.remove()
        look = caught[-1].cpu().numpy() if caught else None
        return BatchResult(probs.cpu().numpy(), mean.cpu().numpy(), std.cpu().numpy(),
                           features.float().cpu().numpy(), look)


@dataclass(frozen=True)
class _Decoded:
    path: str
    size: int
    mtime_ns: int
    content_hash: str
    array: np.ndarray | None  # None when the content is already scored (``known_photo`` set)
    known_photo: int | None
    width: int = 0
    height: int = 0
    phash: int | None = None


def _decode_one(path: str, size: int, mtime: int, input_size: int, resample: str,
                known: dict[str, int]) -> _Decoded:
    data = read_bytes(Path(path))
    chash = content_hash(data)
    if chash in known:
        return _Decoded(path, size, mtime, chash, None, known[chash])
    im = decode(data, Path(path), min_size=2 * input_size)
    # Original dimensions from the header, oriented: draft mode shrinks ``im``.
    width, height = im.size
    array = network_array(im, input_size, resample)
    return _Decoded(path, size, mtime, chash, array, None, width, height, perceptual_hash(array))


def _stat(paths: Iterable[Path], skipped: list[SkippedFile]) -> list[tuple[str, int, int]]:
    out = []
    for p in paths:
        try:
            st = os.stat(p)
        except OSError as exc:
            skipped.append(SkippedFile(p, UnreadableFileError(p, exc.strerror or str(exc)).reason))
            continue
        out.append((str(p), st.st_size, st.st_mtime_ns))
    return out


def score_album(
    roots: Path | str | Sequence[Path | str],
    catalog: Catalog,
    *,
    scorer: Scorer | Callable[[], Scorer] | None = None,
    spec: WeightsSpec | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    decode_workers: int | None = None,
    on_scores: Callable[[list[PhotoScore]], None] | None = None,
    require_look: bool = True,
) -> ScanReport:
    """Score every photo under ``roots`` (folders or files), using and filling the catalog.

    ``scorer`` may be a :class:`Scorer` or a factory called only once some photo needs inference
    (the default builds the shipped model on the automatic device). With a factory, ``spec``
    describes the model it will build (default: the shipped model's), so cached scores are found
    and photos decoded without building it. ``progress`` is called on this thread after each
    batch and at the end.
    ``cancel``: when set, the scan stops within one layer of the network's pass, keeping what was stored
    (the photos of the unfinished batch are scored by the next scan).
    ``on_scores``: called on this thread with each group of newly available scores (first the
    ones answered from the catalog, then each batch), so a viewer can show them as they arrive.
    ``require_look``: photos scored by an earlier release, without first-layer statistics, are scored
    again once (personal taste needs them); scans of a personal network pass False.
    """

    if isinstance(roots, (str, Path)):
        roots = [roots]
    if scorer is None:
        scorer = Scorer.generic
    if isinstance(scorer, Scorer):
        spec = scorer.spec
    spec = spec or NIMA_MOBILENET_AVA
    model_id = spec.model_id
    cancel = cancel or threading.Event()
    report = ScanReport()

    def on_skip(path: Path, reason: str) -> None:
        report.skipped.append(SkippedFile(path, reason))

    paths: list[Path] = []
    for root in roots:
        paths.extend(find_photos(root, on_skip))
    paths = sorted(set(paths))
    total = len(paths) + len(report.skipped)
    entries = _stat(paths, report.skipped)

    # 1. Answer unchanged, already scored files from the catalog.
    known = catalog.known_files(p for p, _, _ in entries)
    unchanged = {p: known[p].photo_id for p, size, mtime in entries
                 if p in known and (known[p].size, known[p].mtime_ns) == (size, mtime)}
    stored = catalog.scores_for(unchanged.values(), model_id)
    bad = catalog.known_bad(p for p, _, _ in entries if p not in unchanged)
    todo: list[tuple[str, int, int]] = []
    for p, size, mtime in entries:
        pid = unchanged.get(p)
        if pid is not None and pid in stored and (stored[pid].look is not None or not require_look):
            report.scores.append(_from_stored(p, stored[pid], model_id))
        elif p in bad and bad[p][:2] == (size, mtime):
            report.skipped.append(SkippedFile(Path(p), bad[p][2]))
        else:
            todo.append((p, size, mtime))

    handed = 0

    def tell() -> None:
        nonlocal handed
        if on_scores is not None and len(report.scores) > handed:
            on_scores(report.scores[handed:])
            handed = len(report.scores)
        if progress is not None:
            scored = report.inferred
            progress(Progress(done=len(report.scores) + len(report.skipped), total=total,
                              scored=scored, cached=len(report.scores) - scored,
                              skipped=len(report.skipped)))

    if not todo:
        tell()
        return report

    # 2. Decode in threads, infer in batches here.
    network: Scorer | None = scorer if isinstance(scorer, Scorer) else None
    batch_size = network.batch_size if network is not None else 32
    by_hash = catalog.scored_hashes(model_id, with_look=require_look)
    workers = decode_workers or max(1, min(4, os.cpu_count() or 1))
    batch: list[_Decoded] = []
    links: list[tuple[str, int, int, int]] = []
    bad_new: list[tuple[str, int, int, str]] = []

    def flush() -> None:
        if links:
            catalog.link_files(links)
            linked = catalog.scores_for((pid for _, pid, _, _ in links), model_id)
            for path, pid, _, _ in links:
                report.scores.append(_from_stored(path, linked[pid], model_id))
            links.clear()
        if bad_new:
            catalog.remember_bad(bad_new)
            bad_new.clear()
        if batch and cancel.is_set():
            batch.clear()  # stopped: no pass over the batch begun (its photos are scored next time)
        if batch:
            nonlocal network
            if network is None:
                network = scorer()
                if network.spec.model_id != model_id:
                    raise ValueError(f"scorer's model {network.spec.model_id} is not the expected {model_id}")
            try:
                r = network(np.stack([d.array for d in batch]), cancel=cancel)
            except Interrupted:  # cancelled within the pass: nothing of this batch is stored
                batch.clear()
                tell()
                return
            new = [NewScore(d.path, d.size, d.mtime_ns, d.content_hash, d.width, d.height,
                            float(r.mean[i]), float(r.std[i]), r.probs[i], r.features[i], d.phash,
                            r.look[i] if r.look is not None else None)
                   for i, d in enumerate(batch)]
            catalog.add_scores(model_id, new)
            for n in new:
                report.scores.append(PhotoScore(Path(n.path), n.content_hash, model_id, n.mean, n.std,
                                                n.distribution, n.features, cached=False, look=n.look))
            report.inferred += len(new)
            batch.clear()
        tell()

    prefetch = max(2 * batch_size, 4 * workers)
    pending: collections.deque[tuple[tuple[str, int, int], Future]] = collections.deque()
    queue = iter(todo)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="decode")

    def refill() -> None:
        while len(pending) < prefetch and not cancel.is_set():
            item = next(queue, None)
            if item is None:
                return
            pending.append((item, pool.submit(_decode_one, *item, spec.input_size, spec.resample, by_hash)))

    try:
        refill()
        while pending:
            (path, size, mtime), fut = pending[0]
            while not fut.done() and not cancel.is_set():  # a huge photo may take seconds: a Cancel won't wait
                wait([fut], timeout=0.05)
            if cancel.is_set():
                for _, f in pending:
                    f.cancel()
                pending.clear()
                report.cancelled = True
                break
            pending.popleft()
            try:
                d = fut.result()
            except PhotoError as exc:
                report.skipped.append(SkippedFile(Path(path), exc.reason))
                if not isinstance(exc, UnreadableFileError):  # permissions may change; content won't
                    bad_new.append((path, size, mtime, exc.reason))
            except MemoryError:
                report.skipped.append(SkippedFile(Path(path), "out of memory while decoding"))
            else:
                if d.known_photo is not None:
                    links.append((d.path, d.known_photo, d.size, d.mtime_ns))
                else:
                    batch.append(d)
            if len(batch) >= batch_size or len(links) >= 256:
                flush()
            refill()
        report.cancelled = report.cancelled or cancel.is_set()
        flush()
    finally:
        # Cancelled: the decodes already running finish on their own, unwaited (their results are dropped).
        pool.shutdown(wait=not cancel.is_set(), cancel_futures=True)
    return report


def _from_stored(path: str, s, model_id: str) -> PhotoScore:
    return PhotoScore(Path(path), s.content_hash, model_id, s.mean, s.std, s.distribution, s.features,
                      cached=True, look=s.look)
