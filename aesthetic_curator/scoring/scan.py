"""``score_album``: the three stages of a scan (plan, decode and infer, commit) composed on this thread."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Generator, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Protocol

from ..catalog import Catalog
from ..models import DEFAULT_WEIGHTS
from ..models.weights import WeightsSpec
from .commit import commit
from .infer import Decoder, InferredBatch, decode_and_infer, decode_photo
from .plan import WorkItem, plan_scan
from .report import PhotoScore, Progress, ProgressCallback, ScanReport
from .scorer import Scorer


class InferStage(Protocol):
    """Stage 2 run elsewhere as a whole (decode *and* network, e.g. on a Ray cluster's workers): the plan's
    ``todo`` in, :class:`~.infer.InferredBatch` steps out, in any order, each photo in one step at most. Once
    ``cancel`` is set it stops and its last step says ``cancelled``; closed early (the caller stopped), it
    drops the work still out."""

    def __call__(self, todo: Sequence[WorkItem], spec: WeightsSpec, known: Mapping[str, int],
                 cancel: threading.Event) -> Generator[InferredBatch, None, None]: ...


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
    decoder: Decoder = decode_photo,
    executor: Executor | None = None,
    infer: InferStage | None = None,
) -> ScanReport:
    """Score every photo under ``roots`` (folders or files), using and filling the catalog.

    ``scorer`` may be a :class:`Scorer` or a factory called only once some photo needs inference
    (the default builds the default registered model on the automatic device). With a factory, ``spec``
    describes the model it will build (default: the default model's shipped weights), so cached scores are
    found and photos decoded without building it. ``progress`` is called on this thread after each
    batch and at the end.
    ``cancel``: when set, the scan stops within one layer of the network's pass, keeping what was stored
    (the photos of the unfinished batch are scored by the next scan).
    ``on_scores``: called on this thread with each group of newly available scores (first the
    ones answered from the catalog, then each batch), so a viewer can show them as they arrive.
    ``require_look``: photos scored by an earlier release, without first-layer statistics, are scored
    again once (personal taste needs them); scans of a personal network pass False.
    ``decoder`` and ``executor``: how files are decoded and where (default: :func:`~.infer.decode_photo` on
    ``decode_workers`` threads, up to 4); a given executor is the caller's to shut down.
    ``infer``: the whole middle stage elsewhere (a cluster's workers decode and run the network; see
    :mod:`aesthetic_curator.cluster`), ``spec`` naming its model; the plan and the commit stay here.
    """
    if isinstance(roots, (str, Path)):
        roots = [roots]
    if scorer is None:
        scorer = Scorer.generic
    if isinstance(scorer, Scorer):
        spec = scorer.spec
    spec = spec or DEFAULT_WEIGHTS
    cancel = cancel or threading.Event()

    plan = plan_scan(roots, catalog, spec.model_id, require_look=require_look)

    def rescan(files: list[str]) -> ScanReport:  # alone, a rendering pairs with nothing
        return score_album(files, catalog, scorer=scorer, spec=spec, cancel=cancel, decode_workers=decode_workers,
                           on_scores=on_scores, require_look=require_look, decoder=decoder, executor=executor,
                           infer=infer)

    report = ScanReport(scores=list(plan.cached), skipped=list(plan.skipped))
    handed = 0

    def tell() -> None:
        nonlocal handed
        if on_scores is not None and len(report.scores) > handed:
            on_scores(report.scores[handed:])
            handed = len(report.scores)
        if progress is not None:
            scored = report.inferred
            progress(Progress(done=len(report.scores) + len(report.skipped), total=plan.total,
                              scored=scored, cached=len(report.scores) - scored,
                              skipped=len(report.skipped)))

    if not plan.todo:
        tell()
        return _with_lone_renderings(report, plan.companions, rescan)

    workers = decode_workers or max(1, min(4, os.cpu_count() or 1))
    batch_size = scorer.batch_size if isinstance(scorer, Scorer) else 32
    pool = None if infer is not None else executor or ThreadPoolExecutor(workers, thread_name_prefix="decode")
    steps = infer(plan.todo, spec, plan.known, cancel) if infer is not None else decode_and_infer(
        plan.todo, spec, scorer, executor=pool, known=plan.known, decoder=decoder, cancel=cancel,
        batch_size=batch_size, prefetch=max(2 * batch_size, 4 * workers))
    try:
        with closing(steps):
            for step in steps:
                report.scores.extend(plan.with_companions(commit(catalog, spec.model_id, step)))
                report.skipped.extend(step.skipped)
                report.inferred += len(step.scores)
                report.cancelled = report.cancelled or step.cancelled
                tell()
    finally:
        if executor is None and pool is not None:
            # Cancelled: the decodes already running finish on their own, unwaited (their results are dropped).
            pool.shutdown(wait=not cancel.is_set(), cancel_futures=True)
    return report if report.cancelled else _with_lone_renderings(report, plan.companions, rescan)


def _with_lone_renderings(report: ScanReport, companions: dict[str, str],
                          rescan: Callable[[list[str]], ScanReport]) -> ScanReport:
    """A pair whose RAW could not be read (damaged, a camera LibRaw does not know) is still a photo: its
    camera JPEG is scored on its own, so a bad RAW never hides a good frame."""
    lone = [companions[str(s.path)] for s in report.skipped if str(s.path) in companions]
    if not lone:
        return report
    more = rescan(lone)
    report.scores.extend(more.scores)
    report.skipped.extend(more.skipped)
    report.inferred += more.inferred
    report.cancelled = report.cancelled or more.cancelled
    return report
