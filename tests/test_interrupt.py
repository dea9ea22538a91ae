"""A Cancel stops a network within one layer, in a forward or a backward pass, and leaves no trace on it.

The cancel is set from inside the network at a known layer (a hook of the test's own, standing for the
user's click at that instant), so what is checked is where the pass stopped, never how long it took.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from aesthetic_curator.catalog import Catalog
from aesthetic_curator.interrupt import Interrupted, interruptible
from aesthetic_curator.models import load_generic
from aesthetic_curator.personal.adapters import PersonalNet
from aesthetic_curator.personal.training import TrainingCancelled
from aesthetic_curator.scoring import Scorer, score_album


@pytest.fixture(scope="module")
def net() -> PersonalNet:
    torch.manual_seed(0)
    model = PersonalNet(load_generic()[0])
    with torch.no_grad():  # adapters away from zero, so their gradients are not trivially zero
        for p in model.adapter_parameters():
            p.normal_(0, 0.01)
    return model


def leaves(model: torch.nn.Module) -> list[torch.nn.Module]:
    return [m for m in model.modules() if next(m.children(), None) is None]


def no_hooks(model: torch.nn.Module) -> bool:
    return all(not m._forward_pre_hooks and not m._forward_hooks for m in model.modules())


def ran_layers(model: torch.nn.Module) -> tuple[list[int], list]:
    """Indices of the leaves that ran, recorded by hooks of the test's own (removed by the caller)."""
    ran: list[int] = []
    handles = [m.register_forward_hook(lambda *_, i=i: ran.append(i)) for i, m in enumerate(leaves(model))]
    return ran, handles


def test_a_cancel_mid_forward_stops_at_the_next_layer_and_the_network_is_unchanged_after(net):
    x = torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    net.eval()
    with torch.inference_mode():
        expected = net.predict(x)[1]
    layers = leaves(net)
    middle = len(layers) // 2
    cancel = threading.Event()
    ran, handles = ran_layers(net)
    click = layers[middle].register_forward_hook(lambda *_: cancel.set())  # the user clicks as it computes
    try:
        with pytest.raises(TrainingCancelled), interruptible(net, cancel, TrainingCancelled), torch.inference_mode():
            net.predict(x)
    finally:
        click.remove()
        for h in handles:
            h.remove()
    assert ran and ran[-1] == middle and middle not in ran[:-1], "layers ran after the cancel"

    assert no_hooks(net)  # the block's hooks are gone: the same network runs as before, event still set
    with torch.inference_mode():
        assert torch.equal(net.predict(x)[1], expected)
    assert cancel.is_set()


def test_a_cancel_mid_backward_stops_the_pass_before_it_reaches_the_first_layers(net):
    x = torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(2))
    net.train()
    net.zero_grad(set_to_none=True)
    with torch.random.fork_rng():  # the same dropout both times
        torch.manual_seed(0)
        net.predict(x)[1].sum().backward()
    expected = {n: p.grad.clone() for n, p in net.personal_named_parameters() if p.grad is not None}
    net.zero_grad(set_to_none=True)

    cancel = threading.Event()
    with interruptible(net, cancel, TrainingCancelled), torch.random.fork_rng():  # not set: the same step
        torch.manual_seed(0)
        net.predict(x)[1].sum().backward()
    got = {n: p.grad for n, p in net.personal_named_parameters() if p.grad is not None}
    assert got.keys() == expected.keys() and all(torch.allclose(got[n], expected[n]) for n in got)
    net.zero_grad(set_to_none=True)

    first_adapter = next(p for p in net.adapter_parameters())
    layers = leaves(net)
    clicked = layers[len(layers) // 2]
    with pytest.raises(TrainingCancelled), interruptible(net, cancel, TrainingCancelled):
        out = []
        click = clicked.register_forward_hook(
            lambda _m, _i, o: out.append(o.register_hook(lambda g: cancel.set())))
        try:
            loss = net.predict(x)[1].sum()
        finally:
            click.remove()
        loss.backward()  # the click comes when the backward pass reaches the middle layer
    assert first_adapter.grad is None, "the backward pass went on past the cancel"
    assert no_hooks(net)
    net.zero_grad(set_to_none=True)
    net.predict(x)[1].sum().backward()  # afterwards, with the event still set, a step runs in full
    assert first_adapter.grad is not None
    net.zero_grad(set_to_none=True)
    net.eval()


def test_another_threads_pass_is_not_stopped_by_this_blocks_event(net):
    """A network may be shared (the app's scorer): the block stops only its own thread's passes."""
    x = torch.rand(1, 3, 224, 224)
    cancel = threading.Event()
    cancel.set()
    outcome: list = []
    net.eval()
    with interruptible(net, cancel):
        thread = threading.Thread(target=lambda: outcome.append(net.predict(x)[1]))
        thread.start()
        thread.join()
        with pytest.raises(Interrupted), torch.inference_mode():
            net.predict(x)
    assert len(outcome) == 1 and no_hooks(net)


def test_a_scan_cancelled_mid_batch_stores_nothing_of_it_and_resumes(kodak_paths, tmp_path):
    scorer = Scorer.generic(device="cpu", batch_size=4)
    layers = leaves(scorer.model)
    cancel = threading.Event()
    click = layers[len(layers) // 3].register_forward_hook(lambda *_: cancel.set())
    try:
        with Catalog(tmp_path / "c.sqlite3") as cat:
            report = score_album(kodak_paths[:6], cat, scorer=scorer, cancel=cancel, decode_workers=1)
            assert report.cancelled and report.inferred == 0
            assert cat.score_count(scorer.spec.model_id) == 0
            click.remove()
            assert no_hooks(scorer.model)
            resumed = score_album(kodak_paths[:6], cat, scorer=scorer)
    finally:
        click.remove()
    assert resumed.inferred == 6 and not resumed.cancelled
    assert np.isfinite([s.mean for s in resumed.scores]).all()
