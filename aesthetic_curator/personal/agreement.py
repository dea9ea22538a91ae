"""How well a personal score knows its user, in figures and in plain words.

Kept free of torch and of the learners, so the app's GUI thread can word an agreement it received from a
worker, and the CLI and the app say exactly the same sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .limits import MIN_RATINGS


@dataclass
class Agreement:
    """How well a score agrees with the user's own ratings, as Spearman's rho over their rated photos.

    ``personal`` comes from out-of-fold predictions (each photo predicted by a model that did not see
    its rating); ``generic`` needs no cross-validation (the generic model never sees ratings).
    """

    n_ratings: int
    personal: float
    generic: float
    method: str
    candidates: dict[str, float] = field(default_factory=dict)
    confidence: float = float("nan")

    @property
    def better(self) -> bool:
        return self.method != "generic"

    def to_state(self) -> dict:
        return {"n_ratings": int(self.n_ratings), "personal": float(self.personal), "generic": float(self.generic),
                "method": self.method, "candidates": {k: float(v) for k, v in self.candidates.items()},
                "confidence": float(self.confidence)}

    @classmethod
    def from_state(cls, state: dict) -> Agreement:
        return cls(int(state["n_ratings"]), float(state["personal"]), float(state["generic"]), str(state["method"]),
                   {str(k): float(v) for k, v in dict(state.get("candidates", {})).items()},
                   float(state.get("confidence", float("nan"))))



METHOD_NAMES = {
    "generic": "the generic score",
    "linear": "a taste model on the photos' features",
    "pam": "PAM offsets",
    "adapters": "your trained adapters",
}


def _figure(rho: float) -> str:
    return "n/a" if not np.isfinite(rho) else f"{rho:+.2f}"


def describe(agreement: Agreement) -> str:
    """In plain words: which score the user sees, how well it agrees with their own ratings on photos it did
    not see, next to the generic score's figure, and whether to rate more. The CLI and the app both say this."""
    a = agreement
    scale = "(1 = ranks your photos exactly as you did, 0 = no better than chance)"
    if a.n_ratings < MIN_RATINGS:
        return (f"{a.n_ratings} rating(s): too few to learn your taste from yet, so your score follows the generic "
                f"ranking on your star scale. Rate at least {MIN_RATINGS} photos.")
    if not np.isfinite(a.generic) and not a.better:
        return (f"Your {a.n_ratings} ratings are all the same, so they say nothing yet about what you prefer; "
                f"your score follows the generic ranking. Use the whole 1-5 scale: stars for the photos you "
                f"like, few for the ones you do not.")
    if a.better:
        return (f"From your {a.n_ratings} ratings, your personal score ({METHOD_NAMES.get(a.method, a.method)}) "
                f"agrees with your own ratings at about {_figure(a.personal)} on photos it did not see, against "
                f"{_figure(a.generic)} for the generic score {scale}. It very likely (90% confidence) ranks your "
                f"photos better than the generic score does; with few ratings the figure runs a little high, and "
                f"it firms up as you rate more.")
    best = max(a.candidates.items(), key=lambda kv: kv[1] if np.isfinite(kv[1]) else -9, default=None)
    tried = (f" (best tried: {METHOD_NAMES.get(best[0], best[0])}, {_figure(best[1])} on photos it did not see)"
             if best else "")
    return (f"From your {a.n_ratings} ratings, nothing learnt ranks your photos reliably better than the generic "
            f"score yet{tried}; the generic score agrees with your ratings at {_figure(a.generic)} {scale}. "
            f"Your score follows the generic ranking: rate more photos, especially ones you disagree with.")


def adapters_sentence(agreement: Agreement, epochs: int) -> str:
    """One sentence on the trained adapters after ``train``: their agreement on ratings they did not see,
    and whether they are now the user's score."""
    rho = agreement.candidates.get("adapters", float("nan"))
    used = agreement.method == "adapters"
    return (f"Adapters ({epochs} epoch{'' if epochs == 1 else 's'} of training): {_figure(rho)} on ratings they "
            f"did not see; " + ("they are now your score." if used else "not reliably better than the score "
                                                                       "below, so not used."))
