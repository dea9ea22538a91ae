"""The real-photo evaluation bed: many kinds of simulated users rating real photographs.

Why: an album of edits of 24 scenes told us Active-PAM loses to random selection; on real photographs
it wins. Personal scores looked good on average yet made some users' rankings much worse. So methods
are judged here on real photos (:mod:`.real_album` assembles them from Debian packages, plus Kodak24),
by many kinds of users, by the mean *and* by the worst users:

* for each user and seed, a third of the photos is held out and never rated; the user rates k photos
  of the rest, chosen by a selection method (random, Active-PAM, ...), and each personalisation method
  predicts the held-out photos;
* reported per (k, selection, method): the mean Spearman gain over the generic score, the 10th-percentile
  user's gain, and the share of users made worse than generic by more than 0.05.

Each simulated user rates every photo as ``stars = clip(round(mid + spread * latent / sd(latent)))`` with
``latent = crowd * z(generic) + sum(weight * z(attribute)) + N(0, noise)``; attributes are measured on the
pixels (brightness, contrast, saturation, warmth, sharpness), or are a random direction in the generic
network's features, or membership of one content cluster of the album (k-means on the features). The
users below were written down before any method was run on this bed and are never tuned to make a
method win.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import MissingDataError
from .simulated import measure
from .stats import spearman

log = logging.getLogger(__name__)

KS = (5, 10, 20, 50, 100)
WORSE_BY = 0.05


@dataclass(frozen=True)
class SimUser:
    """One kind of simulated rater (see the module docstring)."""

    name: str
    kind: str
    crowd: float = 1.0
    taste: tuple[tuple[str, float], ...] = ()
    noise: float = 0.5
    scale: tuple[int, int] = (1, 5)
    lapses: float = 0.0  # share of ratings given at random (inattention, mis-clicks)


USERS: tuple[SimUser, ...] = (
    SimUser("crowd", "crowd"),
    SimUser("crowd-loose", "crowd", noise=0.8),
    SimUser("anti-crowd", "anti-crowd", crowd=-1.0),
    SimUser("anti-crowd-loose", "anti-crowd", crowd=-1.0, noise=0.8),
    SimUser("warmth+", "pixel", taste=(("warmth", 1.0),)),
    SimUser("saturation+", "pixel", taste=(("saturation", 1.0),)),
    SimUser("brightness-", "pixel", taste=(("brightness", -1.0),)),
    SimUser("brightness+", "pixel", taste=(("brightness", 1.0),)),
    SimUser("contrast+", "pixel", taste=(("contrast", 1.0),)),
    SimUser("sharpness-", "pixel", taste=(("sharpness", -1.0),)),
    SimUser("saturation-only", "pixel", crowd=0.0, taste=(("saturation", 1.0),)),
    SimUser("direction", "feature", taste=(("direction", 1.0),)),
    SimUser("direction-half-crowd", "feature", crowd=0.5, taste=(("direction", 1.0),)),
    SimUser("direction-only", "feature", crowd=0.0, taste=(("direction", 1.0),)),
    SimUser("content", "content", taste=(("content", 1.0),)),
    SimUser("content-half-crowd", "content", crowd=0.5, taste=(("content", 1.0),)),
    SimUser("saturation+direction", "mixed", crowd=0.5, taste=(("saturation", 0.7), ("direction", 0.7))),
    SimUser("dark+content", "mixed", crowd=0.5, taste=(("brightness", -0.7), ("content", 0.7))),
    SimUser("contrast-noisy", "noisy", taste=(("contrast", 1.0),), noise=1.5),
    SimUser("direction-noisy", "noisy", taste=(("direction", 1.0),), noise=1.5),
    SimUser("random", "inconsistent", crowd=0.0, noise=1.0),
    SimUser("warmth-lapses", "inconsistent", taste=(("warmth", 1.0),), lapses=0.25),
    SimUser("saturation-3to5", "narrow-scale", taste=(("saturation", 1.0),), scale=(3, 5)),
    SimUser("direction-3to5", "narrow-scale", taste=(("direction", 1.0),), scale=(3, 5)),
)


@dataclass
class Bed:
    """The photos of the bed with what the generic model says of each, rows aligned."""

    names: list[str]
    generic: np.ndarray
    features: np.ndarray
    attributes: dict[str, np.ndarray]
    images: list[np.ndarray] = field(default_factory=list)  # decoded at >= 2x network size (adapters)
    extra_features: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.names)


def build_bed(folder: Path, base, *, keep_images: bool = True, say: Callable[[str], None] = log.info) -> Bed:
    """Score every photo of ``folder`` as the app does (decoded at twice the network size, squashed to the
    input with nearest-neighbour) and measure its pixel attributes."""
    import torch

    from ..album import find_photos
    from ..personal.service import training_image
    from ..personal.training import as_batch, network_input

    paths = find_photos(Path(folder))
    if not paths:
        raise MissingDataError(f"no photos in {folder}")
    base = base.eval()
    size = base.input_size
    images, names, attrs = [], [], []
    for path in paths:
        try:
            im = training_image(path, size)
        except Exception as exc:  # the bed is a measurement: a photo that cannot be read is reported
            say(f"skipped {path.name}: {exc}")
            continue
        images.append(im)
        names.append(path.name)
        attrs.append(measure(im))
    means, feats, style = [], [], []
    early = base.look_layer()
    taps: list = []
    hook = early.register_forward_hook(lambda m, i, o: taps.append(o)) if early is not None else None
    with torch.inference_mode():
        for b in range(0, len(images), 32):
            taps.clear()
            _, mean, _, f = base.predict(as_batch([network_input(im, size) for im in images[b:b + 32]],
                                                  torch.device("cpu")))
            means.append(mean.numpy())
            feats.append(f.float().numpy())
            if taps:
                style.append(torch.cat([taps[0].mean((2, 3)), taps[0].std((2, 3))], 1).numpy())
    if hook is not None:
        hook.remove()
    bed = Bed(names, np.concatenate(means).astype(np.float64), np.concatenate(feats),
              {k: np.array([a[k] for a in attrs]) for k in attrs[0]}, images if keep_images else [])
    if style:
        bed.extra_features["look"] = np.concatenate(style)
    say(f"bed: {len(bed)} photos from {folder}")
    return bed


def _z(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / (sd if sd > 0 else 1.0)


def content_clusters(features: np.ndarray, n_clusters: int = 8, seed: int = 0) -> np.ndarray:
    """k-means labels of the standardised features (content groups: water, faces, city, ...)."""
    from scipy.cluster.vq import kmeans2

    zf = (features - features.mean(0)) / (features.std(0) + 1e-6)
    _, labels = kmeans2(zf.astype(np.float64), n_clusters, seed=seed, minit="++")
    return labels


def user_attributes(bed: Bed, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The bed's pixel attributes plus, for this user, a random feature direction and a content cluster."""
    attrs = dict(bed.attributes)
    direction = rng.standard_normal(bed.features.shape[1])
    zf = (bed.features - bed.features.mean(0)) / (bed.features.std(0) + 1e-6)
    attrs["direction"] = zf @ (direction / np.linalg.norm(direction))
    labels = content_clusters(bed.features, seed=int(rng.integers(1 << 30)))
    sizes = np.bincount(labels, minlength=labels.max() + 1)
    ok = np.flatnonzero((sizes >= 0.08 * len(labels)) & (sizes <= 0.4 * len(labels)))
    chosen = int(rng.choice(ok)) if ok.size else int(np.argmax(sizes))
    attrs["content"] = (labels == chosen).astype(np.float64)
    return attrs


def rate_all(bed: Bed, user: SimUser, rng: np.random.Generator) -> np.ndarray:
    """Stars ``user`` gives every photo of the bed."""
    attrs = user_attributes(bed, rng)
    latent = user.crowd * _z(bed.generic)
    for name, weight in user.taste:
        latent = latent + weight * _z(attrs[name])
    latent = latent + rng.normal(0.0, user.noise, size=len(bed))
    lo, hi = user.scale
    mid, spread = (lo + hi) / 2, (hi - lo + 1) / 4
    stars = np.clip(np.round(mid + spread * latent / latent.std()), lo, hi)
    lapse = rng.random(len(bed)) < user.lapses
    stars[lapse] = rng.integers(lo, hi + 1, size=int(lapse.sum()))
    return stars


# -- methods -----------------------------------------------------------------------------------------------
def predict_method(method: str, bed: Bed, train: np.ndarray, stars: np.ndarray, held: np.ndarray,
                   spaces: dict[str, object], *, base=None, seed: int = 0) -> np.ndarray:
    """One method's predictions of the held-out photos from the user's ``stars`` of the ``train`` photos.

    ``taste`` is the score a user sees (:func:`~aesthetic_curator.personal.taste.fit_taste`), ``+look``
    with the first-layer statistics as a second block of the taste space; ``linear`` its linear learner
    alone, always adopted; ``pam`` PAM offsets alone; ``@0.8`` another confidence for the choice.
    """
    from ..personal.taste import CONFIDENCE, fit_linear, fit_taste

    if method == "generic":
        return bed.generic[held]
    if method == "pam":
        from ..personal.pam import fit_pam

        main = spaces["main"]
        return fit_pam(bed.features[train], bed.generic[train], stars, reference=main.main).predict(  # type: ignore[attr-defined]
            bed.features[held], bed.generic[held])
    name, _, level = method.partition("@")
    if name in ("linear", "taste", "linear+look", "taste+look"):
        looks = name.endswith("+look")
        x = spaces["look_descriptors"] if looks else bed.features
        space = spaces["looked" if looks else "main"]
        if name.startswith("linear"):
            return fit_linear(x[train], bed.generic[train], stars, space).predict(x[held], bed.generic[held])
        model = fit_taste(x[train], bed.generic[train], stars, space=space,
                          confidence=float(level) if level else CONFIDENCE)
        return model.predict(x[held], bed.generic[held])
    if method == "adapters":
        from .methods import Pool, predict

        pool = Pool(bed.generic, bed.features, lambda i: bed.images[i])
        return predict("adapters", pool, list(train), stars, list(held), base=base, seed=seed)
    if method == "taste+look+adapters":  # what a user sees after `train`: adapters judged beside the rest
        from ..personal.adapters import PersonalNet, load_personal_state
        from ..personal.heavy import cross_validate_adapters
        from ..personal.training import TrainConfig
        from .methods import predict_images

        cv = cross_validate_adapters(base, [bed.images[i] for i in train], stars, bed.generic[train],
                                     config=TrainConfig(epochs=8, seed=seed), device="cpu")
        x, space = spaces["look_descriptors"], spaces["looked"]
        model = fit_taste(x[train], bed.generic[train], stars, space=space, extra={"adapters": cv.oof})
        network = None
        if model.method == "adapters":
            net = PersonalNet(base)
            load_personal_state(net, cv.result.state)
            network = predict_images(net, [bed.images[i] for i in held], device="cpu")
        return model.predict(x[held], bed.generic[held], adapters=network)
    raise ValueError(f"unknown method {method!r}")


def selection_order(method: str, bed: Bed, candidates: np.ndarray, oracle: Callable[[int], float], n: int,
                    rng: np.random.Generator, reference) -> list[int]:
    """The first ``n`` photos (bed indices, from ``candidates``) a user is asked to rate, in order."""
    from ..personal.active import ActivePAMSelector

    if method == "random":
        return [int(i) for i in rng.permutation(candidates)[:n]]
    selector = ActivePAMSelector(bed.features[candidates], bed.generic[candidates], reference=reference)
    rated: list[int] = []
    stars: list[float] = []
    if method in ("diversity", "coverage"):
        return [int(candidates[i]) for i in selector.suggest([], [], n, method=method, rng=rng)]
    while len(rated) < n:
        batch = selector.suggest(rated, stars, 1, method=method, rng=rng)
        rated += batch
        stars += [oracle(int(candidates[i])) for i in batch]
    return [int(candidates[i]) for i in rated]


@dataclass
class BedReport:
    """rho per (k, selection, method) for every (user, seed) case, plus what the run was."""

    cases: list[str] = field(default_factory=list)  # "user@seed", in the order of the rho lists
    kinds: list[str] = field(default_factory=list)
    rho: dict[tuple[int, str, str], list[float]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    meta: dict[str, object] = field(default_factory=dict)

    def summary(self) -> list[dict[str, object]]:
        """Per (k, selection, method): mean rho, mean gain over generic, 10th-percentile gain, share worse."""
        rows = []
        for (k, selection, method), values in sorted(self.rho.items()):
            v = np.asarray(values, float)
            g = np.asarray(self.rho.get((k, selection, "generic"), values), float)
            ok = np.isfinite(v) & np.isfinite(g)
            gain = v[ok] - g[ok]
            rows.append({"k": k, "selection": selection, "method": method, "mean_rho": float(np.mean(v[ok])),
                         "gain": float(np.mean(gain)), "p10_gain": float(np.percentile(gain, 10)),
                         "worse_share": float(np.mean(gain < -WORSE_BY)), "n": int(ok.sum())})
        return rows

    def by_kind(self, k: int, selection: str, method: str) -> dict[str, float]:
        v = np.asarray(self.rho[(k, selection, method)], float)
        g = np.asarray(self.rho[(k, selection, "generic")], float)
        kinds = np.asarray(self.kinds)
        return {kind: float(np.nanmean((v - g)[kinds == kind])) for kind in dict.fromkeys(self.kinds)}

    def format(self) -> str:
        lines = [f"{'k':>4} {'selection':<11} {'method':<13} {'rho':>6} {'gain':>7} {'p10':>7} {'worse':>6} {'n':>4}"]
        for r in self.summary():
            lines.append(f"{r['k']:>4} {r['selection']:<11} {r['method']:<13} {r['mean_rho']:6.3f} "
                         f"{r['gain']:+7.3f} {r['p10_gain']:+7.3f} {r['worse_share']:6.1%} {r['n']:>4}")
        return "\n".join(lines)

    def markdown(self, default: str = "taste+look") -> str:
        """The tables of docs/eval/README.md: every method with random selection, every selection for the
        ``default`` method, and the default method's gain per kind of user (random selection)."""
        rows = self.summary()
        head = ["| k | {} | mean rho | mean gain | 10th pct gain | worse by > 0.05 |", "|---|---|---|---|---|---|"]

        def line(r: dict, key: str) -> str:
            return (f"| {r['k']} | {r[key]} | {r['mean_rho']:.3f} | {r['gain']:+.3f} | {r['p10_gain']:+.3f} | "
                    f"{r['worse_share']:.1%} |")

        lines = ["Methods, photos to rate drawn at random:", "", head[0].format("method"), head[1]]
        lines += [line(r, "method") for r in rows if r["selection"] == "random"]
        lines += ["", f"How the photos to rate were chosen, for `{default}`:", "", head[0].format("selection"),
                  head[1]]
        lines += [line(r, "selection") for r in rows if r["method"] == default]
        ks = sorted({k for k, sel, m in self.rho if m == default and sel == "random"})
        per = {k: self.by_kind(k, "random", default) for k in ks}
        lines += ["", f"Gain of `{default}` over generic by kind of user (random selection; cases = users x seeds):",
                  "", "| kind | cases | " + " | ".join(f"k={k}" for k in ks) + " |", "|---|---|" + "---|" * len(ks)]
        for kind in dict.fromkeys(self.kinds):
            lines.append(f"| {kind} | {self.kinds.count(kind)} | " + " | ".join(f"{per[k][kind]:+.2f}" for k in ks)
                         + " |")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"meta": self.meta, "cases": self.cases, "kinds": self.kinds, "seconds": self.seconds,
                "rho": [{"k": k, "selection": s, "method": m, "rho": v} for (k, s, m), v in self.rho.items()],
                "summary": self.summary()}


def report_from_json(doc: dict) -> BedReport:
    """A report back from its :meth:`BedReport.to_json`."""
    return BedReport(cases=list(doc["cases"]), kinds=list(doc["kinds"]), seconds=dict(doc.get("seconds", {})),
                     meta=dict(doc.get("meta", {})),
                     rho={(r["k"], r["selection"], r["method"]): list(r["rho"]) for r in doc["rho"]})


def run_bed(bed: Bed, *, users: Sequence[SimUser] = USERS, seeds: Sequence[int] = (0, 1, 2),
            ks: Sequence[int] = KS, methods: Sequence[str] = ("generic", "pam", "linear", "taste"),
            selections: Sequence[str] = ("random", "active-pam", "coverage"), base=None,
            held_share: float = 1 / 3, say: Callable[[str], None] = log.info) -> BedReport:
    """Every user x seed x selection x k x method; see the module docstring."""
    from ..personal.taste import fit_space

    report = BedReport(meta={"photos": len(bed), "users": len(users), "seeds": list(seeds), "ks": list(ks),
                             "held_share": held_share, "kinds": sorted({u.kind for u in users})})
    spaces: dict[str, object] = {"main": fit_space(bed.features, bed.generic)}
    if "look" in bed.extra_features:
        looks = np.hstack([bed.features, bed.extra_features["look"]]).astype(np.float32)
        spaces["look_descriptors"] = looks
        spaces["looked"] = fit_space(looks, bed.generic, (bed.features.shape[1], bed.extra_features["look"].shape[1]))
    timing: dict[str, list[float]] = {}
    for seed in seeds:
        for u, user in enumerate(users):
            rng = np.random.default_rng([seed, u])
            stars = rate_all(bed, user, rng)
            order = rng.permutation(len(bed))
            n_held = round(len(bed) * held_share)
            held, candidates = np.sort(order[:n_held]), order[n_held:]
            truth = stars[held]
            report.cases.append(f"{user.name}@{seed}")
            report.kinds.append(user.kind)
            points = [k for k in ks if k <= len(candidates)]
            for selection in selections:
                srng = np.random.default_rng([seed, u, 7])
                start = time.monotonic()
                chosen = selection_order(selection, bed, candidates, lambda i, s=stars: float(s[i]), max(points),
                                         srng, spaces["main"].main)  # type: ignore[attr-defined]
                timing.setdefault(f"select {selection}", []).append(time.monotonic() - start)
                for k in points:
                    train = np.asarray(chosen[:k])
                    for method in methods:
                        start = time.monotonic()
                        pred = predict_method(method, bed, train, stars[train], held, spaces, base=base,
                                              seed=seed)
                        timing.setdefault(f"{method} k={k}", []).append(time.monotonic() - start)
                        report.rho.setdefault((k, selection, method), []).append(spearman(pred, truth))
            if "generic" in methods:
                rho, sel = report.rho, selections[0]
                last = {k: rho[(k, sel, methods[-1])][-1] - rho[(k, sel, "generic")][-1] for k in points}
                say(f"seed {seed} user {user.name:<22} " + " ".join(f"k={k}:{v:+.2f}" for k, v in last.items()))
    report.seconds = {k: float(np.median(v)) for k, v in timing.items()}
    return report
