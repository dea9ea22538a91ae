"""Scoring an album: a scan in three stages, with seams a later decoder or cluster plugs into.

1. **Plan** (:mod:`.plan`): list the album and ``stat`` every photo; the catalog answers every unchanged
   file it has a score for (re-opening an unchanged album reads no photo and loads no network) and
   names the content it has already scored. The rest is the work list.
2. **Decode and infer** (:mod:`.infer`): the work list decoded by a :class:`~.infer.Decoder` on an
   executor (decode threads here), scored in batches by the network on the calling thread; it yields
   plain results, step by step, and never touches the catalog.
3. **Commit** (:mod:`.commit`): each step written to the catalog in short transactions (a scan killed
   at any moment keeps everything committed before), coming back as :class:`PhotoScore` with photo ids.

:func:`score_album` composes them on the calling thread, with progress reported through a plain
callback after each step and cancellation through a ``threading.Event``. Because only stages 1 and 3
touch the catalog, a driver can plan and commit locally while stage 2 runs anywhere (another decoder
for RAW files, another executor for a cluster), on one code path and one catalog. Nothing here knows
about Qt.
"""

from __future__ import annotations

from .commit import commit
from .infer import Decoded, Decoder, InferredBatch, InlineExecutor, decode_and_infer, decode_photo
from .plan import ScanPlan, WorkItem, plan_scan
from .report import CountCallback, PhotoScore, Progress, ProgressCallback, ScanReport, SkippedFile
from .scan import score_album
from .scorer import BatchResult, Scorer

__all__ = [
    "BatchResult", "CountCallback", "Decoded", "Decoder", "InferredBatch", "InlineExecutor", "PhotoScore", "Progress",
    "ProgressCallback", "ScanPlan", "ScanReport", "Scorer", "SkippedFile", "WorkItem", "commit",
    "decode_and_infer", "decode_photo", "plan_scan", "score_album",
]
