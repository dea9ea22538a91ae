"""One evaluation trial: choose a user's k training photos, fit a method, predict the rest.

Shared by the FLICKR-AES protocol and the simulated raters, so that both tables come from the
same code. A trial never sees the ratings of its evaluation photos: selection (random or
Active-PAM) reads only the ratings of photos it has already chosen, as a real user would give
them one at a time, and every method chooses its epoch on a split of the k training ratings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

METHODS = ("generic", "pam", "last-layers", "adapters")
SELECTIONS = ("random", "active-pam")


@dataclass
class EvalReport:
    """Per-user Spearman for each (k, selection, method), and optionally a rho-vs-ratings curve."""

    #: (k, selection, method) -> one rho per user (mean over that user's trials), users in ``users`` order
    per_user: dict[tuple[int, str, str], list[float]] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)
    #: (selection, number of ratings) -> mean rho of PAM over users and seeds
    curve: dict[tuple[str, int], float] = field(default_factory=dict)
    #: median seconds per fit, by "method k=..."
    seconds: dict[str, float] = field(default_factory=dict)
    meta: dict[str, object] = field(default_factory=dict)

    def table(self) -> dict[str, dict[str, float | int]]:
        """Rows of thesis Table 6.1 (mean, sd, median, min, max, n), plus the mean gain over generic."""
        from .stats import summarise

        rows = {}
        for (k, selection, method), values in sorted(self.per_user.items()):
            row = summarise(values)
            generic = self.per_user.get((k, selection, "generic"))
            if generic is not None and len(generic) == len(values):
                row["gain"] = float(np.nanmean(np.asarray(values) - np.asarray(generic)))
            rows[f"k={k:<3} {selection:<10} {method}"] = row
        return rows

    def format_curve(self) -> str:
        selections = sorted({s for s, _ in self.curve})
        points = sorted({n for _, n in self.curve})
        lines = ["ratings " + "".join(f"{s:>12}" for s in selections)]
        for n in points:
            lines.append(f"{n:>7} " + "".join(f"{self.curve.get((s, n), float('nan')):>12.3f}" for s in selections))
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "users": self.users, "meta": self.meta, "seconds": self.seconds,
            "per_user": [{"k": k, "selection": s, "method": m, "rho": v} for (k, s, m), v in self.per_user.items()],
            "table": self.table(),
            "curve": [{"selection": s, "ratings": n, "rho": v} for (s, n), v in sorted(self.curve.items())],
        }


@dataclass
class Pool:
    """Photos a user's trials draw from, rows aligned: generic 1..10 means, pooled features, and
    a way to get each decoded photo (uint8 HWC, about twice the network size) for the adapters."""

    generic: np.ndarray
    features: np.ndarray
    image: Callable[[int], np.ndarray]

    def __len__(self) -> int:
        return len(self.generic)


def select(pool: Pool, candidates: Sequence[int], oracle: Callable[[int], float], k: int, selection: str,
           rng: np.random.Generator) -> list[int]:
    """k photos among ``candidates`` (pool indices), chosen by ``selection``.

    ``oracle(i)`` is the user's rating of pool photo i, asked only for photos already chosen
    (Active-PAM's Algorithm 1 refits PAM after each answer).
    """
    candidates = np.asarray(candidates)
    if selection == "random":
        return [int(i) for i in rng.choice(candidates, size=k, replace=False)]
    if selection != "active-pam":
        raise ValueError(f"unknown selection {selection!r}")
    from ..personal.active import ActivePAMSelector

    selector = ActivePAMSelector(pool.features[candidates], pool.generic[candidates])
    rated: list[int] = []
    stars: list[float] = []
    while len(rated) < k:
        batch = selector.suggest(rated, stars, 1, rng=rng)
        rated += batch
        stars += [oracle(int(candidates[i])) for i in batch]
    return [int(candidates[i]) for i in rated]


def predict(method: str, pool: Pool, train: Sequence[int], ratings: Sequence[float], evaluate: Sequence[int], *,
            base=None, config=None, device: str | None = None, seed: int = 0) -> np.ndarray:
    """Predicted ratings of the ``evaluate`` photos after learning from (``train``, ``ratings``)."""
    train, evaluate = list(train), list(evaluate)
    r = np.asarray(ratings, np.float64)
    if method == "generic":
        return pool.generic[evaluate].copy()
    if method == "pam":
        from ..personal.pam import fit_pam

        model = fit_pam(pool.features[train], pool.generic[train], r,
                        album_features=pool.features, album_generic=pool.generic)
        return model.predict(pool.features[evaluate], pool.generic[evaluate])
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    import torch

    from ..personal.adapters import PersonalNet, load_personal_state
    from ..personal.training import TrainConfig, train_last_layers, train_personal

    if method == "last-layers":
        cfg = config or TrainConfig(epochs=60, seed=seed)
        result = train_last_layers(base, pool.features[train], r, generic_scores=pool.generic[train], config=cfg)
        model = PersonalNet(base)
        load_personal_state(model, result.state)
        model.eval()
        with torch.inference_mode():
            x = torch.as_tensor(pool.features[evaluate], dtype=torch.float32)
            return model.rating(model.forward_head(x)).numpy().astype(np.float64)
    cfg = config or TrainConfig(seed=seed)
    result = train_personal(base, [pool.image(i) for i in train], r, generic_scores=pool.generic[train],
                            config=cfg, device=device)
    model = PersonalNet(base)
    load_personal_state(model, result.state)
    return predict_images(model, [pool.image(i) for i in evaluate], device=device)


def predict_images(model, images: Sequence[np.ndarray], *, device: str | None = None, batch_size: int = 32
                   ) -> np.ndarray:
    """A network's ``predict`` mean for decoded photos, squashed to its input size the way training sees
    them un-augmented."""
    import torch

    from ..devices import resolve_device
    from ..personal.training import as_batch, network_input

    dev = resolve_device(device)
    model = model.to(dev).eval()
    out = []
    with torch.inference_mode():
        for b in range(0, len(images), batch_size):
            x = as_batch([network_input(im, model.input_size) for im in images[b:b + batch_size]], dev)
            out.append(model.predict(x)[1].float().cpu().numpy())
    return np.concatenate(out).astype(np.float64) if out else np.zeros(0)
