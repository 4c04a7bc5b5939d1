"""Start a run from another checkpoint's weights (``TrainConfig.init_weights``).

A slimmer network (fewer res-units per scale, say) keeps the names of every
layer it still has, so copying each tensor whose name and shape match hands
it everything the bigger network learned; only what is new starts random.
"""

from __future__ import annotations

import logging
from pathlib import Path

from torch import nn

from models.checkpoint import load_checkpoint
from stra_live.errors import InputError

log = logging.getLogger(__name__)


def warm_start(model: nn.Module, path: Path) -> tuple[int, int]:
    """Copy ``path``'s tensors into ``model`` where name and shape match.

    Returns:
        (tensors copied, tensors of ``model`` left at their initialisation).

    Raises:
        CheckpointError: the file is missing, corrupt or not a checkpoint.
        InputError: fewer than half of ``model``'s tensors fit: another
            architecture altogether, whose few coincidences would mislead.
    """
    source, _, _ = load_checkpoint(path)
    theirs = source.state_dict()
    ours = model.state_dict()
    fitting = {name: tensor for name, tensor in theirs.items()
               if name in ours and ours[name].shape == tensor.shape}
    if 2 * len(fitting) < len(ours):
        raise InputError(path, f"init_weights: only {len(fitting)} of the network's {len(ours)} "
                         "tensors fit this checkpoint (another architecture)")
    model.load_state_dict(fitting, strict=False)
    fresh = len(ours) - len(fitting)
    log.info("warm start from %s: %d tensors copied, %d left at their initialisation, "
             "%d of the checkpoint unused", path, len(fitting), fresh, len(theirs) - len(fitting))
    return len(fitting), fresh
