"""Active-PAM (Ren et al. sec. 4.2, Algorithm 1) and its baselines: random start, Eq. 5, Eq. 6, batches."""

from __future__ import annotations

import numpy as np
import pytest

from aesthetic_curator.personal.active import N_RANDOM_START, ActivePAMSelector, eq5_weights, suggest
from aesthetic_curator.personal.pam import fit_pam


def clustered_album(seed: int, n_clusters: int = 5, per_cluster: int = 40, d: int = 32, spread: float = 3.0):
    """Well-separated Gaussian clusters (centres ~N(0, spread^2) per dimension) and generic scores
    independent of the clusters (1..10 scale, sd 0.4). Returns features, generic, cluster labels."""
    rng = np.random.default_rng(seed)
    centres = spread * rng.standard_normal((n_clusters, d))
    labels = np.repeat(np.arange(n_clusters), per_cluster)
    x = (centres[labels] + rng.standard_normal((labels.size, d))).astype(np.float32)
    g = 5.3 + 0.4 * rng.standard_normal(labels.size)
    return x, g, labels


@pytest.fixture(scope="module")
def album():
    return clustered_album(0)


def fake_ratings(g: np.ndarray, idx, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    z = (g - g.mean()) / g.std()
    return list(np.clip(np.round(3 + 0.6 * z[idx] + rng.standard_normal(len(idx))), 1, 5))


def test_eq5_hand_computed():
    # |o - t| = [1, 0, 2], sum 3  ->  w = [1 - 1/3, 1 - 0, 1 - 2/3]
    np.testing.assert_allclose(eq5_weights([3.0, 3.0, 3.0], [4.0, 3.0, 1.0]), [2 / 3, 1.0, 1 / 3])
    w = eq5_weights([2.5, 4.0, 3.2, 1.0], [3.0, 3.0, 3.0, 3.0])  # residuals .5, 1, .2, 2: sum 3.7
    np.testing.assert_allclose(w, [1 - 0.5 / 3.7, 1 - 1 / 3.7, 1 - 0.2 / 3.7, 1 - 2 / 3.7])
    assert w.sum() == pytest.approx(len(w) - 1)
    np.testing.assert_array_equal(eq5_weights([3.0, 4.0], [3.0, 4.0]), [1.0, 1.0])  # 0/0: no information
    with pytest.raises(ValueError):
        eq5_weights([1.0, 2.0], [1.0])


def test_weights_come_from_the_current_pam(album):
    x, g, _ = album
    rated = list(range(0, 200, 13))
    ratings = fake_ratings(g, rated)
    sel = ActivePAMSelector(x, g)
    model = fit_pam(x[rated], g[rated], ratings, reference=sel.reference)
    expected = eq5_weights(model.predict(x[rated], g[rated]), ratings)
    np.testing.assert_allclose(sel.weights(rated, ratings), expected)
    assert expected.min() < 0.99 * expected.max()  # a real spread, not all ones


def test_first_ten_picks_are_the_seeded_permutation(album):
    x, g, _ = album
    expected = [int(i) for i in np.random.default_rng(7).permutation(len(g))[:N_RANDOM_START]]
    assert suggest(x, g, [], [], n=N_RANDOM_START, rng=np.random.default_rng(7)) == expected
    # One at a time, rating each, with the same seed every call: the same ten photos.
    sel = ActivePAMSelector(x, g)
    rated: list[int] = []
    for _ in range(N_RANDOM_START):
        rated += sel.suggest(rated, fake_ratings(g, rated), rng=np.random.default_rng(7))
    assert rated == expected
    # After ten, the pick no longer depends on the seed.
    ratings = fake_ratings(g, rated)
    picks = {tuple(sel.suggest(rated, ratings, 3, rng=np.random.default_rng(s))) for s in range(4)}
    assert len(picks) == 1 and not set(next(iter(picks))) & set(rated)


def test_batch_straddling_the_random_start(album):
    x, g, _ = album
    rated = [int(i) for i in np.random.default_rng(3).permutation(len(g))[:4]]
    picks = suggest(x, g, rated, fake_ratings(g, rated), n=9, rng=np.random.default_rng(3))
    perm = [int(i) for i in np.random.default_rng(3).permutation(len(g))]
    assert picks[:6] == perm[4:10]  # six random to reach ten, then three chosen by Eq. 6
    assert len(set(picks)) == 9 and not set(picks) & set(rated)


@pytest.mark.parametrize("method", ["active-pam", "coverage", "diversity", "random"])
def test_never_rated_or_excluded_and_distinct(album, method):
    x, g, _ = album
    rng = np.random.default_rng(1)
    rated = [int(i) for i in rng.choice(len(g), 30, replace=False)]
    exclude = [int(i) for i in rng.choice(len(g), 50, replace=False)]
    picks = suggest(x, g, rated, fake_ratings(g, rated), n=40, method=method, rng=np.random.default_rng(2),
                    exclude=exclude)
    assert len(picks) == 40 and len(set(picks)) == 40
    assert not set(picks) & (set(rated) | set(exclude))
    again = suggest(x, g, rated, fake_ratings(g, rated), n=40, method=method, rng=np.random.default_rng(2),
                    exclude=exclude)
    assert picks == again  # deterministic with a seed


def test_small_album_runs_out_gracefully():
    x, g, _ = clustered_album(1, n_clusters=2, per_cluster=10)
    rated = list(range(12))
    picks = suggest(x, g, rated, fake_ratings(g, rated), n=10, exclude=[12, 13])
    assert sorted(picks) == list(range(14, 20))
    assert suggest(x, g, rated, fake_ratings(g, rated), n=0) == []


def test_active_pick_maximises_weighted_distance_sum(album):
    """Eq. 6 recomputed independently in float64 on the documented visual vector."""
    x, g, _ = album
    rated = list(range(3, 200, 9))
    ratings = fake_ratings(g, rated, seed=4)
    sel = ActivePAMSelector(x, g)
    picks = sel.suggest(rated, ratings, n=3)
    ref = sel.reference
    z = (g - g.mean()) / g.std()
    v = np.hstack([(x - ref.feat_mean) / ref.feat_scale, sel.score_weight * z[:, None]]).astype(np.float64)
    dist = np.linalg.norm(v[:, None, :] - v[None, rated, :], axis=2)
    w = sel.weights(rated, ratings)
    score = dist @ w
    score[rated] = -np.inf
    assert picks[0] == int(np.argmax(score))
    # Batch: the first pick joins with the mean weight.
    score2 = score + w.mean() * np.linalg.norm(v - v[picks[0]], axis=1)
    score2[picks[0]] = -np.inf
    assert picks[1] == int(np.argmax(score2))


def scene_album(seed: int, n_scenes: int = 5, per_scene: int = 30):
    """Scenes like bursts of one subject: photos of a scene are close in features and in generic score."""
    x, _, labels = clustered_album(seed, n_clusters=n_scenes, per_cluster=per_scene)
    rng = np.random.default_rng(seed + 100)
    g = (5.3 + 0.5 * rng.standard_normal(n_scenes))[labels] + 0.05 * rng.standard_normal(labels.size)
    return x, g, labels


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_diversity_covers_scenes(seed):
    x, g, labels = scene_album(seed)
    picks = suggest(x, g, [], [], n=5, method="diversity", rng=np.random.default_rng(seed))
    assert sorted(labels[picks]) == [0, 1, 2, 3, 4]
    # Starting from two rated photos of scene 0, the next four cover the four others.
    picks = suggest(x, g, [0, 1], [3.0, 4.0], n=4, method="diversity")
    assert sorted(labels[picks]) == [1, 2, 3, 4]
    # Same features, generic score the same everywhere: the feature part alone must still cover them.
    picks = suggest(x, np.full_like(g, 5.0), [], [], n=5, method="diversity", rng=np.random.default_rng(seed))
    assert sorted(labels[picks]) == [0, 1, 2, 3, 4]
    # Random picks usually do not (the test can fail).
    covered = [len(set(labels[suggest(x, g, [], [], 5, method="random", rng=np.random.default_rng(s))]))
               for s in range(20)]
    assert np.mean(np.array(covered) == 5) < 0.5


@pytest.mark.parametrize("large", [0, 1])
def test_active_pam_leans_toward_large_offsets(large):
    """Mirror-symmetric album: cluster 1 is cluster 0 reflected, with the same generic scores, and the rated
    photos come in mirror pairs. Unweighted, Eq. 6 ties every photo with its mirror; Eq. 5 must break the tie
    toward the cluster where the user departs from the generic score (alternating +-2 stars)."""
    rng = np.random.default_rng(5)
    half = (3.0 * rng.standard_normal(16) + rng.standard_normal((60, 16))).astype(np.float32)
    x = np.vstack([half, -half])
    g_half = 5.3 + 0.4 * rng.standard_normal(60)
    g = np.concatenate([g_half, g_half])
    labels = np.repeat([0, 1], 60)
    rated = list(range(6)) + list(range(60, 66))
    z = (g - g.mean()) / g.std()
    offsets = np.where(labels[rated] == large, np.tile([2.0, -2.0], 6), 0.0)
    ratings = 3.0 + 0.5 * z[rated] + offsets
    sel = ActivePAMSelector(x, g)
    w = sel.weights(rated, ratings)
    assert w[labels[rated] == large].mean() < w[labels[rated] != large].mean() - 0.05
    first = sel.suggest(rated, ratings, 1)[0]
    assert labels[first] == large


def test_neither_part_of_the_visual_vector_dominates(album):
    x, g, _ = album
    report = ActivePAMSelector(x, g).balance()
    assert 0.5 < report["pair_variance_ratio"] < 2.0
    assert report["rank_corr_features"] > 0.3 and report["rank_corr_score"] > 0.3
    # High-D random features: feature distances concentrate, the scaling must still give them a voice.
    rng = np.random.default_rng(0)
    xr = rng.standard_normal((2000, 1024)).astype(np.float32)
    gr = 5.3 + 0.4 * rng.standard_normal(2000)
    report = ActivePAMSelector(xr, gr).balance()
    assert report["rank_corr_features"] > 0.3 and report["rank_corr_score"] > 0.3
    # The knob: score_share=0 leaves the features alone in charge.
    features_only = ActivePAMSelector(xr, gr, score_share=0.0).balance()
    assert features_only["score_weight"] == 0.0 and features_only["rank_corr_features"] == pytest.approx(1.0)


def test_reused_selector_matches_fresh_one(album):
    x, g, _ = album
    sel = ActivePAMSelector(x, g)
    rated: list[int] = list(range(0, 200, 17))
    for _ in range(5):  # the cache grows as ratings arrive; results must equal a stateless call
        ratings = fake_ratings(g, rated, seed=len(rated))
        pick = sel.suggest(rated, ratings, 2)
        assert pick == suggest(x, g, rated, ratings, 2)
        rated.append(pick[0])


def test_bad_arguments():
    x, g, _ = clustered_album(3, n_clusters=2, per_cluster=10)
    with pytest.raises(ValueError, match="unknown method"):
        suggest(x, g, [], [], method="greedy")
    with pytest.raises(ValueError, match="twice"):
        suggest(x, g, [1, 1], [3.0, 4.0])
    with pytest.raises(ValueError):
        suggest(x, g, [1, 2], [3.0])
    with pytest.raises(ValueError):
        suggest(x, g, [25], [3.0])
    with pytest.raises(ValueError):
        suggest(x, g[:5], [], [])


def test_coverage_asks_for_a_typical_photo_of_each_group_before_any_outlier():
    """Coverage (facility location) favours photos that stand for many others: one per group of similar
    photos, the biggest group first, and an odd photo only once the groups are covered."""
    rng = np.random.default_rng(0)
    sizes = (60, 40, 25)
    centres = 4.0 * rng.standard_normal((3, 16))
    x = np.concatenate([c + 0.5 * rng.standard_normal((n, 16)) for c, n in zip(centres, sizes, strict=True)])
    outliers = 12.0 * rng.standard_normal((3, 16))
    x = np.concatenate([x, outliers]).astype(np.float32)
    labels = np.repeat(np.arange(4), (*sizes, 3))
    g = 5.3 + 0.05 * rng.standard_normal(len(x))
    picks = suggest(x, g, [], [], n=3, method="coverage")
    assert labels[picks[0]] == 0 and sorted(int(v) for v in labels[picks]) == [0, 1, 2]
    # Each pick is typical of its group: near the group's centre, not on its rim.
    for p, label in zip(picks, labels[picks], strict=True):
        members = x[labels == label]
        dist = np.linalg.norm(members - members.mean(0), axis=1)
        assert np.linalg.norm(x[p] - members.mean(0)) <= np.percentile(dist, 50)
