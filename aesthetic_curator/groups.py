"""Bursts and near-duplicates: which photos are takes of the same shot, and the best of each.

Three signals, each good at something the others miss:

* **pooled features** of the generic network (cosine): robust to the small reframing, exposure
  and subject movement between takes, and already in the catalog for every scored photo;
* **capture time** (EXIF DateTimeOriginal with sub-seconds): frames seconds apart are a burst
  even when the subject moved enough to lower their similarity;
* **a perceptual hash** (DCT of a 32x32 grey image, 64 bits): near-identical frames and re-saved
  copies, cheaply, whatever the network thinks.

Two photos are linked when their features are very close, or their hashes nearly equal, or they
were captured within a few seconds of each other and are fairly close in either (the network's
features are sensitive to blur, which varies most between the takes of a burst); groups are the connected
components of the links (a pan or a slowly moving subject chains into one burst, as a
photographer expects). The thresholds are set for the shipped model's features and checked on a
constructed burst set built from Kodak24 (see ``tests/test_groups.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

HASH_SIZE = 32  # grey image side for the DCT


@dataclass(frozen=True)
class GroupConfig:
    near_duplicate: float = 0.88  # cosine of features alone: the same shot
    hash_bits: int = 12           # Hamming distance of perceptual hashes alone: the same shot
    burst_seconds: float = 2.0    # frames this close in time are a burst when also ...
    burst: float = 0.6            # ... this similar in features, or
    burst_hash_bits: int = 18     # ... this similar in hash (blur and movement lower the cosine)


def perceptual_hash(pixels: np.ndarray) -> int:
    """64-bit DCT hash of an RGB or grey uint8 image: the signs of the 8x8 lowest frequencies
    (DC left out) against their median. Survives resizing, recompression and exposure changes."""
    from PIL import Image
    from scipy.fft import dctn

    im = Image.fromarray(pixels).convert("L").resize((HASH_SIZE, HASH_SIZE), Image.Resampling.BOX)
    coeffs = dctn(np.asarray(im, np.float64), norm="ortho")[:8, :8].ravel()
    low = coeffs[1:]
    bits = np.concatenate([[False], low > np.median(low)])
    return int(np.packbits(bits).view(">u8")[0])


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bitwise distance between arrays of 64-bit hashes (as uint64)."""
    return np.bitwise_count(np.bitwise_xor(np.asarray(a, np.uint64), np.asarray(b, np.uint64)))


def find_groups(features: np.ndarray, times: Sequence[float] | np.ndarray | None = None,
                hashes: Sequence[int | None] | None = None, config: GroupConfig = GroupConfig(),
                block: int = 2048) -> list[np.ndarray]:
    """Groups of two or more photos (indices into the inputs), largest first.

    ``features`` (N, C): pooled features. ``times``: capture times in seconds (NaN unknown).
    ``hashes``: perceptual hashes (None unknown). Neighbours are found in
    blocks, so 20,000 photos need a few hundred MB at most and seconds, not an N x N matrix.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(features)
    if n < 2:
        return []
    f = np.asarray(features, np.float32)
    f = f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)
    t = np.full(n, np.nan) if times is None else np.asarray(times, np.float64)
    hashes = list(hashes) if hashes is not None else [None] * n
    h_ok = np.array([x is not None for x in hashes])
    h = np.array([x if x is not None else 0 for x in hashes], np.uint64)

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for start in range(0, n, block):
        stop = min(n, start + block)
        sims = f[start:stop] @ f.T
        bits = np.bitwise_count(h[start:stop, None] ^ h[None, :])
        bits[~(h_ok[start:stop, None] & h_ok[None, :])] = 64
        linked = (sims >= config.near_duplicate) | (bits <= config.hash_bits)
        i, j = np.nonzero(linked)
        keep = j > i + start  # each pair once, no self-pairs
        rows.append(i[keep] + start)
        cols.append(j[keep])
    a, b = _close_in_time(t, config.burst_seconds)  # bursts: close in time and fairly alike
    sims = np.einsum("ij,ij->i", f[a], f[b])
    bits = np.where(h_ok[a] & h_ok[b], np.bitwise_count(h[a] ^ h[b]), 64)
    burst = (sims >= config.burst) | (bits <= config.burst_hash_bits)
    rows.append(a[burst])
    cols.append(b[burst])
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    graph = coo_matrix((np.ones(len(r), np.int8), (r, c)), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels, minlength=count)
    groups = [np.flatnonzero(labels == g) for g in np.flatnonzero(sizes >= 2)]
    return sorted(groups, key=lambda g: (-len(g), int(g[0])))


#: Neighbours in time looked at per photo: a 2 s burst at 30 frames/s, twice over. Photos that
#: share one timestamp by the hundred (a camera without a clock, batch-edited dates) stay linear.
MAX_TIME_NEIGHBOURS = 120


def _close_in_time(t: np.ndarray, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) of photos captured within ``seconds`` of each other (NaN: never), from the
    sorted times: no N x N matrix, and float64 keeps sub-seconds over decades of capture dates."""
    known = np.flatnonzero(np.isfinite(t))
    order = known[np.argsort(t[known], kind="stable")]
    ts = t[order]
    ends = np.searchsorted(ts, ts + seconds, side="right")
    counts = np.minimum(ends - np.arange(len(ts)) - 1, MAX_TIME_NEIGHBOURS)
    first = np.repeat(np.arange(len(ts)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    a, b = order[first], order[first + 1 + offsets]
    return np.minimum(a, b), np.maximum(a, b)


def best_of(group: np.ndarray, personal: np.ndarray | None, generic: np.ndarray,
            stars: np.ndarray | None = None) -> int:
    """The member to keep: the user's own stars first, then the personal score, then the
    generic one (ties go to the earlier photo)."""
    def key(i: int) -> tuple[float, float, float]:
        st = float(stars[i]) if stars is not None else 0.0
        p = float(personal[i]) if personal is not None and not math.isnan(personal[i]) else -math.inf
        g = float(generic[i]) if not math.isnan(generic[i]) else -math.inf
        return st, p, g

    return int(max(group, key=lambda i: key(int(i))))


def pair_scores(groups: Sequence[np.ndarray], truth: Sequence[int]) -> tuple[float, float]:
    """Pairwise precision and recall of ``groups`` against true group labels (one per photo;
    photos alone in their true group get unique labels)."""
    truth = np.asarray(truth)
    predicted = np.full(len(truth), -1)
    for k, g in enumerate(groups):
        predicted[g] = k
    found = same = correct = 0
    for i in range(len(truth)):
        for j in range(i + 1, len(truth)):
            p = predicted[i] >= 0 and predicted[i] == predicted[j]
            s = truth[i] == truth[j]
            found += p
            same += s
            correct += p and s
    precision = correct / found if found else 1.0
    recall = correct / same if same else 1.0
    return precision, recall
