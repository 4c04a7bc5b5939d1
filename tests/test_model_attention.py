"""SFB and TMB against slow per-cell references (row-major cell index, one joint softmax)."""

from __future__ import annotations

import math

import torch

from models.attention import SpatialFusionBlock, TemporalMemoryBlock

D, H, W = 3, 2, 3  # a non-square grid catches swapped axes


def pointwise(conv: torch.nn.Conv2d, x: torch.Tensor, y: int, x_: int) -> torch.Tensor:
    """A 1x1 conv at one cell of a (1, C, H, W) map, by hand: (C_out,)."""
    return conv.weight[:, :, 0, 0] @ x[0, :, y, x_] + conv.bias


def cells() -> list[tuple[int, int]]:
    return [(gy, gx) for gy in range(H) for gx in range(W)]


def test_sfb_matches_a_per_cell_reference() -> None:
    torch.manual_seed(0)
    block = SpatialFusionBlock(D)
    events, frames = torch.randn(1, D, H, W), torch.randn(1, D, H, W)
    with torch.no_grad():
        fused, weights = block(events, frames)
        for q, (gy, gx) in enumerate(cells()):
            query = pointwise(block.theta, events, gy, gx)
            scores = torch.stack(
                [query @ pointwise(block.phi, frames, ky, kx) / math.sqrt(D) for ky, kx in cells()]
            )
            expected = torch.softmax(scores, dim=0)
            torch.testing.assert_close(weights[0, q], expected)
            read = sum(
                w * pointwise(block.g, frames, ky, kx)
                for w, (ky, kx) in zip(expected, cells(), strict=True)
            )
            out = events[0, :, gy, gx] + block.out.weight[:, :, 0, 0] @ read + block.out.bias
            torch.testing.assert_close(fused[0, :, gy, gx], out)


def test_tmb_matches_a_per_cell_reference_with_one_softmax_over_all_entries() -> None:
    torch.manual_seed(1)
    block = TemporalMemoryBlock(D)
    current, past, future = (torch.randn(1, D, H, W) for _ in range(3))
    with torch.no_grad():
        entries = [block.memory_entry(past, "past"), block.memory_entry(future, "future")]
        read_out, weights = block(current, entries)
        assert weights.shape == (1, H * W, 2, H * W)
        keys, values = [], []
        for conv, source in ((block.specific["past"], past), (block.specific["future"], future)):
            for ky, kx in cells():
                kv = pointwise(conv, source, ky, kx)
                keys.append(kv[:D])
                values.append(kv[D:])
        for q, (gy, gx) in enumerate(cells()):
            query = pointwise(block.query, current, gy, gx)
            expected = torch.softmax(torch.stack([query @ k for k in keys]) / math.sqrt(D), 0)
            torch.testing.assert_close(weights[0, q].reshape(-1), expected)
            read = sum(w * v for w, v in zip(expected, values, strict=True))
            out = block.out.weight[:, :, 0, 0] @ read + block.out.bias
            torch.testing.assert_close(read_out[0, :, gy, gx], out)


def test_past_and_future_use_different_convolutions() -> None:
    torch.manual_seed(2)
    block = TemporalMemoryBlock(D)
    shared = torch.randn(1, D, H, W)
    with torch.no_grad():
        past, future = block.memory_entry(shared, "past"), block.memory_entry(shared, "future")
    assert past.key.shape == (1, D, H * W) and past.value.shape == (1, H * W, D)
    assert not torch.allclose(past.key, future.key)


def test_fused_attention_without_weights_matches_the_explicit_path() -> None:
    # The streaming engine decodes without weights (fused kernel); the inspector
    # asks for them (explicit softmax). Both must give the same features, also
    # for the realistic grid where the fused kernel's blocking kicks in.
    torch.manual_seed(3)
    sfb, tmb = SpatialFusionBlock(8), TemporalMemoryBlock(8)
    events, frames, past, future = (torch.randn(2, 8, 23, 30) for _ in range(4))
    with torch.no_grad():
        entries = [tmb.memory_entry(past, "past"), tmb.memory_entry(future, "future")]
        for block, args in ((sfb, (events, frames)), (tmb, (events, entries))):
            explicit, weights = block(*args, need_weights=True)
            fused, no_weights = block(*args, need_weights=False)
            assert weights is not None and no_weights is None
            torch.testing.assert_close(fused, explicit, rtol=1e-4, atol=1e-5)
