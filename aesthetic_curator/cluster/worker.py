"""What runs inside one Ray worker process: a network built once, and the scan's own middle stage.

A :class:`ScanWorker` becomes a Ray actor (see :mod:`.ray_scan`); Ray starts one process per actor, so
the network is loaded once per process and reused for every batch sent to it. Each task is a slice of
the plan's work list, run through :func:`~aesthetic_curator.scoring.infer.decode_and_infer` exactly as a
local scan runs it (decode threads overlapping the network, photos already scored linked by their
content hash): a cluster scan differs from a local one only in where that stage runs, so the scores
are the same. The worker never touches the catalog; its results travel back to the driver as plain
:class:`~aesthetic_curator.scoring.infer.InferredBatch` steps.

This module imports no ``ray`` at load: Ray finds the class here by name in each worker process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..models.weights import WeightsSpec
from ..scoring.infer import Decoder, InferredBatch, decode_and_infer, decode_photo
from ..scoring.plan import WorkItem
from ..scoring.scorer import Scorer

#: Builds the worker's network on the device it is given ("cpu", or "cuda" on an actor given a GPU).
ScorerFactory = Callable[[str], Scorer]


class ScanWorker:
    """One worker process's network and decode threads, kept for every batch the driver sends.

    ``factory(device)`` builds the :class:`Scorer` once, here (so a model's weights are read by each
    worker, from its own disk or the shared one); its model must be ``spec``'s, or the worker refuses
    to start (its scores would be stored under another model's name).
    """

    def __init__(self, factory: ScorerFactory, spec: WeightsSpec, device: str, decode_threads: int,
                 decoder: Decoder = decode_photo):
        self.scorer = factory(device)
        if self.scorer.spec.model_id != spec.model_id:
            raise ValueError(f"the worker's model {self.scorer.spec.model_id} is not the scan's {spec.model_id}")
        self.spec = spec
        self.decoder = decoder
        self.pool = ThreadPoolExecutor(max(1, decode_threads), thread_name_prefix="decode")
        self._known_key: str | None = None
        self._known: Mapping[str, int] = {}

    def info(self) -> dict[str, Any]:
        """Where this worker runs (its pid is what a test kills), for the driver's report."""
        import ray

        return {"pid": os.getpid(), "node": ray.get_runtime_context().get_node_id(),
                "device": str(self.scorer.device)}

    def score(self, chunk: Sequence[WorkItem], known: list[Any]) -> tuple[int, list[InferredBatch]]:
        """Decode and score ``chunk``; return this process's pid (the driver notices a restart by it) and the
        steps. ``known`` holds one reference to the scan's content-hash map, put in Ray's object store once
        per scan: fetched here on the first task of a scan (and again after a restart), not with every task."""
        known_map = self._known_of(known[0])
        steps = decode_and_infer(chunk, self.spec, self.scorer, executor=self.pool, known=known_map,
                                 decoder=self.decoder, batch_size=self.scorer.batch_size)
        return os.getpid(), [s for s in steps if s.scores or s.links or s.bad or s.skipped]

    def _known_of(self, ref: Any) -> Mapping[str, int]:
        import ray

        key = ref.hex()
        if key != self._known_key:
            self._known = ray.get(ref)
            self._known_key = key
        return self._known
