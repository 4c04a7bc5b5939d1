"""The evaluation protocol: window boundaries, averaging, ground truth, events."""

from __future__ import annotations

import numpy as np
import pytest

from stra_live.errors import InputError
from stra_live.evaluation.protocol import (
    paired_windows,
    scored_triplets,
    synthesize_windows,
    window_events,
    windows_for,
)
from stra_live.events import Frame, empty_events, make_events
from stra_live.io.recording import Recording

H, W = 4, 5


def _sharp_frames(count: int, step_us: int = 1000) -> list[Frame]:
    """Frame j is constant 10*j (uint8) at j*step_us: its index is readable from its pixels."""
    return [
        Frame(np.full((H, W), 10 * j, np.uint8), j * step_us, j * step_us, j * step_us)
        for j in range(count)
    ]


def _recording(frames: list[Frame], sharp: list[Frame] | None = None) -> Recording:
    return Recording(
        source="mem.h5",
        resolution=(H, W),
        events=empty_events(),
        frames=tuple(frames),
        sharp_frames=None if sharp is None else tuple(sharp),
    )


@pytest.mark.parametrize(("count", "k", "n"), [(23, 7, 3), (21, 7, 3), (20, 7, 2), (6, 7, 0)])
def test_window_count_drops_leftover_frames(count: int, k: int, n: int) -> None:
    assert len(synthesize_windows(_sharp_frames(count), k)) == n


def test_window_averages_its_k_frames_and_keeps_the_middle_as_truth() -> None:
    k = 7
    windows = synthesize_windows(_sharp_frames(23), k)
    for i, window in enumerate(windows):
        frames = range(i * k, i * k + k)
        expected_blurry = np.mean([10 * j for j in frames]) / 255.0
        assert window.index == i
        assert window.blurry.dtype == np.float32 and window.blurry.shape == (H, W)
        np.testing.assert_allclose(window.blurry, expected_blurry, rtol=1e-6)
        np.testing.assert_allclose(window.sharp, 10 * (i * k + k // 2) / 255.0, rtol=1e-6)
        assert window.t_start == i * k * 1000
        assert window.t_end == (i * k + k - 1) * 1000
        assert window.t_sharp == (i * k + k // 2) * 1000


def test_even_blur_length_takes_the_upper_middle_frame() -> None:
    windows = synthesize_windows(_sharp_frames(8), 4)
    np.testing.assert_allclose(windows[1].sharp, 10 * 6 / 255.0, rtol=1e-6)


def test_start_offset_shifts_every_window() -> None:
    windows = synthesize_windows(_sharp_frames(16), 5, start=2)
    assert len(windows) == 2
    assert (windows[0].t_start, windows[0].t_end) == (2000, 6000)
    np.testing.assert_allclose(windows[1].sharp, 10 * 9 / 255.0, rtol=1e-6)


def test_float_frames_are_averaged_as_they_are() -> None:
    frames = [Frame(np.full((H, W), v, np.float32), j, j, j) for j, v in enumerate([0.1, 0.4])]
    (window,) = synthesize_windows(frames, 2)
    np.testing.assert_allclose(window.blurry, 0.25, rtol=1e-6)


def test_synthesis_rejects_mixed_sizes_and_backward_time() -> None:
    frames = _sharp_frames(3)
    mixed = [*frames, Frame(np.zeros((H + 1, W), np.uint8), 9000, 9000, 9000)]
    with pytest.raises(InputError, match="height, width"):
        synthesize_windows(mixed, 2, source="x.h5")
    backwards = [frames[1], frames[0]]
    with pytest.raises(InputError, match="backwards"):
        synthesize_windows(backwards, 2, source="x.h5")
    with pytest.raises(ValueError, match="k must"):
        synthesize_windows(frames, 0)


def test_scored_triplets_are_the_inner_windows_with_both_neighbours() -> None:
    windows = synthesize_windows(_sharp_frames(25), 5)
    triplets = list(scored_triplets(windows))
    assert [cur.index for _, cur, _ in triplets] == [1, 2, 3]
    for prev, cur, nxt in triplets:
        assert (prev.index, nxt.index) == (cur.index - 1, cur.index + 1)
    assert list(scored_triplets(windows[:2])) == []


def test_window_events_include_both_ends() -> None:
    t = np.array([5, 10, 10, 15, 20, 20, 25])
    events = make_events(t, np.arange(7), np.zeros(7), np.ones(7))
    inside = window_events(events, 10, 20)
    np.testing.assert_array_equal(inside["t"], [10, 10, 15, 20, 20])
    np.testing.assert_array_equal(inside["x"], [1, 2, 3, 4, 5])
    assert len(window_events(events, 21, 24)) == 0
    assert len(window_events(events, 30, 10)) == 0
    assert not inside.flags.writeable and events.flags.writeable


def test_windows_for_synthesises_blur_without_sharp_frames() -> None:
    windows = windows_for(_recording(_sharp_frames(14)), 7)
    assert len(windows) == 2 and windows[1].t_sharp == 10_000


def test_paired_windows_use_each_blurry_frames_exposure() -> None:
    blurry = [
        Frame(np.full((H, W), 100 + j, np.uint8), 1000 * j + 500, 1000 * j, 1000 * j + 900)
        for j in range(4)
    ]
    sharp = [Frame(np.full((H, W), j, np.uint8), 1000 * j + 450, 0, 0) for j in range(4)]
    windows = windows_for(_recording(blurry, sharp), 7)
    assert len(windows) == 4
    assert (windows[2].t_start, windows[2].t_end, windows[2].t_sharp) == (2000, 2900, 2450)
    np.testing.assert_allclose(windows[2].blurry, 102 / 255.0, rtol=1e-6)
    np.testing.assert_allclose(windows[2].sharp, 2 / 255.0, rtol=1e-6)


def test_paired_windows_reject_unequal_counts() -> None:
    frames = _sharp_frames(3)
    with pytest.raises(InputError, match="3 blurry frames but 2 sharp"):
        paired_windows(_recording(frames, frames[:2]))


def test_paired_frames_without_exposure_span_half_way_to_their_neighbours() -> None:
    times = [1000, 2000, 4000]
    blurry = [Frame(np.zeros((H, W), np.uint8), t, t, t) for t in times]
    sharp = [Frame(np.zeros((H, W), np.uint8), t, t, t) for t in times]
    windows = paired_windows(_recording(blurry, sharp))
    assert [(w.t_start, w.t_end) for w in windows] == [(500, 1500), (1500, 3000), (3000, 5000)]
    assert [w.t_sharp for w in windows] == times
