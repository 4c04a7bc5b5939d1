"""Warm start: a slimmer network inherits every tensor it shares with a checkpoint."""

from __future__ import annotations

import dataclasses
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


DETAIL = ModelConfig(channels=4, res_units=1, attention_dim=8, stem="space_to_depth",
                     stem_factor=4, detail_channels=2, attention="cosine",
                     representation=InputRepresentation(kind="voxel_edi", bins=3,
                                                        edi_contrasts=(0.18, 0.3)))
DETAIL_GROWN = dataclasses.replace(DETAIL, detail_channels=5, detail_units=2)


def grow(small_config: ModelConfig, grown_config: ModelConfig,
         tmp_path: Path) -> tuple[STRA, int, torch.Tensor, torch.Tensor]:
    """The network of ``grown_config`` warm-started from a "trained" one of
    ``small_config``, the tensors left fresh, and the outputs of both on the same random
    input (the small one sees its leading event channels)."""
    torch.manual_seed(0)
    small = STRA(small_config)
    # Trained weights are not zero where a fresh detail level's last conv is.
    torch.nn.init.normal_(small.detail.tail[0].weight, std=0.1)
    save_checkpoint(tmp_path / "small.safetensors", small, small_config)
    grown = STRA(grown_config)
    _, fresh = warm_start(grown, tmp_path / "small.safetensors")
    frames = torch.rand(1, 3, 32, 48)
    events = torch.rand(1, 3, grown_config.representation.channels, 32, 48)
    with torch.no_grad():
        before, _ = small.eval()(frames, events[:, :, :small_config.representation.channels])
    after, _ = grown.eval()(frames, events)
    return grown, fresh, before, after


def test_a_grown_detail_level_starts_where_the_checkpoint_stopped(tmp_path: Path) -> None:
    grown, fresh, before, after = grow(DETAIL, DETAIL_GROWN, tmp_path)
    assert fresh == 4  # the new res-unit's two convs, weight and bias
    assert torch.allclose(before, after, atol=1e-6)
    # ...and what was added can learn: the zeroed weights from the new channels get gradient.
    after.square().mean().backward()
    assert grown.detail.tail[0].weight.grad[:, 2:].abs().sum() > 0
    assert grown.detail.block[1].conv2.weight.grad.abs().sum() > 0


def test_step_edi_channels_added_to_a_ramped_input_start_at_no_effect(tmp_path: Path) -> None:
    # Growing a ramped-EDI network by step-model EDI channels appends input channels to
    # the event stem and the detail level's image skip: both must start ignoring them.
    ramped = dataclasses.replace(DETAIL, representation=InputRepresentation(
        kind="voxel_edi", bins=3, edi_contrasts=(0.18, 0.3), edi_ramp_us=4000))
    both = dataclasses.replace(ramped, representation=dataclasses.replace(
        ramped.representation, step_edi_contrasts=(0.18, 0.3)))
    _, fresh, before, after = grow(ramped, both, tmp_path)
    assert fresh == 0
    assert torch.allclose(before, after, atol=1e-6)


def test_voxel_bins_added_to_a_detail_level_start_at_no_effect_and_can_learn(
        tmp_path: Path) -> None:
    # The voxel channels are appended after the EDI images in the detail skip's input,
    # so the grown network's old outputs must be exact and only the new inputs fresh.
    with_voxels = dataclasses.replace(DETAIL, detail_events=True)
    grown, fresh, before, after = grow(DETAIL, with_voxels, tmp_path)
    assert fresh == 0
    assert torch.allclose(before, after, atol=1e-6)
    after.square().mean().backward()
    skip = grown.detail.skip[1].weight  # (out, 4 * (1 + 2 EDI + 3 bins), 3, 3)
    assert skip.grad[:, 4 * 3:].abs().sum() > 0


def test_a_pixel_gate_added_to_a_trained_network_starts_at_its_output_and_can_learn(
        tmp_path: Path) -> None:
    gated = dataclasses.replace(DETAIL, gate_channels=3)
    grown, fresh, before, after = grow(DETAIL, gated, tmp_path)
    assert fresh == 8  # the gate's three convs and its frame map, weight and bias
    assert torch.allclose(before, after, atol=1e-6)
    after.square().mean().backward()
    assert grown.gate.out.weight.grad.abs().sum() > 0
