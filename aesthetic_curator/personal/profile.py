"""Profile files: one small file per user, holding only what is theirs.

A profile holds the user's personal tensors (adapters, BatchNorm affine parameters, head,
calibration), the PAM offsets model, and the identity (model id and sha256) of the generic
network they belong to. It is written atomically (temporary file, fsync, rename), so a crash
or a cancelled training never leaves a half-written profile, and the previous one stays until
the new one is complete. It is read with ``torch.load(weights_only=True)``: a profile received
from someone else can hold tensors and plain values, never code.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..atomic import atomic_file
from ..errors import ProfileError
from ..models.weights import WeightsSpec
from .profile_files import ENV_VAR, profile_path, profiles_dir

FORMAT = "aesthetic-curator-profile"
VERSION = 1

__all__ = [
    "ENV_VAR",
    "FORMAT",
    "VERSION",
    "Profile",
    "ProfileError",
    "load_profile",
    "profile_path",
    "profiles_dir",
    "save_profile",
]


@dataclass
class Profile:
    user: str
    base_model_id: str
    base_sha256: str
    personal_state: dict[str, torch.Tensor] | None = None  # None until adapters are trained
    pam_state: dict[str, Any] | None = None
    n_ratings: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    updated: float = field(default_factory=time.time)
    #: The adapters' out-of-fold prediction (stars) of each rated photo they were trained on, by photo id:
    #: what lets the choice of the user's score (see taste.py) judge them on ratings they did not see.
    oof: dict[int, float] = field(default_factory=dict)

    def to_file_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": VERSION, "user": self.user,
            "base_model_id": self.base_model_id, "base_sha256": self.base_sha256,
            "personal_state": self.personal_state, "pam_state": self.pam_state,
            "n_ratings": int(self.n_ratings), "metrics": {k: float(v) for k, v in self.metrics.items()},
            "updated": float(self.updated),
            "oof_photo_ids": torch.tensor(list(self.oof), dtype=torch.int64),
            "oof_stars": torch.tensor(list(self.oof.values()), dtype=torch.float64),
        }


def save_profile(profile: Profile, path: Path) -> None:
    """Write atomically: a temporary file in the same folder, flushed to disk, then renamed."""
    with atomic_file(path) as fh:
        torch.save(profile.to_file_dict(), fh)


def load_profile(path: Path, base: WeightsSpec | None = None) -> Profile:
    """Read a profile safely; refuse it with a clear message when it is damaged, is not a
    profile, or belongs to another generic model than ``base``."""
    path = Path(path)
    if not path.is_file():
        raise ProfileError(f"no profile at {path}")
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated zip, pickle refusing a global, bad magic
        raise ProfileError(f"profile {path} is damaged or unsafe and was not loaded: {exc}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ProfileError(f"{path} is not an Aesthetic Curator profile")
    version = raw.get("version", 0)
    if not isinstance(version, int):
        raise ProfileError(f"profile {path} is damaged: its format version is {version!r}")
    if version > VERSION:
        raise ProfileError(f"profile {path} was written by a newer release (format {raw['version']})")
    if base is not None and raw.get("base_sha256") != base.sha256:
        raise ProfileError(
            f"profile {path} was trained on generic model {raw.get('base_model_id')!r}, not on "
            f"{base.model_id!r}: its adapters would not fit; retrain it on this model"
        )
    state = raw.get("personal_state")
    if state is not None and not (isinstance(state, dict)
                                  and all(isinstance(v, torch.Tensor) for v in state.values())):
        raise ProfileError(f"profile {path} holds a malformed personal state")
    try:
        return Profile(
            user=_text(raw["user"]), base_model_id=_text(raw["base_model_id"]),
            base_sha256=_text(raw["base_sha256"]), personal_state=state, pam_state=raw.get("pam_state"),
            n_ratings=int(raw.get("n_ratings", 0)),
            metrics={str(k): float(v) for k, v in raw.get("metrics", {}).items()},
            updated=float(raw.get("updated", 0.0)),
            oof=_oof(raw),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProfileError(f"profile {path} is damaged: a field is missing or malformed ({exc!r})") from None


def _oof(raw: dict) -> dict[int, float]:
    ids, stars = raw.get("oof_photo_ids"), raw.get("oof_stars")
    if ids is None and stars is None:  # profiles written before out-of-fold predictions were kept
        return {}
    if not (isinstance(ids, torch.Tensor) and isinstance(stars, torch.Tensor) and ids.shape == stars.shape
            and ids.ndim == 1):
        raise ValueError("out-of-fold predictions are malformed")
    return dict(zip(ids.tolist(), stars.tolist(), strict=True))


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value
