"""Rank correlation and the per-worker summary of thesis Table 6.1 (mean, sd, median, min, max of rho).

Why a module of its own: every evaluation (generic baseline, PAM, adapters, k = 10 / 100) must
reduce per-worker numbers the same way, or the table rows are not comparable. The thesis reports,
for each method, the mean, standard deviation, median, minimum and maximum of Spearman's rho
over the 37 test workers (seed 000, Table 6.1, lines 3265-3287); we add n so a row that lost
workers (too few images for k, or an undefined rho) shows it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats as _scipy_stats

log = logging.getLogger(__name__)

#: The columns of :func:`summarise`, in Table 6.1 order, then the count.
SUMMARY_COLUMNS = ("mean", "sd", "median", "min", "max", "n")


def spearman(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Spearman's rank correlation (ties get average ranks, as in scipy.stats.spearmanr).

    Returns nan, without scipy's ConstantInputWarning, when rho is undefined: fewer than two
    pairs, either side constant (a worker who gave every evaluation image the same rating), or
    any non-finite value (a model that produced nan must not be hidden by dropping the pair).
    :func:`summarise` then leaves that worker out and counts it in ``n_missing``.
    """
    x = np.asarray(a, dtype=float).ravel()
    y = np.asarray(b, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"spearman needs equal lengths, got {x.size} and {y.size}")
    if x.size < 2 or not (np.isfinite(x).all() and np.isfinite(y).all()):
        return math.nan
    if np.all(x == x[0]) or np.all(y == y[0]):
        return math.nan
    return float(_scipy_stats.spearmanr(x, y).statistic)


def summarise(per_worker: Sequence[float] | np.ndarray) -> dict[str, float | int]:
    """Mean, sample sd (ddof=1), median, min, max and n of one number per worker (nan entries left out).

    Pass one value per worker (e.g. rho averaged over that worker's trials), as the thesis
    summarises over workers, not over trials. ``n_missing`` counts the nan entries; statistics of an
    empty set are nan, and sd needs n >= 2.
    """
    values = np.asarray(per_worker, dtype=float).ravel()
    finite = values[~np.isnan(values)]
    n = int(finite.size)
    if n < values.size:
        log.debug("summarise: %d of %d values are nan and left out", values.size - n, values.size)
    return {
        "mean": float(finite.mean()) if n else math.nan,
        "sd": float(finite.std(ddof=1)) if n >= 2 else math.nan,
        "median": float(np.median(finite)) if n else math.nan,
        "min": float(finite.min()) if n else math.nan,
        "max": float(finite.max()) if n else math.nan,
        "n": n,
        "n_missing": int(values.size - n),
    }


def format_table(rows: Mapping[str, Mapping[str, float | int]], *, digits: int = 3,
                 columns: Sequence[str] = SUMMARY_COLUMNS) -> str:
    """A plain-text table, one row per method (insertion order), columns as Table 6.1 plus n.

    Numbers are right-aligned with ``digits`` decimals (counts as integers); a missing value prints
    as ``-`` so a partial row still lines up.
    """

    def cell(value: float | int | None, column: str) -> str:
        if value is None:
            return "-"
        if column == "n" or column.startswith("n_") or isinstance(value, (int, np.integer)):
            return str(int(value))
        return "nan" if math.isnan(value) else f"{value:.{digits}f}"

    header = ["method", *columns]
    body = [[name, *(cell(stats.get(c), c) for c in columns)] for name, stats in rows.items()]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(r: list[str]) -> str:
        return "  ".join([r[0].ljust(widths[0]), *(v.rjust(w) for v, w in zip(r[1:], widths[1:], strict=True))])

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    return "\n".join([line(header), rule, *(line(r) for r in body)])
