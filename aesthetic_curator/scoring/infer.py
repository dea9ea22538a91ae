"""Stage 2 of a scan, decode and infer: the plan's files decoded on an executor, scored in batches.

Every file of the plan goes to a :class:`Decoder` run on an executor (by default a pool of threads):
read, hash (a photo known under another name, e.g. after a move, is linked to its stored scores without
decoding), draft-decode, orient, convert to sRGB, squash to the network size. Pillow and hashlib release
the GIL, so decoding overlaps with inference. The calling thread gathers decoded photos into batches and
runs the network (channels-last, inference mode, on the chosen device).

Both are parameters, so another decoder or another executor (a cluster's) plugs in without
touching the plan or the commit: the decoder is any callable of the :class:`Decoder` shape, the executor
any :class:`concurrent.futures.Executor`. This stage never touches the catalog: it yields
:class:`InferredBatch` steps of plain data (paths, hashes, numpy arrays) for the commit stage to store.

A cancel ``threading.Event`` is checked between photos and, inside the network's pass over a batch,
before every layer (see :mod:`~aesthetic_curator.interrupt`): a batch of 32 takes seconds on a loaded
2-core CPU, too long for a Cancel to wait.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..catalog import NewScore
from ..errors import PhotoError, UnreadableFileError
from ..formats import is_raw_name
from ..groups import perceptual_hash
from ..imaging import network_input, photo_identity, read_bytes
from ..interrupt import Interrupted
from ..models.weights import WeightsSpec
from .plan import WorkItem
from .report import SkippedFile
from .scorer import BatchResult, Scorer

#: A step also ends after this many linked files (moved or copied photos), so they are stored, and shown,
#: without waiting for a batch of new photos to fill.
LINKS_PER_STEP = 256


@dataclass(frozen=True)
class Decoded:
    """One file of the plan, decoded: ``array`` at the network's input size, or, when its content is
    already scored (``known_photo``, a photo id), no array at all. ``width`` and ``height`` are those of the
    upright decode the array was squashed from; ``phash`` its perceptual hash (see :mod:`..groups`)."""

    item: WorkItem
    content_hash: str
    array: np.ndarray | None
    known_photo: int | None
    width: int = 0
    height: int = 0
    phash: int | None = None


class Decoder(Protocol):
    """Turns one file of the plan into a :class:`Decoded`, on an executor's worker (so: thread-safe, and
    for a cluster, picklable). ``known``: content hash -> photo id of photos already scored (read only).
    Raises :class:`~aesthetic_curator.errors.PhotoError` for a file that cannot be scored."""

    def __call__(self, item: WorkItem, spec: WeightsSpec, known: Mapping[str, int]) -> Decoded: ...


def decode_photo(item: WorkItem, spec: WeightsSpec, known: Mapping[str, int]) -> Decoded:
    """The decoder for the formats :mod:`~aesthetic_curator.imaging` reads (JPEG, PNG, TIFF, WebP, HEIC, AVIF,
    and camera RAWs from their embedded preview or a half-size develop: see :mod:`~aesthetic_curator.raw`)."""
    path = Path(item.path)
    data = None if is_raw_name(path) else read_bytes(path)  # a RAW is never read whole: see photo_identity
    chash = photo_identity(path, data)
    if chash in known:
        return Decoded(item, chash, None, known[chash])
    decoded = network_input(path, spec, data=data)
    width, height = decoded.decoded_size
    return Decoded(item, chash, decoded.array, None, width, height, perceptual_hash(decoded.array))


class InlineExecutor(Executor):
    """An executor that runs each job at once on the submitting thread: a scan without worker threads
    (profiling, debugging, or a machine where threads do not pay)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # delivered through the future, as a pool would (a Ctrl-C is not)
            future.set_exception(exc)
        return future


@dataclass
class InferredBatch:
    """One step's results, for the commit stage: new scores (``scores``, in the catalog's
    :class:`~aesthetic_curator.catalog.NewScore` form: no photo id yet), files whose content is already
    scored (``links``: path, photo id, size, mtime), undecodable files worth remembering (``bad``: path,
    size, mtime, reason) and every file skipped with its reason (``skipped``, a superset of ``bad``).
    ``cancelled``: the scan stopped at this step; a batch that was being scored is not in it."""

    scores: list[NewScore] = field(default_factory=list)
    links: list[tuple[str, int, int, int]] = field(default_factory=list)
    bad: list[tuple[str, int, int, str]] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    cancelled: bool = False


def decode_and_infer(
    todo: Sequence[WorkItem],
    spec: WeightsSpec,
    network: Scorer | Callable[[], Scorer],
    *,
    executor: Executor,
    known: Mapping[str, int] | None = None,
    decoder: Decoder = decode_photo,
    cancel: threading.Event | None = None,
    batch_size: int | None = None,
    prefetch: int | None = None,
) -> Iterator[InferredBatch]:
    """Decode ``todo`` on ``executor`` with ``decoder`` and score it in batches; yield one step per batch
    (or per :data:`LINKS_PER_STEP` links), then a last one, in ``todo`` order.

    ``network``: a :class:`Scorer`, or a factory called only once a photo needs inference (its model must
    be ``spec``'s). ``batch_size``: default the scorer's, else 32. ``prefetch``: how many files may be
    queued on the executor ahead of the batch being gathered (default twice the batch size).
    ``cancel``: once set, no further file is submitted and the pass over a batch stops within one layer;
    the last step says ``cancelled``. The caller owns ``executor``: jobs not yet started are cancelled
    here when the stage ends early, running ones are left to finish.
    """
    cancel = cancel or threading.Event()
    known = known or {}
    scorer = network if isinstance(network, Scorer) else None
    size = batch_size or (scorer.batch_size if scorer is not None else 32)
    window = prefetch or 2 * size
    pending: collections.deque[tuple[WorkItem, Future]] = collections.deque()
    queue = iter(todo)
    step = InferredBatch()
    photos: list[Decoded] = []

    def refill() -> None:
        while len(pending) < window and not cancel.is_set():
            item = next(queue, None)
            if item is None:
                return
            pending.append((item, executor.submit(decoder, item, spec, known)))

    def finish() -> InferredBatch:
        """This step with its batch scored, and a fresh one begun."""
        nonlocal step, scorer
        done, step = step, InferredBatch()
        if photos and cancel.is_set():
            done.cancelled = True  # stopped: no pass over the batch begun (its photos are scored next time)
        elif photos:
            if scorer is None:
                scorer = _build(network, spec)
            try:
                done.scores = _scores(photos, scorer(np.stack([d.array for d in photos]), cancel=cancel))
            except Interrupted:  # cancelled within the pass: nothing of this batch is stored
                done.cancelled = True
        photos.clear()
        return done

    try:
        refill()
        while pending:
            item, future = pending[0]
            while not future.done() and not cancel.is_set():  # a huge photo may take seconds: a Cancel won't wait
                wait([future], timeout=0.05)
            if cancel.is_set():
                break
            pending.popleft()
            _sort(item, future, step, photos)
            if len(photos) >= size or len(step.links) >= LINKS_PER_STEP:
                yield finish()
            refill()
        last = finish()
        last.cancelled = last.cancelled or cancel.is_set()
        yield last
    finally:
        # Stopped early (cancelled, or the caller gave up): jobs not started never start; running ones finish
        # on their own, unwaited, and their results are dropped.
        for _, future in pending:
            future.cancel()


def _sort(item: WorkItem, future: Future, step: InferredBatch, photos: list[Decoded]) -> None:
    """File one decoded (or failed) photo into the step: skipped, linked, or waiting for the network."""
    try:
        d: Decoded = future.result()
    except PhotoError as exc:
        step.skipped.append(SkippedFile(Path(item.path), exc.reason))
        if not isinstance(exc, UnreadableFileError):  # permissions may change; content won't
            step.bad.append((item.path, item.size, item.mtime_ns, exc.reason))
    except MemoryError:
        step.skipped.append(SkippedFile(Path(item.path), "out of memory while decoding"))
    else:
        if d.known_photo is not None:
            step.links.append((item.path, d.known_photo, item.size, item.mtime_ns))
        else:
            photos.append(d)


def _build(factory: Scorer | Callable[[], Scorer], spec: WeightsSpec) -> Scorer:
    scorer = factory if isinstance(factory, Scorer) else factory()
    if scorer.spec.model_id != spec.model_id:
        raise ValueError(f"scorer's model {scorer.spec.model_id} is not the expected {spec.model_id}")
    return scorer


def _scores(photos: Sequence[Decoded], r: BatchResult) -> list[NewScore]:
    """The network's results for ``photos``, row by row, as the catalog stores them."""
    return [NewScore(d.item.path, d.item.size, d.item.mtime_ns, d.content_hash, d.width, d.height,
                     float(r.mean[i]), float(r.std[i]), r.probs[i], r.features[i], d.phash,
                     r.look[i] if r.look is not None else None)
            for i, d in enumerate(photos)]
