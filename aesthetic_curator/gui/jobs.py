"""The window's named jobs: at most one of each name, and only its reports are heard.

Opening another album, rating again or switching user starts a job whose name is already running
(a scan, a personal refresh, suggestions); the old one is stopped and whatever it still reports is
dropped, so a slow stale result can never overwrite a fresh one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool

from .workers import Job, clear_queued, start


class JobRunner(QObject):
    """The window's pools and its named jobs. Heavy jobs (scan, training, adapter scores) and light
    ones (suggestions, dates) run on separate pools, so a long scan never makes a suggestion wait;
    personal refreshes have a thread of their own: they follow every rating within about a second,
    so they never wait behind a scan or a training."""

    def __init__(self, parent: QObject, on_failed: Callable[[str], None]):
        super().__init__(parent)
        self.jobs: dict[str, Job] = {}
        self.on_failed = on_failed  # a failure nobody else handles: said in the status bar
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.light_pool = QThreadPool(self)
        self.light_pool.setMaxThreadCount(2)
        self.personal_pool = QThreadPool(self)
        self.personal_pool.setMaxThreadCount(1)

    def run(self, name: str, fn: Callable, on_progress: Callable[[Any], None], on_finished: Callable[[Any], None],
            on_failed: Callable[[str], None] | None = None, *, light: bool = False, pool: QThreadPool | None = None,
            on_cancelled: Callable[[], None] | None = None) -> Job:
        """Run ``fn(report, cancel)`` as the job ``name`` (stopping the previous one of that name); its
        reports reach the callbacks, on the GUI thread, only while it is the current job of that name."""
        self.stop(name)
        job = Job(fn)
        self.jobs[name] = job

        def current(job_id: int) -> bool:
            return self.jobs.get(name) is not None and self.jobs[name].id == job_id

        def ended(job_id: int) -> bool:
            if current(job_id):
                self.jobs.pop(name, None)
                return True
            return False

        job.signals.progress.connect(lambda i, payload: on_progress(payload) if current(i) else None)
        job.signals.finished.connect(lambda i, result: on_finished(result) if ended(i) else None)
        job.signals.failed.connect(lambda i, message: (on_failed or self.on_failed)(message) if ended(i) else None)
        job.signals.cancelled.connect(lambda i: on_cancelled() if ended(i) and on_cancelled is not None else None)
        return start(job, pool or (self.light_pool if light else self.pool))

    def stop(self, *names: str) -> None:
        """Stop these jobs (their reports are dropped from now on)."""
        for name in names:
            if name in self.jobs:
                self.jobs.pop(name).stop()

    def shutdown(self, *other_pools: QThreadPool) -> None:
        """Stop every job and wait for the pools, these too (a closing window leaves no thread running)."""
        for job in self.jobs.values():
            job.stop()
        self.jobs = {}  # results still queued for delivery are ignored from now on
        pools = (self.pool, self.light_pool, self.personal_pool, *other_pools)
        for pool in pools:
            clear_queued(pool)
        for pool in pools:
            pool.waitForDone()
        QThreadPool.globalInstance().waitForDone()
