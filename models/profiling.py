"""Size, compute and memory figures of a network (for the benchmark and the tests)."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.utils import _pytree as pytree
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode


def count_parameters(model: nn.Module) -> int:
    """Number of scalar parameters (trainable or not)."""
    return sum(p.numel() for p in model.parameters())


def count_macs(fn: Callable[[], Any]) -> int:
    """Multiply-accumulates of convolutions and matrix products while ``fn()`` runs.

    torch's FlopCounterMode counts 2 FLOPs per multiply-accumulate; this
    returns MACs (its total / 2). Element-wise ops (activations, softmax,
    resampling) are not counted, as in the usual GFLOPs tables.
    """
    counter = FlopCounterMode(display=False)
    with counter:
        fn()
    return counter.get_total_flops() // 2


class _LiveTensorBytes(TorchDispatchMode):
    """Tracks the bytes of tensor storages created by torch ops and still alive.

    A storage is counted once however many views of it exist, and released
    when the last Python tensor referring to it dies (PyTorch keeps a tensor's
    Python object alive while C++ still holds the tensor, so the release is
    not early).
    """

    def __init__(self) -> None:
        super().__init__()
        self.live: dict[int, list[int]] = {}
        self.current = 0
        self.peak = 0

    def __torch_dispatch__(
        self,
        func: Any,
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        out = func(*args, **(kwargs or {}))
        for leaf in pytree.tree_leaves(out):
            if isinstance(leaf, torch.Tensor):
                self._track(leaf)
        return out

    def _track(self, tensor: torch.Tensor) -> None:
        storage = tensor.untyped_storage()
        key = storage.data_ptr()
        if key == 0:
            return
        entry = self.live.get(key)
        if entry is None:
            entry = self.live[key] = [storage.nbytes(), 0]
            self.current += entry[0]
            self.peak = max(self.peak, self.current)
        entry[1] += 1
        weakref.finalize(tensor, self._release, key)

    def _release(self, key: int) -> None:
        entry = self.live.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] == 0:
            self.current -= entry[0]
            del self.live[key]


def peak_activation_bytes(fn: Callable[[], Any]) -> int:
    """Peak bytes of tensors created (and not yet freed) while ``fn()`` runs.

    Parameters and the inputs that exist before the call are not counted, nor
    are allocator workspaces hidden inside kernels; what ``fn`` returns is
    counted while alive. Run it under ``torch.inference_mode()`` to measure
    inference (no autograd graph keeping activations alive).
    """
    tracker = _LiveTensorBytes()
    with tracker:
        result = fn()
    del result
    return tracker.peak
