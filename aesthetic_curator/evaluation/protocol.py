"""The FLICKR-AES personalisation protocol (thesis Table 6.1; Ren et al. Table 4) on our models.

For each test worker, ``n_trials`` times: choose k of the worker's photos for training (at random,
as both papers do, or by Active-PAM asking the worker's ratings one at a time), fit each method on
those k ratings, and compute Spearman's rho between its predictions and the worker's ratings of
all their other photos. A worker's rho is the mean over trials; the table reduces workers with
:func:`stats.summarise`.

The generic model is the one we ship (NIMA MobileNet trained on AVA), not a network trained on the
173 training workers as in the papers: the split is still made and checked, so the test workers'
photos are exactly the papers', and a generic checkpoint trained on the training workers can be
passed in instead (``base``/``spec``).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..catalog import Catalog
from ..scoring import score_album
from .flickr_aes import THESIS_TRIALS, FlickrAES, Split, trial_rng, worker_trials
from .methods import METHODS, SELECTIONS, EvalReport, Pool, predict, select
from .stats import spearman

log = logging.getLogger(__name__)


def run_flickr_aes(
    dataset: FlickrAES,
    split: Split,
    catalog: Catalog,
    base,
    *,
    spec=None,
    ks: Sequence[int] = (10, 100),
    methods: Sequence[str] = METHODS,
    selections: Sequence[str] = SELECTIONS,
    trials: dict[int, int] | None = None,
    max_workers: int | None = None,
    seed: int = 0,
    device: str | None = None,
    say: Callable[[str], None] = log.info,
) -> EvalReport:
    """Per-worker Spearman for each (k, selection, method) on the split's test workers."""
    from ..models.weights import NIMA_MOBILENET_AVA
    from ..personal.service import training_image
    from ..scoring import Scorer

    spec = spec or NIMA_MOBILENET_AVA
    trials = trials or THESIS_TRIALS
    workers = split.test_workers[:max_workers] if max_workers else list(split.test_workers)
    report = EvalReport(meta={"dataset": str(dataset.root), "test_workers": len(workers), "seed": seed,
                              "trials": {k: trials.get(k, 1) for k in ks}, "generic_model": spec.model_id,
                              "split": split.summary(dataset)})
    timing: dict[str, list[float]] = {}
    for w in workers:
        names = sorted(dataset.ratings[w])
        paths = [dataset.image_path(n) for n in names]
        scan = score_album(paths, catalog, scorer=Scorer(base, spec, device=device))
        scored = {str(s.path): s for s in scan.scores}
        for skip in scan.skipped:
            say(f"worker {w}: skipped {skip.path}: {skip.reason}")
        keep = [i for i, p in enumerate(paths) if str(p) in scored]
        names = [names[i] for i in keep]
        paths = [paths[i] for i in keep]
        stars = np.array([dataset.ratings[w][n] for n in names], np.float64)
        pool = Pool(np.array([scored[str(p)].mean for p in paths], np.float64),
                    np.stack([scored[str(p)].features for p in paths]) if paths else np.zeros((0, 1)),
                    functools.lru_cache(maxsize=None)(lambda i, paths=paths: training_image(paths[i], spec.input_size)))
        index = {n: i for i, n in enumerate(names)}
        user_seen = False
        for k in ks:
            n_trials = trials.get(k, 1)
            draws = worker_trials(_only(dataset, w, names), w, k, n_trials, trial_rng(seed, w))
            if not draws:
                say(f"worker {w}: {len(names)} photos, too few for k={k}")
                continue
            if not user_seen:
                report.users.append(w)
                user_seen = True
            for selection in selections:
                rhos: dict[str, list[float]] = {m: [] for m in methods}
                for t, (train_names, _) in enumerate(draws):
                    rng = trial_rng(seed + 1000 * (t + 1), w)
                    if selection == "random":
                        train = [index[n] for n in train_names]
                    else:
                        train = select(pool, np.arange(len(names)), lambda i, s=stars: float(s[i]), k, selection, rng)
                    evaluate = sorted(set(range(len(names))) - set(train))
                    for method in methods:
                        start = time.monotonic()
                        pred = predict(method, pool, train, stars[train], evaluate, base=base, device=device,
                                       seed=seed + t)
                        timing.setdefault(f"{method} k={k}", []).append(time.monotonic() - start)
                        rhos[method].append(spearman(pred, stars[evaluate]))
                for method in methods:
                    rho = float(np.nanmean(rhos[method])) if not np.all(np.isnan(rhos[method])) else float("nan")
                    report.per_user.setdefault((k, selection, method), []).append(rho)
                    say(f"worker {w} k={k:<3} {selection:<10} {method:<11} rho {rho:+.3f}")
    report.seconds = {key: float(np.median(v)) for key, v in timing.items()}
    return report


def _only(dataset: FlickrAES, worker: str, names: list[str]) -> FlickrAES:
    """The dataset restricted to one worker's readable photos (trials draw from those)."""
    return FlickrAES(root=dataset.root, ratings={worker: {n: dataset.ratings[worker][n] for n in names}},
                     image_scores={})


def default_test_workers(root: Path) -> list[str]:
    from .flickr_aes import find_test_workers_file, load_test_workers

    return load_test_workers(find_test_workers_file(root))
