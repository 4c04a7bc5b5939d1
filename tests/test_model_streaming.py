"""The streaming decomposition (encode once, decode many) equals the plain forward pass."""

from __future__ import annotations

import pytest
import torch

from models.config import ModelConfig
from models.padding import crop
from models.stra import STRA

TINY = {"channels": 4, "res_units": 1, "attention_dim": 8}
BINS = 5


def tiny(**changes: object) -> STRA:
    torch.manual_seed(0)
    return STRA(ModelConfig(**{**TINY, **changes})).eval()


def stream(length: int, height: int = 29, width: int = 45):
    """A short random stream: frames (1, N, H, W) and voxels (1, N, bins, H, W)."""
    generator = torch.Generator().manual_seed(7)
    frames = torch.rand(1, length, height, width, generator=generator)
    voxels = torch.randint(-3, 4, (1, length, BINS, height, width), generator=generator).float()
    return frames, voxels


def decode_window(model: STRA, frames: torch.Tensor, voxels: torch.Tensor):
    """Run the decomposition by hand on a (1, 3, H, W) window."""
    padded, size = model.pad(frames)
    encoded = [model.encode_frame(padded[:, i : i + 1]) for i in range(3)]
    events, memory = None, []
    if model.config.use_events:
        padded_voxels, _ = model.pad(voxels)
        sequences = [model.encode_events(padded_voxels[:, i]) for i in range(3)]
        events = sequences[1]
        if model.config.use_tmb:
            memory = [
                model.memory_entry(sequences[0], "past"),
                model.memory_entry(sequences[2], "future"),
            ]
    out, attention = model.decode(
        (encoded[0], encoded[1], encoded[2]), padded[:, 1:2], events, memory, True
    )
    return crop(out, size), attention


@pytest.mark.parametrize(
    "switches",
    [
        {},
        {"use_tmb": False},
        {"use_sfb": False},
        {"use_events": False, "use_tmb": False},
        {"stem": "space_to_depth", "stem_factor": 2, "attention_scale": 4},
    ],
)
def test_decomposition_equals_forward(switches):
    model = tiny(**switches)
    frames, voxels = stream(3)
    with torch.no_grad():
        expected, expected_attention = model(frames, voxels, return_attention=True)
        got, attention = decode_window(model, frames, voxels)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
    if expected_attention.sfb is not None:
        torch.testing.assert_close(attention.sfb, expected_attention.sfb, atol=1e-5, rtol=0)
    torch.testing.assert_close(attention.tmb, expected_attention.tmb, atol=1e-5, rtol=0)


def test_each_encoding_computed_once_serves_every_window():
    # The engine's pattern: encode frame i and sequence i once, reuse them in windows i-1, i, i+1.
    model = tiny()
    frames, voxels = stream(6)
    with torch.inference_mode():
        padded, size = model.pad(frames)
        padded_voxels, _ = model.pad(voxels)
        frame_cache = [model.encode_frame(padded[:, i : i + 1]) for i in range(6)]
        event_cache = [model.encode_events(padded_voxels[:, i]) for i in range(6)]
        past = [model.memory_entry(e, "past") for e in event_cache]
        future = [model.memory_entry(e, "future") for e in event_cache]
        for t in range(1, 5):
            window = (frame_cache[t - 1], frame_cache[t], frame_cache[t + 1])
            out, _ = model.decode(
                window, padded[:, t : t + 1], event_cache[t], [past[t - 1], future[t + 1]]
            )
            expected, _ = model(frames[:, t - 1 : t + 2], voxels[:, t - 1 : t + 2])
            torch.testing.assert_close(crop(out, size), expected, atol=1e-5, rtol=0)


def test_memory_of_any_length_is_read_with_one_softmax():
    model = tiny()
    frames, voxels = stream(5)
    with torch.no_grad():
        padded, _ = model.pad(frames)
        padded_voxels, _ = model.pad(voxels)
        encoded = tuple(model.encode_frame(padded[:, i : i + 1]) for i in range(3))
        sequences = [model.encode_events(padded_voxels[:, i]) for i in range(5)]
        roles = ["past", "past", "future", "future"]
        entries = [model.memory_entry(s, r) for s, r in zip(sequences[:4], roles, strict=True)]
        current = sequences[4]
        outputs, weights = {}, {}
        for k in range(5):
            out, attention = model.decode(encoded, padded[:, 1:2], current, entries[:k], True)
            assert attention.tmb.shape[2] == k
            assert torch.isfinite(out).all()
            if k:
                torch.testing.assert_close(attention.tmb.sum((-1, -2)), torch.ones(1, 24))
            outputs[k], weights[k] = out, attention.tmb
        # Order of the entries does not matter: one softmax over all of them.
        swapped, swapped_attention = model.decode(
            encoded, padded[:, 1:2], current, entries[2::-1], True
        )
    torch.testing.assert_close(swapped, outputs[3], atol=1e-5, rtol=0)
    torch.testing.assert_close(swapped_attention.tmb, weights[3].flip(2), atol=1e-6, rtol=0)
    assert not torch.allclose(outputs[0], outputs[2])


def test_empty_memory_means_the_tmb_contributes_nothing():
    model = tiny()
    frames, voxels = stream(3)
    with torch.no_grad():
        padded, _ = model.pad(frames)
        padded_voxels, _ = model.pad(voxels)
        encoded = tuple(model.encode_frame(padded[:, i : i + 1]) for i in range(3))
        current = model.encode_events(padded_voxels[:, 1])
        out, attention = model.decode(encoded, padded[:, 1:2], current, [], True)
        # Same result as zeroing the TMB's output projection and reading a real memory.
        entries = [model.memory_entry(current, "past")]
        model.tmb.out.weight.zero_()
        model.tmb.out.bias.zero_()
        reference, _ = model.decode(encoded, padded[:, 1:2], current, entries, True)
    torch.testing.assert_close(out, reference, atol=1e-6, rtol=0)
    assert attention.tmb.shape == (1, 24, 0, 24)


def test_unpadded_inputs_are_rejected():
    model = tiny()
    with pytest.raises(ValueError, match="stride"):
        model.encode_frame(torch.rand(1, 1, 30, 40))
    with pytest.raises(ValueError, match="event input"):
        model.encode_events(torch.rand(1, BINS + 1, 32, 40))
    with pytest.raises(ValueError, match="use_events"):
        tiny(use_events=False, use_tmb=False).encode_events(torch.rand(1, BINS, 32, 40))
    with pytest.raises(ValueError, match="role"):
        model.memory_entry(model.encode_events(torch.rand(1, BINS, 32, 40)), "present")


def test_detail_level_streams_like_forward_and_starts_as_a_no_op():
    representation = {"kind": "voxel_edi", "bins": 3, "edi_contrasts": [0.18, 0.3]}
    model = tiny(stem="space_to_depth", stem_factor=4, detail_channels=4, detail_units=2,
                 attention_scale=8, representation=representation)
    frames, voxels = stream(3)
    with torch.no_grad():
        coarse = model(frames, voxels)[0]
        # Its zero last conv makes a warm start begin from the coarse network's output.
        assert model.detail is not None
        coarse_only = model.detail
        model.detail = None
        torch.testing.assert_close(model(frames, voxels)[0], coarse, atol=0, rtol=0)
        model.detail = coarse_only
        torch.nn.init.normal_(model.detail.tail[0].weight, std=0.5)
        expected = model(frames, voxels)[0]
        got, _ = decode_window(model, frames, voxels)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
    assert (expected - coarse).abs().max() > 1e-3


def test_a_detail_level_reading_voxel_bins_streams_like_forward_and_sees_them():
    representation = {"kind": "voxel_edi", "bins": 3, "edi_contrasts": [0.18, 0.3]}
    model = tiny(stem="space_to_depth", stem_factor=4, detail_channels=4,
                 attention_scale=8, representation=representation, detail_events=True)
    torch.nn.init.normal_(model.detail.tail[0].weight, std=0.5)
    frames, voxels = stream(3)
    with torch.no_grad():
        expected = model(frames, voxels)[0]
        got, _ = decode_window(model, frames, voxels)
        # Cut the skip's weights from the voxel bins (after 1 frame + 2 EDI images,
        # 4 cells each): if the detail level read them, the output changes.
        model.detail.skip[1].weight[:, 4 * 3:] = 0
        blind = model(frames, voxels)[0]
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
    assert (blind - expected).abs().max() > 1e-4


def test_a_pixel_gate_streams_like_forward_and_starts_as_a_no_op():
    representation = {"kind": "voxel_edi", "bins": 3, "edi_contrasts": [0.18, 0.3]}
    model = tiny(stem="space_to_depth", stem_factor=4, detail_channels=4,
                 attention_scale=8, representation=representation, gate_channels=3)
    frames, voxels = stream(3)
    with torch.no_grad():
        gated = model(frames, voxels)[0]
        gate = model.gate
        model.gate = None
        ungated = model(frames, voxels)[0]
        model.gate = gate
        torch.testing.assert_close(gated, ungated, atol=0, rtol=0)
        torch.nn.init.normal_(model.gate.out.weight, std=0.5)
        torch.nn.init.normal_(model.gate.frame.weight, std=0.5)
        expected = model(frames, voxels)[0]
        got, _ = decode_window(model, frames, voxels)
        # The gate also reads the decoder's features and its own mean over the frame
        # (what sensor and scene this is).
        torch.nn.init.zeros_(model.gate.frame.weight)
        frame_blind = model(frames, voxels)[0]
        torch.nn.init.zeros_(model.gate.context.weight)
        blind = model(frames, voxels)[0]
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
    assert (expected - ungated).abs().max() > 1e-3
    assert (expected - frame_blind).abs().max() > 1e-4
    assert (frame_blind - blind).abs().max() > 1e-4
