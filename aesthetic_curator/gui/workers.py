"""Running core work off the GUI thread, and hearing back through signals.

Every long or heavy piece of work (listing and scoring an album, thumbnails, training, personal
scores, suggestions, decoding a photo for the viewer) is a plain core function. A :class:`Job`
runs one on a ``QThreadPool`` and turns its progress callback, result and exception into Qt
signals, which Qt delivers on the GUI thread (queued connections). Each job has an id so that a
receiver can drop results that a newer request has made stale, and a ``threading.Event`` that
the core function polls to stop early.
"""

from __future__ import annotations

import itertools
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage

from ..errors import UserError

logger = logging.getLogger(__name__)
_ids = itertools.count(1)
#: Every started job, kept referenced until its last signal reaches the GUI thread: otherwise the
#: Python wrapper (and its signals object) could be freed on the worker thread when ``run``
#: returns, and the result would be lost.
_live: dict[int, Job] = {}


class JobSignals(QObject):
    """``progress(job id, payload)``, ``finished(job id, result)``, ``failed(job id, message)``,
    ``cancelled(job id)``: emitted on the worker thread, received on the GUI thread."""

    progress = Signal(int, object)
    finished = Signal(int, object)
    failed = Signal(int, str)
    cancelled = Signal(int)


class Job(QRunnable):
    """``fn(report, cancel)`` on a pool thread. ``report(payload)`` emits ``progress``; when the
    function raises after ``stop()``, or raises a cancellation, ``cancelled`` is emitted instead
    of ``failed``."""

    def __init__(self, fn: Callable[[Callable[[Any], None], threading.Event], Any], *,
                 cancelled_by: tuple[type[BaseException], ...] = ()):
        super().__init__()
        self.id = next(_ids)
        self.fn = fn
        self.cancel = threading.Event()
        self.signals = JobSignals()
        self.cancelled_by = cancelled_by
        self.started = False
        self.pool: QThreadPool | None = None
        self.setAutoDelete(True)

    def stop(self) -> None:
        self.cancel.set()

    def run(self) -> None:  # on a pool thread
        self.started = True
        if self.cancel.is_set():  # stale before it started: don't do the work at all
            self.signals.cancelled.emit(self.id)
            return
        try:
            result = self.fn(lambda payload: self.signals.progress.emit(self.id, payload), self.cancel)
        except BaseException as exc:
            if self.cancel.is_set() or isinstance(exc, self.cancelled_by):
                self.signals.cancelled.emit(self.id)
            else:
                if isinstance(exc, UserError):  # a damaged photo, a wrong value: the user is told; not a bug
                    logger.info("background job stopped: %s", exc)
                else:
                    logger.error("background job failed:\n%s", traceback.format_exc())
                self.signals.failed.emit(self.id, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            return
        # It returned normally, so its work is done (e.g. a profile saved), even if a stop came
        # after its last check: report the result, not a cancellation.
        self.signals.finished.emit(self.id, result)


def start(job: Job, pool: QThreadPool | None = None) -> Job:
    """Run ``job`` on ``pool`` (default: the global pool), keeping it alive until it reports."""
    job.pool = pool or QThreadPool.globalInstance()
    _live[job.id] = job
    for signal in (job.signals.finished, job.signals.failed):
        signal.connect(lambda job_id, _: _live.pop(job_id, None))
    job.signals.cancelled.connect(lambda job_id: _live.pop(job_id, None))
    job.pool.start(job)
    return job


def clear_queued(pool: QThreadPool) -> None:
    """Drop the jobs of ``pool`` that have not started (they will never report)."""
    pool.clear()
    for job_id, job in list(_live.items()):
        if job.pool is pool and not job.started:
            _live.pop(job_id, None)


def to_qimage(pixels: np.ndarray) -> QImage:
    """A deep-copied ``QImage`` of uint8 RGB pixels (safe to build off the GUI thread; a
    ``QPixmap`` is made from it on the GUI thread only)."""
    pixels = np.ascontiguousarray(pixels)
    h, w = pixels.shape[:2]
    return QImage(pixels.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
