"""The seed thesis's ResNet-18 backbone behind the same interface (random weights: none ship)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aesthetic_curator.catalog import Catalog
from aesthetic_curator.models import ResNetAesthetic, WeightsError, load_generic, resnet18_aesthetic
from aesthetic_curator.models.resnet import imagenet_weights_path
from aesthetic_curator.scoring import Scorer, score_album


def test_same_interface_as_the_shipped_model():
    torch.manual_seed(0)
    model = resnet18_aesthetic()
    x = torch.rand(2, 3, 224, 224)
    with torch.no_grad():
        feats = model.forward_features(x)
        logits = model.forward_head(feats)
    assert feats.shape == (2, 512) and logits.shape == (2, 10)
    assert torch.allclose(model(x), logits)
    # The thesis head: FC 512->1000 -> PReLU(0.25) -> Dropout -> BN, twice, then the output layer.
    assert [type(m).__name__ for m in model.head[0]] == ["Linear", "PReLU", "Dropout", "BatchNorm1d"]
    assert model.head[0][1].weight.item() == pytest.approx(0.25)


def test_missing_imagenet_weights_say_which_file_goes_where(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    expected = imagenet_weights_path()
    assert expected.is_relative_to(tmp_path)
    with pytest.raises(WeightsError) as info:
        resnet18_aesthetic(imagenet_backbone=True)
    message = str(info.value)
    assert str(expected) in message and "resnet18-f37072fd.pth" in message


def test_imagenet_backbone_loads_from_torchvisions_cache(tmp_path, monkeypatch):
    """A (random) state dict in torchvision's layout, placed where the message says, is used."""
    from torchvision.models import resnet18

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    path = imagenet_weights_path()
    path.parent.mkdir(parents=True)
    torch.manual_seed(1)
    tv = resnet18()
    torch.save(tv.state_dict(), path)
    model = resnet18_aesthetic(imagenet_backbone=True)
    assert torch.equal(model.stem[0].weight, tv.conv1.weight)
    assert torch.equal(model.layer4[1].conv2.weight, tv.layer4[1].conv2.weight)


def test_own_checkpoint_scores_an_album(tmp_path, kodak_paths):
    torch.manual_seed(0)
    ckpt = tmp_path / "my_flickr_model.pt"
    torch.save(ResNetAesthetic().state_dict(), ckpt)
    model, spec = load_generic("resnet18", ckpt)
    assert spec.model_id.startswith("resnet18-my_flickr_model:")
    scorer = Scorer(model, spec, device="cpu", batch_size=4)
    with Catalog(tmp_path / "c.sqlite3") as cat:
        report = score_album(kodak_paths[:4], cat, scorer=scorer)
    assert len(report.scores) == 4
    assert all(s.features.shape == (512,) and 1 <= s.mean <= 10 for s in report.scores)
    assert np.isfinite([s.std for s in report.scores]).all()
