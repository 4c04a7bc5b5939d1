"""Warm start: a slimmer network inherits every tensor it shares with a checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from models.checkpoint import save_checkpoint
from models.config import ModelConfig
from models.representation import InputRepresentation
from models.stra import STRA
from stra_live.errors import CheckpointError, InputError
from stra_live.training.warm_start import warm_start

FULL = ModelConfig(channels=4, res_units=1, encoder_units=2, attention_dim=8,
                   representation=InputRepresentation(bins=3))
SLIM = ModelConfig(channels=4, res_units=1, encoder_units=1, attention_dim=8,
                   representation=InputRepresentation(bins=3))


def test_slim_network_takes_every_shared_tensor(tmp_path: Path) -> None:
    torch.manual_seed(0)
    full = STRA(FULL)
    save_checkpoint(tmp_path / "full.safetensors", full, FULL)
    torch.manual_seed(1)
    slim = STRA(SLIM)
    copied, fresh = warm_start(slim, tmp_path / "full.safetensors")
    theirs = full.state_dict()
    assert fresh == 0 and copied == len(slim.state_dict()) < len(theirs)
    for name, tensor in slim.state_dict().items():
        assert torch.equal(tensor, theirs[name]), name
    # The second res-unit of each encoder scale is what the slim network lacks.
    assert "frame_encoder.blocks.0.1.conv1.weight" in theirs
    assert "frame_encoder.blocks.0.1.conv1.weight" not in slim.state_dict()


def test_a_checkpoint_with_nothing_in_common_is_named(tmp_path: Path) -> None:
    save_file({"0.weight": torch.zeros(1, 1, 1, 1)}, str(tmp_path / "foreign.safetensors"))
    with pytest.raises(CheckpointError, match=r"foreign\.safetensors"):
        warm_start(STRA(SLIM), tmp_path / "foreign.safetensors")


def test_another_architecture_with_no_fitting_tensor_is_refused(tmp_path: Path) -> None:
    wide = ModelConfig(channels=6, res_units=1, attention_dim=10,
                       representation=InputRepresentation(bins=4))
    save_checkpoint(tmp_path / "wide.safetensors", STRA(wide), wide)
    slim = STRA(SLIM)
    before = {k: v.clone() for k, v in slim.state_dict().items()}
    with pytest.raises(InputError, match="tensors fit"):
        warm_start(slim, tmp_path / "wide.safetensors")
    assert all(torch.equal(before[k], v) for k, v in slim.state_dict().items())
