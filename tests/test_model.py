"""STRA network: shapes, gradients, residual output, ablation switches, input handling."""

from __future__ import annotations

import math

import pytest
import torch

from models.config import ModelConfig
from models.stra import STRA

TINY = {"channels": 4, "res_units": 1, "attention_dim": 8, "attention_scale": 8}
BINS = 5


def tiny(**changes: object) -> STRA:
    """A tiny seeded network in eval mode."""
    torch.manual_seed(0)
    return STRA(ModelConfig(**{**TINY, **changes})).eval()


def inputs(batch: int = 1, height: int = 37, width: int = 53, seed: int = 1):
    """Random frames (B, 3, H, W) in [0, 1] and voxels (B, 3, bins, H, W) of signed counts."""
    generator = torch.Generator().manual_seed(seed)
    frames = torch.rand(batch, 3, height, width, generator=generator)
    voxels = torch.randint(-4, 5, (batch, 3, BINS, height, width), generator=generator).float()
    return frames, voxels


@pytest.mark.parametrize("size", [(37, 53), (5, 3), (16, 24)])
@pytest.mark.parametrize("stem", [{}, {"stem": "space_to_depth", "stem_factor": 2}])
def test_output_and_attention_shapes_for_any_size(size, stem):
    model = tiny(**stem)
    frames, voxels = inputs(2, *size)
    with torch.no_grad():
        out, attention = model(frames, voxels, return_attention=True)
    assert out.shape == (2, 1, *size)
    padded = [math.ceil(n / model.stride) * model.stride for n in size]
    grid = (padded[0] // 8, padded[1] // 8)
    n = grid[0] * grid[1]
    assert attention.grid == grid and attention.scale == 8
    assert attention.sfb.shape == (2, n, n)
    assert attention.tmb.shape == (2, n, 2, n)


def test_attention_rows_sum_to_one_with_one_softmax_over_the_memory():
    model = tiny()
    with torch.no_grad():
        _, attention = model(*inputs(), return_attention=True)
    torch.testing.assert_close(attention.sfb.sum(-1), torch.ones(attention.sfb.shape[:2]))
    per_query = attention.tmb.sum(dim=(-1, -2))
    torch.testing.assert_close(per_query, torch.ones_like(per_query))
    # One softmax over both entries, not one per entry: an entry alone does not sum to 1.
    assert (attention.tmb[..., 0, :].sum(-1) - 1).abs().max() > 1e-3


@pytest.mark.parametrize(
    "switches",
    [
        {},
        {"use_tmb": False},
        {"use_sfb": False},
        {"use_sfb": False, "use_tmb": False},
        {"use_events": False, "use_tmb": False},
        {"use_events": False, "use_tmb": False, "use_sfb": False},
        {"stem": "space_to_depth", "stem_factor": 4},
    ],
)
def test_gradient_reaches_every_parameter(switches):
    model = tiny(**switches).train()
    frames, voxels = inputs()
    out, _ = model(frames, voxels)
    out.square().mean().backward()
    silent = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.any()]
    assert silent == []


def test_output_is_a_residual_over_the_blurry_centre():
    model = tiny()
    last_conv = model.decoder.tail[0]
    with torch.no_grad():
        last_conv.weight.zero_()
        last_conv.bias.zero_()
        frames, voxels = inputs(2)
        out, _ = model(frames, voxels)
    torch.testing.assert_close(out, frames[:, 1:2], rtol=0, atol=0)


def test_batch_items_do_not_mix():
    model = tiny()
    frames, voxels = inputs(3)
    with torch.no_grad():
        joint, attention = model(frames, voxels, return_attention=True)
        for i in range(3):
            alone, single = model(frames[i : i + 1], voxels[i : i + 1], return_attention=True)
            torch.testing.assert_close(joint[i : i + 1], alone, atol=1e-5, rtol=1e-5)
            torch.testing.assert_close(attention.tmb[i : i + 1], single.tmb, atol=1e-6, rtol=1e-5)


def test_padding_is_bottom_right_and_cropped_back():
    model = tiny()
    frames, voxels = inputs(1, 37, 53)
    padded_frames, size = model.pad(frames)
    padded_voxels, _ = model.pad(voxels)
    assert size == (37, 53) and padded_frames.shape[-2:] == (40, 56)
    with torch.no_grad():
        out, _ = model(frames, voxels)
        out_padded, _ = model(padded_frames, padded_voxels)
    torch.testing.assert_close(out, out_padded[..., :37, :53], atol=1e-6, rtol=1e-6)


def _changes_output(model: STRA, frames, voxels, changed_voxels) -> bool:
    with torch.no_grad():
        a, _ = model(frames, voxels)
        b, _ = model(frames, changed_voxels)
    return bool((a - b).abs().max() > 1e-6)


def test_full_model_uses_all_three_event_sequences():
    model = tiny()
    frames, voxels = inputs()
    for i in range(3):
        changed = voxels.clone()
        changed[:, i] = torch.randn_like(changed[:, i]) * 5
        assert _changes_output(model, frames, voxels, changed), f"sequence {i} ignored"


def test_frames_only_model_ignores_voxels():
    model = tiny(use_events=False, use_tmb=False)
    frames, voxels = inputs()
    assert not _changes_output(model, frames, voxels, voxels * 3 + 1)
    with torch.no_grad():
        _, attention = model(frames, voxels, return_attention=True)
    assert attention.sfb is not None and attention.tmb.shape[2] == 0


def test_without_tmb_the_neighbour_sequences_are_ignored():
    # Neighbouring event sequences reach the output only through the TMB memory.
    model = tiny(use_tmb=False)
    frames, voxels = inputs()
    neighbours = voxels.clone()
    neighbours[:, [0, 2]] = torch.randn_like(neighbours[:, [0, 2]]) * 5
    assert not _changes_output(model, frames, voxels, neighbours)
    current = voxels.clone()
    current[:, 1] = torch.randn_like(current[:, 1]) * 5
    assert _changes_output(model, frames, voxels, current)


def test_without_sfb_there_are_no_sfb_weights_but_the_tmb_still_acts():
    model = tiny(use_sfb=False)
    frames, voxels = inputs()
    with torch.no_grad():
        _, attention = model(frames, voxels, return_attention=True)
    assert attention.sfb is None and attention.tmb.shape[2] == 2
    changed = voxels.clone()
    changed[:, 0] = torch.randn_like(changed[:, 0]) * 5
    assert _changes_output(model, frames, voxels, changed)


def test_empty_voxels_give_finite_output():
    model = tiny()
    frames, voxels = inputs()
    with torch.no_grad():
        out, attention = model(frames, torch.zeros_like(voxels), return_attention=True)
    assert torch.isfinite(out).all() and torch.isfinite(attention.tmb).all()


def test_wrong_input_shapes_are_rejected_with_a_message():
    model = tiny()
    frames, voxels = inputs()
    with pytest.raises(ValueError, match="frames"):
        model(frames[:, :2], voxels)
    with pytest.raises(ValueError, match="voxels"):
        model(frames, voxels[:, :, :3])
