"""Stopping a network in the middle of a pass when the user cancels.

Why this exists: a cancel ``threading.Event`` polled between batches is not enough on a CPU. One training
step of a batch of 8 through the personal network takes 1-3 s on a 2-core machine (several times more while
other programs load it), and one inference batch of 32 as long, so a Cancel could wait many seconds for the
current batch to end. Within :func:`interruptible`, every layer of the network checks the event before it
runs (forward pre-hooks) and every layer's gradient checks it as the backward pass reaches it (tensor hooks),
so a cancel takes effect within one layer's compute, whatever the pass: scoring, validation or a training
step. What was half computed is simply dropped (the caller never saves anything from an unfinished pass).

The hooks act only on the thread that entered the block (a network may be shared between threads: another
thread's pass is never stopped by this block's event), and they are removed when the block ends, so the
same network used afterwards runs exactly as before. Nothing here knows about Qt, and torch is imported only
when a block starts, so :class:`Interrupted` can be caught by modules the GUI thread imports.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import nn


class Interrupted(Exception):
    """A pass of a network was stopped because its cancel event was set."""


@contextmanager
def interruptible(model: nn.Module, cancel: threading.Event | None,
                  error: Callable[[], BaseException] = Interrupted) -> Iterator[None]:
    """Within the block, a forward or backward pass of ``model`` on this thread raises ``error()`` at the
    next layer once ``cancel`` is set. ``cancel=None``: nothing to watch, the block changes nothing."""
    if cancel is None:
        yield
        return
    import torch

    me = threading.get_ident()
    active = True  # a graph built in the block may be backpropagated after it: then the hooks stay quiet

    def check() -> None:
        if active and cancel.is_set():
            raise error()

    def grad_hook(_grad: torch.Tensor) -> None:
        check()  # the autograd engine re-raises it on the thread that called backward()

    def before(_module: nn.Module, _inputs) -> None:
        if threading.get_ident() == me:
            check()

    def after(_module: nn.Module, _inputs, output) -> None:
        # A tensor hook on each layer's output fires when the backward pass reaches that layer.
        if threading.get_ident() == me and isinstance(output, torch.Tensor) and output.requires_grad:
            output.register_hook(grad_hook)

    handles = []
    try:
        for module in model.modules():
            if next(module.children(), None) is None:  # leaves: the layers that do the compute
                handles.append(module.register_forward_pre_hook(before))
                handles.append(module.register_forward_hook(after))
        yield
    finally:
        active = False
        for handle in handles:
            handle.remove()
