"""Training samples: the protocol's windows, voxels over each exposure, crop and flip alignment."""

from __future__ import annotations

import numpy as np
import pytest

from models.representation import InputRepresentation
from stra_live.errors import InputError
from stra_live.evaluation.protocol import paired_windows
from stra_live.event_index import EventIndex
from stra_live.events import Frame, make_events
from stra_live.io.recording import Recording
from stra_live.training.samples import Sample, augment, random_triplet, triplet_sample

H, W = 12, 16


def ramp_recording(count: int = 30, period: int = 1000) -> Recording:
    """Frame j is the constant image j (uint8) at t = j * period; one event per frame."""
    frames = tuple(
        Frame(np.full((H, W), j, np.uint8), j * period, j * period, j * period)
        for j in range(count)
    )
    t = np.arange(count) * period
    events = make_events(t, np.arange(count) % W, np.arange(count) % H,
                         np.where(np.arange(count) % 2, 1, -1))
    return Recording("ramp", (H, W), events, frames)


def test_synthesised_triplet_matches_hand_computed_windows() -> None:
    recording = ramp_recording()
    for seed in range(20):
        w0, w1, w2 = random_triplet(recording, np.random.default_rng(seed), (3, 3))
        first = round(float(w0.blurry[0, 0]) * 255) - 1  # mean of first..first+2 is first+1
        assert 0 <= first <= len(recording.frames) - 9
        np.testing.assert_allclose(w1.blurry, (first + 4) / 255, rtol=1e-6)
        np.testing.assert_allclose(w2.blurry, (first + 7) / 255, rtol=1e-6)
        # ground truth of T is the middle sharp frame of its window
        np.testing.assert_allclose(w1.sharp, (first + 4) / 255, rtol=1e-6)
        assert (w1.t_start, w1.t_end) == ((first + 3) * 1000, (first + 5) * 1000)


def test_blur_length_covers_the_whole_range() -> None:
    recording = ramp_recording(60)
    lengths = set()
    for seed in range(200):
        w0, _, _ = random_triplet(recording, np.random.default_rng(seed), (7, 13),
                                  odd_k_only=False)
        lengths.add((w0.t_end - w0.t_start) // 1000 + 1)
    assert lengths == set(range(7, 14))


def test_by_default_every_odd_blur_length_is_drawn_and_no_even_one() -> None:
    # An even k's ground truth is off its window's centre (DataConfig.odd_k_only).
    recording = ramp_recording(60)
    lengths = set()
    for seed in range(200):
        w0, w1, _ = random_triplet(recording, np.random.default_rng(seed), (7, 13))
        lengths.add((w0.t_end - w0.t_start) // 1000 + 1)
        assert w1.t_sharp == (w1.t_start + w1.t_end) // 2
    assert lengths == {7, 9, 11, 13}


def test_too_short_recording_is_an_input_error() -> None:
    with pytest.raises(InputError, match="need 39"):
        random_triplet(ramp_recording(20), np.random.default_rng(0), (13, 13))


def test_paired_triplet_equals_the_protocol_on_the_whole_recording() -> None:
    # Zero-length exposures are inferred from the neighbours: the sample must
    # see the same windows as scoring the whole file does.
    ramp = ramp_recording(8)
    times = [0, 1000, 3000, 4000, 8000, 9000, 12000, 13000]
    blurry = tuple(Frame(f.image, t, t, t) for f, t in zip(ramp.frames, times, strict=True))
    sharp = tuple(Frame(np.full((H, W), 200 - j, np.uint8), t, t, t)
                  for j, t in enumerate(times))
    recording = Recording("pairs", (H, W), ramp.events, blurry, sharp)
    full = paired_windows(recording)
    seen = set()
    for seed in range(40):
        triplet = random_triplet(recording, np.random.default_rng(seed), (7, 13))
        i = round(float(triplet[0].blurry[0, 0]) * 255)
        seen.add(i)
        for offset, window in enumerate(triplet):
            expected = full[i + offset]
            assert (window.t_start, window.t_end) == (expected.t_start, expected.t_end)
            np.testing.assert_array_equal(window.sharp, expected.sharp)
    assert seen == set(range(6))


def test_voxels_hold_each_windows_own_events() -> None:
    recording = ramp_recording()
    triplet = random_triplet(recording, np.random.default_rng(3), (3, 3))
    sample = triplet_sample(triplet, EventIndex(recording.events), InputRepresentation(bins=4))
    assert sample.frames.shape == (3, H, W) and sample.voxels.shape == (3, 4, H, W)
    assert sample.target.shape == (1, H, W)
    for window, voxel in zip(triplet, sample.voxels, strict=True):
        inside = recording.events[(recording.events["t"] >= window.t_start)
                                  & (recording.events["t"] <= window.t_end)]
        counts = np.zeros((H, W))
        np.add.at(counts, (inside["y"], inside["x"]), inside["p"])
        # bilinear weights of one event add up to one: the bin sum is the signed count
        np.testing.assert_allclose(voxel.sum(axis=0), counts, atol=1e-6)
        assert len(inside) == 3


def aligned_sample(rng: np.random.Generator) -> Sample:
    """Frames that are exactly the 'has an event' mask of their voxel grids."""
    voxels = (rng.random((3, 2, H, W)) < 0.2) * rng.choice([-1.0, 1.0], (3, 2, H, W))
    frames = (voxels != 0).any(axis=1).astype(np.float32)
    target = frames[1:2] * 0.5 + rng.random((1, H, W)).astype(np.float32) * 0.01
    return Sample(frames, voxels.astype(np.float32), target.astype(np.float32))


def test_crop_and_flip_keep_events_on_their_pixels() -> None:
    flips = set()
    for seed in range(30):
        sample = aligned_sample(np.random.default_rng(100 + seed))
        out = augment(sample, np.random.default_rng(seed), crop=8, hflip=True)
        assert out.frames.shape == (3, 8, 8) and out.voxels.shape == (3, 2, 8, 8)
        np.testing.assert_array_equal(out.frames, (out.voxels != 0).any(axis=1))
        np.testing.assert_allclose(out.target, out.frames[1:2] * 0.5, atol=0.011)
        # find where the patch came from, and whether it was mirrored
        matches = [
            (y, x, flip)
            for y in range(H - 7) for x in range(W - 7) for flip in (False, True)
            if np.array_equal(
                sample.voxels[..., y:y + 8, x:x + 8][..., ::-1 if flip else 1], out.voxels
            )
        ]
        assert matches, "the voxel patch is not a (mirrored) crop of the input"
        y, x, flip = matches[0]
        patch = sample.target[..., y:y + 8, x:x + 8]
        np.testing.assert_array_equal(out.target, patch[..., ::-1] if flip else patch)
        flips.add(flip)
    assert flips == {False, True}


def test_no_flip_when_disabled_and_crop_must_fit() -> None:
    sample = aligned_sample(np.random.default_rng(0))
    full = augment(sample, np.random.default_rng(1), crop=H, hflip=False)
    starts = [x for x in range(W - H + 1)
              if np.array_equal(sample.voxels[..., :, x:x + H], full.voxels)]
    assert starts
    with pytest.raises(InputError, match="smaller than the 13 crop"):
        augment(sample, np.random.default_rng(0), crop=13, hflip=False, source="seq")
