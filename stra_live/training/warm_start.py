"""Start a run from another checkpoint's weights (``TrainConfig.init_weights``).

A slimmer network (fewer res-units per scale, say) keeps the names of every
layer it still has, so copying each tensor whose name and shape match hands
it everything the bigger network learned; only what is new starts random.

A network grown from a checkpoint starts where the checkpoint stopped:

* a wider layer takes the checkpoint's tensor as its leading slice, and the
  weights from its new input channels to its old output channels start at
  zero, so the old channels compute exactly what they did and the new ones
  only add once training gives them weight;
* a residual unit the checkpoint lacks starts as the identity (its last conv
  at zero), like a new layer appended to a trained network should.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn

from models.blocks import ResUnit
from models.checkpoint import load_checkpoint
from stra_live.errors import InputError

log = logging.getLogger(__name__)


def warm_start(model: nn.Module, path: Path) -> tuple[int, int]:
    """Copy ``path``'s tensors into ``model`` where names match (see the module docstring).

    Returns:
        (tensors copied whole or as a leading slice, tensors of ``model`` left
        at their initialisation).

    Raises:
        CheckpointError: the file is missing, corrupt or not a checkpoint.
        InputError: fewer than half of ``model``'s tensors fit: another
            architecture altogether, whose few coincidences would mislead.
    """
    source, _, _ = load_checkpoint(path)
    theirs = source.state_dict()
    ours = model.state_dict()
    same = {name for name, tensor in theirs.items()
            if name in ours and ours[name].shape == tensor.shape}
    grown = {name for name, tensor in theirs.items()
             if name in ours and name not in same and _fits_inside(tensor, ours[name])}
    if 2 * (len(same) + len(grown)) < len(ours):
        raise InputError(path, f"init_weights: only {len(same) + len(grown)} of the network's "
                         f"{len(ours)} tensors fit this checkpoint (another architecture)")
    transposed = _transposed_weights(model)
    with torch.no_grad():
        for name in same:
            ours[name].copy_(theirs[name])
        for name in grown:
            _copy_leading(theirs[name], ours[name], transposed=name in transposed)
        for unit_name, unit in model.named_modules():
            if isinstance(unit, ResUnit) and f"{unit_name}.conv2.weight" not in theirs:
                nn.init.zeros_(unit.conv2.weight)
                nn.init.zeros_(unit.conv2.bias)
    fresh = len(ours) - len(same) - len(grown)
    log.info("warm start from %s: %d tensors copied, %d widened, %d left at their "
             "initialisation, %d of the checkpoint unused", path, len(same), len(grown), fresh,
             len(theirs) - len(same) - len(grown))
    return len(same) + len(grown), fresh


def _fits_inside(small: torch.Tensor, big: torch.Tensor) -> bool:
    """Whether ``small`` is a leading slice's shape of ``big`` (same rank, no dim larger)."""
    return small.dim() == big.dim() and all(s <= b for s, b in zip(small.shape, big.shape,
                                                                     strict=True))


def _transposed_weights(model: nn.Module) -> set[str]:
    """Names of transposed-conv weights: their layout is (in, out, ...), not (out, in, ...)."""
    return {f"{name}.weight" for name, module in model.named_modules()
            if isinstance(module, nn.ConvTranspose2d)}


def _copy_leading(small: torch.Tensor, big: torch.Tensor, *, transposed: bool) -> None:
    """Copy ``small`` into ``big``'s leading slice; zero the new inputs of the old outputs."""
    big[tuple(slice(0, n) for n in small.shape)] = small
    if small.dim() < 2:
        return
    out_dim, in_dim = (1, 0) if transposed else (0, 1)
    index: list[slice] = [slice(None)] * big.dim()
    index[out_dim] = slice(0, small.shape[out_dim])
    index[in_dim] = slice(small.shape[in_dim], None)
    big[tuple(index)] = 0
