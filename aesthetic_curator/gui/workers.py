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

logger = logging.getLogger(__name__)
_ids = itertools.count(1)


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
        self.setAutoDelete(True)

    def stop(self) -> None:
        self.cancel.set()

    def run(self) -> None:  # on a pool thread
        self.started = True
        try:
            result = self.fn(lambda payload: self.signals.progress.emit(self.id, payload), self.cancel)
        except BaseException as exc:
            if self.cancel.is_set() or isinstance(exc, self.cancelled_by):
                self.signals.cancelled.emit(self.id)
            else:
                logger.error("background job failed:\n%s", traceback.format_exc())
                self.signals.failed.emit(self.id, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            return
        if self.cancel.is_set():
            self.signals.cancelled.emit(self.id)
        else:
            self.signals.finished.emit(self.id, result)


def start(job: Job, pool: QThreadPool | None = None) -> Job:
    (pool or QThreadPool.globalInstance()).start(job)
    return job


def to_qimage(pixels: np.ndarray) -> QImage:
    """A deep-copied ``QImage`` of uint8 RGB pixels (safe to build off the GUI thread; a
    ``QPixmap`` is made from it on the GUI thread only)."""
    pixels = np.ascontiguousarray(pixels)
    h, w = pixels.shape[:2]
    return QImage(pixels.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
