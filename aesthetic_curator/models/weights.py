"""Weights descriptions, free of torch so that answering from the catalog never imports it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError


class WeightsError(UserError, RuntimeError):
    """A weights file is missing, damaged or does not belong to the network asked for."""


@dataclass(frozen=True)
class WeightsSpec:
    """A weights file and everything needed to use it correctly.

    ``resample`` is the PIL filter used to bring a photo to ``input_size`` (the one the model was
    trained with, or the one we chose knowingly: see the model card). ``sha256`` is checked before
    loading, so a swapped or corrupted file is refused rather than silently scoring differently.
    """

    name: str
    filename: str
    sha256: str
    input_size: int = 224
    resample: str = "nearest"
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def model_id(self) -> str:
        """Identity of the scores this network produces, used as the catalog's cache key.

        It changes when the weights or the preprocessing change, so stale cached scores are never
        mixed with new ones.
        """
        return f"{self.name}:{self.sha256[:12]}:{self.resample}{self.input_size}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: The shipped generic model: idealo's NIMA MobileNet-v1 trained on AVA, converted by
#: ``convert_nima``. See ``models/nima_mobilenet_ava.md`` for the card.
NIMA_MOBILENET_AVA = WeightsSpec(
    name="nima-mobilenet-ava",
    filename="nima_mobilenet_ava.pt",
    sha256="726a84dad13d3fca4cc315b10dab5fb138e8c052e722ac5078e64637c7b383b8",
    input_size=224,
    resample="nearest",
    meta={
        "origin": "idealo/image-quality-assessment weights_mobilenet_aesthetic_0.07.hdf5 (Apache-2.0)",
        "ava_srcc": 0.609,
        "ava_lcc": 0.626,
        "ava_emd": 0.071,
    },
)
