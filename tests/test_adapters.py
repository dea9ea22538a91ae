"""Residual adapters and the personal network: an untrained personal network is the generic one,
only the user's tensors train, and what a profile holds restores the network exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from aesthetic_curator.imaging import load_photo, network_array
from aesthetic_curator.models import ResNetAesthetic, load_generic
from aesthetic_curator.personal.adapters import (
    PersonalNet,
    ResidualAdapter,
    load_personal_state,
    parameter_report,
    personal_state_dict,
)


@pytest.fixture(scope="module")
def kodak_batch(kodak_paths):
    """Four real photos as the scan feeds them to the network: 224x224, nearest, RGB in [0, 1]."""
    arrays = [network_array(load_photo(p), 224, "nearest") for p in kodak_paths[:4]]
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).float().div(255.0).contiguous()


@pytest.fixture(scope="module")
def random_resnet():
    """ResNet-18 with random weights and non-trivial BatchNorm statistics (no download)."""
    torch.manual_seed(0)
    model = ResNetAesthetic()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
    return model.eval()


def _outputs(model, x):
    model.eval()
    with torch.no_grad():
        return model.predict(x)


def _max_diff(a, b) -> float:
    return max(float((u.float() - v.float()).abs().max()) for u, v in zip(a, b, strict=True))


def _three_by_three(model: nn.Module) -> dict[str, nn.Conv2d]:
    return {n: m for n, m in model.named_modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)}


# -- (a) untrained personal network == generic network -------------------------------------------------------
def test_untrained_personal_network_is_the_shipped_model(kodak_batch):
    base, _ = load_generic()
    generic = _outputs(base, kodak_batch)
    personal = _outputs(PersonalNet(base), kodak_batch)
    assert _max_diff(generic, personal) <= 1e-6
    probs, mean, std, features = personal
    assert probs.shape == (4, 10) and mean.shape == std.shape == (4,) and features.shape == (4, 1024)
    assert float(mean.std()) > 0.05  # real, different photos: the comparison is not between constants


def test_untrained_personal_network_is_a_resnet18(random_resnet, kodak_batch):
    generic = _outputs(random_resnet, kodak_batch)
    personal = _outputs(PersonalNet(random_resnet), kodak_batch)
    assert _max_diff(generic, personal) <= 1e-6
    assert personal[3].shape == (4, 512)


def test_adapters_are_in_the_forward_path(kodak_batch):
    """The equality above is not vacuous: a non-zero adapter changes the output."""
    base, _ = load_generic()
    pn = PersonalNet(base)
    with torch.no_grad():
        pn.adapter_parameters()[3].normal_(0, 0.1)
    assert _max_diff(_outputs(base, kodak_batch), _outputs(pn, kodak_batch)) > 1e-3


# -- (b) one adapter beside every 3x3 convolution ------------------------------------------------------------
@pytest.mark.parametrize("arch", ["mobilenet", "resnet18"])
def test_every_3x3_convolution_gets_a_matching_zero_adapter(arch, random_resnet):
    base = load_generic()[0] if arch == "mobilenet" else random_resnet
    convs = _three_by_three(base)
    assert len(convs) == (14 if arch == "mobilenet" else 16)
    pn = PersonalNet(base)
    assert sorted(pn.adapter_names) == sorted(convs)
    depthwise = 0
    for name, conv in convs.items():
        wrapped = pn.net.get_submodule(name)
        assert isinstance(wrapped, ResidualAdapter), name
        assert torch.equal(wrapped.conv.weight, conv.weight)
        a = wrapped.adapter
        assert a.kernel_size == (1, 1) and a.padding == (0, 0) and a.bias is None
        assert (a.in_channels, a.out_channels) == (conv.in_channels, conv.out_channels)
        assert a.stride == conv.stride and a.groups == conv.groups
        assert not a.weight.any(), f"adapter {name} is not zero at init"
        if conv.groups > 1:
            depthwise += 1
            assert conv.groups == conv.in_channels and a.weight.shape == (conv.out_channels, 1, 1, 1)
    assert depthwise == (13 if arch == "mobilenet" else 0)
    # Nothing else was wrapped: 1x1 and 7x7 convolutions stay plain.
    wrapped_count = sum(isinstance(m, ResidualAdapter) for m in pn.modules())
    assert wrapped_count == len(convs)
    others = [m for m in pn.net.modules() if isinstance(m, nn.Conv2d) and m.kernel_size != (1, 1)
              and m.kernel_size != (3, 3)]
    assert all(m.kernel_size == (7, 7) for m in others)


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("size", [7, 8])
@pytest.mark.parametrize("groups", [1, 4])
def test_adapter_sees_the_centre_of_the_3x3_window(stride, size, groups):
    """A 3x3 conv with only its centre tap equals a 1x1 conv: the adapter is aligned with it at every
    stride and input size, so its output adds to the right pixels."""
    conv = nn.Conv2d(4, 8, 3, stride=stride, padding=1, groups=groups, bias=False)
    block = ResidualAdapter(conv)
    torch.manual_seed(stride * 100 + size + groups)
    centre = torch.randn(8, 4 // groups, 1, 1)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[:, :, 1:2, 1:2] = centre
        block.adapter.weight.copy_(centre)
    x = torch.randn(2, 4, size, size)
    with torch.no_grad():
        assert torch.allclose(block.conv(x), block.adapter(x), atol=1e-6)
        assert torch.allclose(block(x), 2 * conv(x), atol=1e-6)


def test_adapters_only_go_beside_padded_3x3_convolutions():
    for conv in (nn.Conv2d(3, 3, 1), nn.Conv2d(3, 3, 3, padding=0), nn.Conv2d(3, 3, 3, padding=2, dilation=2)):
        with pytest.raises(ValueError, match="3x3"):
            ResidualAdapter(conv)


# -- (c) only personal parameters train; the generic network is never touched --------------------------------
def test_only_personal_parameters_train_and_the_base_is_untouched(kodak_batch):
    base, _ = load_generic()
    before = {k: v.clone() for k, v in base.state_dict().items()}
    base_grad_flags = {n: p.requires_grad for n, p in base.named_parameters()}
    pn = PersonalNet(base)

    personal = {n for n, _ in pn.personal_named_parameters()}
    trainable = {n for n, p in pn.named_parameters() if p.requires_grad}
    assert trainable == personal
    assert {"scale", "shift", "net.head.weight", "net.head.bias"} <= personal
    assert any(".adapter." in n for n in personal) and any(n.endswith(".1.weight") for n in personal)  # BN affine
    frozen = {n for n, _ in pn.named_parameters()} - personal
    assert frozen and all(n.endswith("weight") for n in frozen)
    bn_stats = {k: v.clone() for k, v in pn.state_dict().items() if "running_" in k}

    optimiser = torch.optim.Adam(pn.personal_parameters(), lr=1e-2)
    pn.train()
    assert all(not m.training for m in pn.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm))
    for _ in range(2):
        loss = ((pn.predict(kodak_batch)[1] - torch.tensor([1.0, 5.0, 2.0, 4.0])) ** 2).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()

    # The base passed in: same values, same requires_grad flags, nothing new in it.
    after = base.state_dict()
    assert after.keys() == before.keys()
    assert all(torch.equal(after[k], before[k]) for k in before)
    assert {n: p.requires_grad for n, p in base.named_parameters()} == base_grad_flags
    assert not any(isinstance(m, ResidualAdapter) for m in base.modules())
    # Inside the personal network: frozen weights kept the generic values and got no gradient,
    # BatchNorm statistics stayed the generic ones, and the personal tensors did move.
    own = dict(pn.named_parameters())
    base_params = dict(base.named_parameters())
    for name in frozen:
        key = name.removeprefix("net.").replace(".conv.weight", ".weight")
        assert torch.equal(own[name], base_params[key]), name
        assert own[name].grad is None
        assert own[name].data_ptr() != base_params[key].data_ptr()  # a copy: the generic model stays usable
    assert all(torch.equal(pn.state_dict()[k], v) for k, v in bn_stats.items())
    assert any(p.any() for p in pn.adapter_parameters())
    assert _max_diff(_outputs(base, kodak_batch), _outputs(pn, kodak_batch)) > 1e-4


# -- (d) what a profile holds restores the network exactly ---------------------------------------------------
def _perturbed(base, seed: int) -> PersonalNet:
    pn = PersonalNet(base)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in pn.personal_parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=gen))
    return pn


def test_personal_state_round_trip(kodak_batch):
    base, _ = load_generic()
    trained = _perturbed(base, 1)
    state = personal_state_dict(trained)
    assert set(state) == {n for n, _ in trained.personal_named_parameters()}
    assert all(not t.requires_grad and t.device.type == "cpu" for t in state.values())
    assert sum(t.numel() for t in state.values()) == parameter_report(trained)["per_user_total"]
    expected = _outputs(trained, kodak_batch)

    restored = PersonalNet(base)
    load_personal_state(restored, state)
    got = _outputs(restored, kodak_batch)
    assert all(torch.equal(a, b) for a, b in zip(expected, got, strict=True))
    # The state is a copy: training the network further does not change what was saved.
    with torch.no_grad():
        trained.shift.add_(1.0)
    assert torch.equal(state["shift"], restored.shift.detach())


def test_personal_state_that_does_not_fit_is_refused(random_resnet):
    base, _ = load_generic()
    state = personal_state_dict(_perturbed(base, 2))
    pn = PersonalNet(base)
    missing = dict(state)
    del missing["net.head.weight"]
    with pytest.raises(ValueError, match=r"net\.head\.weight"):
        load_personal_state(pn, missing)
    with pytest.raises(ValueError, match="unexpected"):
        load_personal_state(pn, {**state, "net.extra.adapter.weight": torch.zeros(1)})
    wrong = dict(state, **{"net.head.weight": torch.zeros(10, 512)})
    with pytest.raises(ValueError, match=r"net\.head\.weight.*\(10, 512\).*\(10, 1024\)"):
        load_personal_state(pn, wrong)
    resnet_state = personal_state_dict(PersonalNet(random_resnet))
    with pytest.raises(ValueError):
        load_personal_state(pn, resnet_state)


# -- (e) the size of what one user owns ----------------------------------------------------------------------
def test_parameter_report_resnet18(random_resnet):
    report = parameter_report(PersonalNet(random_resnet))
    generic = sum(p.numel() for p in random_resnet.parameters())
    assert report["generic_network"] == generic
    assert 0.08 <= report["adapters"] / generic <= 0.12
    # A 1x1 adapter has a ninth of its 3x3 convolution's weights.
    assert report["adapters"] * 9 == sum(c.weight.numel() for c in _three_by_three(random_resnet).values())
    assert report["calibration"] == 2
    assert report["per_user_total"] == sum(report[k] for k in ("adapters", "batchnorm", "head", "calibration"))


def test_parameter_report_mobilenet():
    base, _ = load_generic()
    report = parameter_report(PersonalNet(base))
    assert report["generic_network"] == sum(p.numel() for p in base.parameters())
    # Depthwise 3x3 convolutions get depthwise 1x1 adapters: one weight per channel.
    assert report["adapters"] == sum(c.out_channels * c.in_channels // c.groups
                                     for c in _three_by_three(base).values())
    assert report["head"] == 1024 * 10 + 10
    assert report["per_user_total"] < 0.02 * report["generic_network"]
