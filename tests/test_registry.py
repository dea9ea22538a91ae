"""The generic model registry: names, default, shipped weights and lazy builders agree, and torch stays out."""

from __future__ import annotations

import subprocess
import sys

import pytest

from aesthetic_curator import models
from aesthetic_curator.models import registry


def test_the_shipped_models_are_registered_with_their_weights():
    assert models.GENERIC_MODELS == tuple(models.list_models()) == ("nima-mobilenet", "resnet18")
    assert models.DEFAULT_MODEL == "nima-mobilenet"
    assert models.DEFAULT_WEIGHTS is models.get_model_weights("nima-mobilenet") is models.NIMA_MOBILENET_AVA
    assert models.get_model_weights("resnet18") is None  # bring a checkpoint
    assert models.get_model_entry("resnet18").summary.startswith("ResNet-18")


def test_listing_the_models_does_not_import_torch():
    code = ("import sys; from aesthetic_curator.models import GENERIC_MODELS, DEFAULT_WEIGHTS; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_get_model_builds_the_registered_architecture():
    net = models.get_model("resnet18", weights=None)
    assert isinstance(net, models.ResNetAesthetic) and not net.training


def test_unknown_names_and_double_registrations_are_refused(monkeypatch):
    with pytest.raises(ValueError, match="choose from nima-mobilenet, resnet18"):
        models.load_generic("vgg")
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))
    with pytest.raises(ValueError, match="already registered"):
        registry.register_model("resnet18")(lambda **kw: None)
    with pytest.raises(ValueError, match="needs shipped weights"):
        registry.register_model("another", default=True)(lambda **kw: None)


def test_a_registered_builder_is_what_load_generic_uses(monkeypatch):
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))
    built: list[object] = []

    @registry.register_model("tiny-resnet")
    def tiny(*, weights=None, **kwargs):
        """A ResNet-18 aesthetic network, as a plug-in would register one."""
        built.append(weights)
        return models.resnet18_aesthetic(weights=weights, **kwargs)

    assert "tiny-resnet" in models.list_models()
    with pytest.raises(models.WeightsError, match="no shipped weights"):
        models.load_generic("tiny-resnet")
    assert built == []
