"""The middle stage of a scan on a Ray cluster: the driver plans and commits, Ray actors decode and score.

:class:`RayInference` is an :class:`~aesthetic_curator.scoring.scan.InferStage`: ``score_album(...,
infer=RayInference(...))`` keeps the plan (catalog lookups: nothing already scored is sent) and the commit
(one transaction per step, in the same SQLite catalog) on the driver, and hands the work list to a pool
of :class:`~.worker.ScanWorker` actors, one network per worker process. Results stream back as each task
ends and are committed at once, so a driver killed at any moment keeps every batch it received.

Faults: an actor whose process dies is restarted by Ray and its unfinished tasks are retried there
(``max_restarts``, ``max_task_retries``); a task lost for good is sent once more, then its photos are
reported skipped (not remembered as bad: the next scan tries them again). A photo's results are committed
only when its task's result reaches the driver, once, and the catalog's writes are keyed by path and
content, so every photo is in the catalog exactly once.

``ray`` is optional: it is imported here only when a scan needs it (:func:`require_ray`).
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..models.weights import WeightsSpec
from ..scoring.infer import InferredBatch
from ..scoring.plan import WorkItem
from ..scoring.report import SkippedFile
from .worker import ScanWorker, ScorerFactory

INSTALL_HINT = "install the cluster extra: pip install -e '.[cluster]'"

#: Tasks queued on each actor at once: one running, one waiting, so no worker idles while the driver commits.
TASKS_PER_WORKER = 2
#: How often the driver looks at its cancel event while waiting on the cluster.
POLL_S = 0.1


def require_ray() -> Any:
    """The ``ray`` module, or a :class:`UserError` saying how to install it (the core works without it)."""
    try:
        import ray
    except ImportError as exc:
        raise UserError(f"a cluster scan needs Ray: {INSTALL_HINT}") from exc
    return ray


@dataclass
class WorkerInfo:
    """One actor as the driver knows it: its current pid (a new one means Ray restarted it), node, device."""

    pid: int
    node: str
    device: str


@dataclass
class _Task:
    worker: int
    chunk: list[WorkItem]
    tries: int = 1


@dataclass
class _Dispatch:
    """The work list cut into tasks and the tasks out on the cluster, each actor at most
    :data:`TASKS_PER_WORKER` deep."""

    chunks: collections.deque[list[WorkItem]]
    load: list[int]
    out: dict[Any, _Task] = field(default_factory=dict)


class RayInference:
    """Decode and score on a Ray cluster; an ``infer=`` stage for :func:`~aesthetic_curator.scoring.score_album`.

    ``factory(device)``: builds the network in each worker (a picklable callable, e.g.
    :func:`generic_factory`). ``address``: ``None`` uses the Ray this process is already connected to, or
    starts a local one; ``"local"`` always starts one for this scan; ``"auto"`` or ``"ray://HOST:PORT"``
    joins an existing cluster. A Ray started here is stopped by :meth:`close`; one joined is left running.
    ``workers``: how many actors (default: one per GPU when the cluster has GPUs and ``gpus_per_worker`` is
    not 0, else one per ``cpus_per_worker`` CPUs). ``batch_size`` photos per network pass,
    ``batches_per_task`` passes per task (decoding overlaps the network within a task).
    ``on_event``: told, in a line, when the workers are ready and when one was restarted.
    ``start_timeout_s``: workers not all ready by then (a cluster short of resources, a model a worker cannot
    load) is a :class:`UserError`, not an endless wait.

    The actors are started on the first scan that has work (a scan the catalog answers never touches the
    cluster) and kept for later scans until :meth:`close`; use it as a context manager.
    """

    def __init__(self, factory: ScorerFactory, *, address: str | None = None, workers: int | None = None,
                 cpus_per_worker: float = 1.0, gpus_per_worker: float | None = None, batch_size: int = 32,
                 batches_per_task: int = 2, on_event: Callable[[str], None] | None = None,
                 start_timeout_s: float = 300.0, init_options: Mapping[str, Any] | None = None):
        self.factory = factory
        self.address = address
        self.requested_workers = workers
        self.cpus_per_worker = cpus_per_worker
        self.gpus_per_worker = gpus_per_worker
        self.batch_size = batch_size
        self.batches_per_task = batches_per_task
        self.on_event = on_event or (lambda line: None)
        self.start_timeout_s = start_timeout_s
        self.init_options = dict(init_options or {})
        self.workers: list[WorkerInfo] = []
        #: Actor restarts seen (a task came back from a new process of the same actor).
        self.restarts = 0
        self._actors: list[Any] = []
        self._spec: WeightsSpec | None = None
        self._started_ray = False

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> RayInference:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the actors (their processes end) and the Ray this object started, if any."""
        if not self._actors and not self._started_ray:
            return
        ray = require_ray()
        for actor in self._actors:
            ray.kill(actor, no_restart=True)
        self._actors, self.workers, self._spec = [], [], None
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False

    @property
    def pids(self) -> list[int]:
        """The worker processes' pids as last seen (one per actor)."""
        return [w.pid for w in self.workers]

    # -- the stage -----------------------------------------------------------------------------------
    def __call__(self, todo: Sequence[WorkItem], spec: WeightsSpec, known: Mapping[str, int],
                 cancel: threading.Event) -> Generator[InferredBatch, None, None]:
        """Send ``todo`` to the workers in tasks and yield each task's steps as it ends (in any order). Once
        ``cancel`` is set, a last empty step says ``cancelled``; the tasks still out finish unheard (not committed)."""
        ray = require_ray()
        self._start(spec)
        known_ref = ray.put(dict(known))
        size = self.batch_size * self.batches_per_task
        work = _Dispatch(collections.deque(list(todo[i:i + size]) for i in range(0, len(todo), size)),
                         [0] * len(self._actors))
        try:
            self._submit(work, known_ref, cancel)
            while work.out and not cancel.is_set():
                ready, _ = ray.wait(list(work.out), num_returns=1, timeout=POLL_S)
                for ref in ready:
                    task = work.out.pop(ref)
                    work.load[task.worker] -= 1
                    steps = self._result(ref, task, work, known_ref)
                    self._submit(work, known_ref, cancel)  # keep the workers busy while the driver commits
                    yield from steps
            if cancel.is_set():
                yield InferredBatch(cancelled=True)
        finally:
            # Stopped early: the tasks still out (at most TASKS_PER_WORKER per worker) end on their own and
            # their results are dropped with their references. Not ray.cancel: cancelling an actor's queued
            # task can hold up the actor's next ones for many seconds.
            work.out.clear()

    def _submit(self, work: _Dispatch, known_ref: Any, cancel: threading.Event) -> None:
        while work.chunks and not cancel.is_set():
            worker = min(range(len(work.load)), key=work.load.__getitem__)
            if work.load[worker] >= TASKS_PER_WORKER:
                return
            self._send(work, _Task(worker, work.chunks.popleft()), known_ref)

    def _send(self, work: _Dispatch, task: _Task, known_ref: Any) -> None:
        # The reference inside a list: Ray passes it as is, and the worker fetches the map once per scan.
        work.out[self._actors[task.worker].score.remote(task.chunk, [known_ref])] = task
        work.load[task.worker] += 1

    def _result(self, ref: Any, task: _Task, work: _Dispatch, known_ref: Any) -> list[InferredBatch]:
        """The task's steps; a task lost with its worker (after Ray's own retries) is sent once more to the
        least busy worker, then its photos are skipped for this scan."""
        ray = require_ray()
        try:
            pid, steps = ray.get(ref)
        except _lost_errors(ray) as exc:
            if task.tries < 2:
                worker = min(range(len(work.load)), key=work.load.__getitem__)
                self._send(work, _Task(worker, task.chunk, task.tries + 1), known_ref)
                return []
            reason = f"the Ray worker scoring it was lost ({type(exc).__name__}); the next scan tries again"
            return [InferredBatch(skipped=[SkippedFile(Path(w.path), reason) for w in task.chunk])]
        known = self.workers[task.worker]
        if pid != known.pid:
            self.restarts += 1
            self.on_event(f"ray: worker {task.worker + 1} was restarted (pid {known.pid} -> {pid}); "
                          "Ray retried its tasks")
            known.pid = pid
        return steps

    # -- starting the workers -------------------------------------------------------------------------
    def _start(self, spec: WeightsSpec) -> None:
        if self._spec is not None:
            if spec.model_id != self._spec.model_id:
                raise ValueError(f"these workers score with {self._spec.model_id}, not {spec.model_id}")
            return
        ray = require_ray()
        self._connect(ray)
        resources = ray.cluster_resources()
        gpus = float(resources.get("GPU", 0.0))
        use_gpu = gpus > 0 and self.gpus_per_worker != 0
        per_gpu = self.gpus_per_worker or 1.0
        cpus = self.cpus_per_worker
        if self.requested_workers is not None:
            count = self.requested_workers
        elif use_gpu:
            count = max(1, int(gpus // per_gpu))
        else:
            count = max(1, int(float(resources.get("CPU", 1.0)) // cpus))
        options = {"num_cpus": cpus, "num_gpus": per_gpu if use_gpu else 0, "max_restarts": -1,
                   "max_task_retries": 3, "scheduling_strategy": "SPREAD"}
        actor = ray.remote(ScanWorker).options(**options)
        device = "cuda" if use_gpu else "cpu"
        threads = max(1, int(cpus))
        self._actors = [actor.remote(self.factory, spec, device, threads) for _ in range(count)]
        self.workers = [WorkerInfo(**info) for info in self._ready(ray)]
        self._spec = spec
        nodes = len({w.node for w in self.workers})
        self.on_event(f"ray: {count} worker(s) ready on {nodes} node(s), "
                      + (f"{per_gpu:g} GPU each" if use_gpu else f"{cpus:g} CPU each, no GPU"))

    def _connect(self, ray: Any) -> None:
        if ray.is_initialized() and self.address != "local":
            return
        options = {"include_dashboard": False, "log_to_driver": False, **self.init_options}
        if self.address in (None, "local"):
            ray.init(address="local", **options)
            self._started_ray = True
        else:
            try:
                ray.init(address=self.address, **options)
            except ConnectionError as exc:
                raise UserError(f"cannot reach the Ray cluster at {self.address}: {exc}") from exc

    def _ready(self, ray: Any) -> list[dict[str, Any]]:
        """Every actor's info once its network is built; a worker that cannot build it, or a cluster that
        cannot place them all in time, is the user's to fix and is said so."""
        refs = [a.info.remote() for a in self._actors]
        deadline = time.monotonic() + self.start_timeout_s
        while True:
            ready, pending = ray.wait(refs, num_returns=len(refs), timeout=min(POLL_S * 10, self.start_timeout_s))
            if not pending:
                break
            if time.monotonic() >= deadline:
                self.close()
                raise UserError(f"only {len(ready)} of {len(refs)} Ray worker(s) started within "
                                f"{self.start_timeout_s:g} s: the cluster lacks the CPUs/GPUs asked for "
                                "(see 'ray status'), or a worker is still installing")
        try:
            return ray.get(refs)
        except ray.exceptions.RayActorError as exc:
            self.close()
            raise UserError(f"the Ray workers could not start the scan's network: {exc}") from exc


def _lost_errors(ray: Any) -> tuple[type[BaseException], ...]:
    """The errors that mean a task's worker or its result was lost, not that the task itself failed."""
    e = ray.exceptions
    return tuple(getattr(e, name) for name in ("RayActorError", "WorkerCrashedError", "ObjectLostError",
                                               "OutOfMemoryError", "NodeDiedError") if hasattr(e, name))


def generic_factory(model: str, checkpoint: str | None, batch_size: int) -> ScorerFactory:
    """A worker-side factory for a registered generic model (``checkpoint``: a path every worker sees)."""
    import functools

    return functools.partial(_generic_scorer, model, checkpoint, batch_size)


def _generic_scorer(model: str, checkpoint: str | None, batch_size: int, device: str):
    from ..scoring.scorer import Scorer

    return Scorer.generic(model, Path(checkpoint) if checkpoint else None, device=device, batch_size=batch_size)


def personal_factory(profile: str, spec: WeightsSpec, batch_size: int) -> ScorerFactory:
    """A worker-side factory for a user's personal network: the generic one with the adapters of the profile
    file ``profile`` (a path every worker sees), under ``spec`` (the profile's :func:`personal_spec
    <aesthetic_curator.personal.scores.personal_spec>`: a worker refuses a profile changed since)."""
    import functools

    return functools.partial(_personal_scorer, profile, spec, batch_size)


def _personal_scorer(profile: str, spec: WeightsSpec, batch_size: int, device: str):
    from ..personal.scores import adapted_scorer

    return adapted_scorer(Path(profile), spec, device=device, batch_size=batch_size)
