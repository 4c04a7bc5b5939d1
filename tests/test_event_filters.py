"""Tests of the refractory and hot-pixel filters: hand cases, references, streaming splits."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from stra_live.errors import InputError
from stra_live.events import make_events
from stra_live.voxel.filters import (
    NEVER,
    HotPixelState,
    RefractoryState,
    count_events,
    hot_pixel_filter,
    hot_pixel_mask,
    refractory_filter,
)

H, W = 4, 5


def events_at(t: list[int], x: list[int], y: list[int], p: list[int] | None = None) -> np.ndarray:
    """EVENT_DTYPE array from lists (polarity +1 when not given)."""
    return make_events(np.array(t), np.array(x), np.array(y),
                       np.ones(len(t)) if p is None else np.array(p))


def random_events(n: int, seed: int, t_max: int) -> np.ndarray:
    """n random sorted events on the H x W sensor."""
    rng = np.random.default_rng(seed)
    return make_events(np.sort(rng.integers(0, t_max, n)), rng.integers(0, W, n),
                       rng.integers(0, H, n), rng.choice(np.array([-1, 1]), n))


def refractory_reference(events: np.ndarray, refractory_us: int) -> np.ndarray:
    """Plain-Python refractory filter over a whole stream."""
    last: dict[tuple[int, int], int] = {}
    keep = []
    for event in events:
        pixel = (int(event["x"]), int(event["y"]))
        if pixel not in last or int(event["t"]) - last[pixel] >= refractory_us:
            last[pixel] = int(event["t"])
            keep.append(True)
        else:
            keep.append(False)
    return events[np.array(keep, dtype=bool)]


def run_in_packets(events: np.ndarray, cuts: list[int],
                   step: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Feed ``events`` split at ``cuts`` through ``step(packet) -> kept``; concatenate."""
    return np.concatenate([step(packet) for packet in np.split(events, cuts)])


def test_refractory_hand_case() -> None:
    # Pixel (1, 1): 0 kept, 5 dropped (<10 after 0), 10 kept (exactly 10), 12 dropped,
    # 25 kept. Pixel (2, 3) is independent; polarity does not matter.
    events = events_at(t=[0, 3, 5, 10, 11, 12, 25],
                       x=[1, 2, 1, 1, 2, 1, 1], y=[1, 3, 1, 1, 3, 1, 1],
                       p=[1, 1, -1, -1, 1, 1, 1])
    kept, state = refractory_filter(events, RefractoryState.new((H, W)), 10)
    assert kept["t"].tolist() == [0, 3, 10, 25]
    assert state.last_kept[1, 1] == 25 and state.last_kept[3, 2] == 3
    assert state.last_kept[0, 0] == NEVER


def test_refractory_matches_reference_in_any_packet_split() -> None:
    events = random_events(3_000, seed=1, t_max=20_000)
    want = refractory_reference(events, 150)
    for cuts in ([], [1, 2, 1_500], list(range(0, 3_000, 97))):
        state = RefractoryState.new((H, W))

        def step(packet: np.ndarray) -> np.ndarray:
            nonlocal state
            kept, state = refractory_filter(packet, state, 150)
            return kept

        np.testing.assert_array_equal(run_in_packets(events, cuts, step), want)


def test_refractory_zero_keeps_everything_and_inputs_stay_unchanged() -> None:
    events = random_events(200, seed=2, t_max=100)
    before = events.copy()
    state = RefractoryState.new((H, W))
    kept, new_state = refractory_filter(events, state, 0)
    np.testing.assert_array_equal(kept, events)
    np.testing.assert_array_equal(events, before)
    assert (state.last_kept == NEVER).all() and new_state.last_kept is not state.last_kept


def test_hot_pixel_hand_case() -> None:
    # Calibration [0, 100): pixel (x=2, y=1) fires 20 times; (0,0), (1,0), (3,3) fire
    # 2, 2, 3 times. Active median 2.5, k=3: threshold 7.5, so only (2, 1) is hot.
    hot = events_at(t=list(range(0, 100, 5)), x=[2] * 20, y=[1] * 20)
    quiet = events_at(t=[1, 2, 3, 4, 6, 7, 8], x=[0, 0, 1, 1, 3, 3, 3], y=[0, 0, 0, 0, 3, 3, 3])
    after = events_at(t=[100, 101, 150, 150], x=[2, 0, 3, 2], y=[1, 0, 3, 1])
    calibration = np.sort(np.concatenate([hot, quiet]), order="t", kind="stable")
    events = np.concatenate([calibration, after])
    kept, state = hot_pixel_filter(events, HotPixelState.new((H, W)), span_us=100, k=3.0)
    assert state.mask is not None and np.argwhere(state.mask).tolist() == [[1, 2]]
    assert state.t_begin == 0 and state.counts[1, 2] == 20 and state.counts.sum() == 27
    np.testing.assert_array_equal(kept, np.concatenate([calibration, after[[1, 2]]]))


def test_hot_pixel_filter_in_packets_equals_one_go() -> None:
    rng = np.random.default_rng(3)
    background = random_events(2_000, seed=4, t_max=10_000)
    hot_t = np.sort(rng.integers(0, 10_000, 800))
    hot = events_at(t=hot_t.tolist(), x=[4] * 800, y=[0] * 800)
    events = np.sort(np.concatenate([background, hot]), order="t", kind="stable")
    whole, whole_state = hot_pixel_filter(events, HotPixelState.new((H, W)), 2_000, 4.0)
    assert whole_state.mask is not None and whole_state.mask[0, 4]
    assert whole_state.mask.sum() == 1
    for cuts in ([5, 6, 2_000], list(range(0, len(events), 113))):
        state = HotPixelState.new((H, W))

        def step(packet: np.ndarray) -> np.ndarray:
            nonlocal state
            kept, state = hot_pixel_filter(packet, state, 2_000, 4.0)
            return kept

        np.testing.assert_array_equal(run_in_packets(events, cuts, step), whole)
        np.testing.assert_array_equal(state.counts, whole_state.counts)


def test_hot_pixel_state_is_not_modified() -> None:
    events = random_events(100, seed=5, t_max=1_000)
    state = HotPixelState.new((H, W))
    _, calibrating = hot_pixel_filter(events[:50], state, 10_000, 2.0)
    assert state.counts.sum() == 0 and state.t_begin is None
    _, again = hot_pixel_filter(events[50:], calibrating, 10_000, 2.0)
    assert calibrating.counts.sum() == 50 and again.counts.sum() == 100
    assert again.mask is None


def test_hot_pixel_mask_uses_the_median_of_active_pixels() -> None:
    counts = np.zeros((H, W), dtype=np.int64)
    assert not hot_pixel_mask(counts, 2.0).any()
    counts[0, 0], counts[1, 1], counts[2, 2] = 1, 2, 9  # active median 2
    np.testing.assert_array_equal(np.argwhere(hot_pixel_mask(counts, 4.0)), [[2, 2]])
    assert not hot_pixel_mask(counts, 4.5).any()  # 9 does not exceed 4.5 x 2


def test_count_events_matches_add_at() -> None:
    events = random_events(1_000, seed=6, t_max=1_000)[::-1]
    want = np.zeros((H, W), dtype=np.int64)
    np.add.at(want, (events["y"], events["x"]), 1)
    np.testing.assert_array_equal(count_events(events, (H, W)), want)


def test_off_sensor_or_unsorted_events_raise_input_error() -> None:
    off = events_at(t=[0, 1], x=[0, W], y=[0, 0])
    with pytest.raises(InputError, match=r"cam: .*off the"):
        refractory_filter(off, RefractoryState.new((H, W)), 5, source="cam")
    with pytest.raises(InputError, match="off the"):
        hot_pixel_filter(off, HotPixelState.new((H, W)), 5, 2.0)
    with pytest.raises(InputError, match="off the"):
        count_events(off, (H, W))
    unsorted = events_at(t=[5, 1], x=[0, 0], y=[0, 0])
    with pytest.raises(InputError, match="backwards"):
        refractory_filter(unsorted, RefractoryState.new((H, W)), 5)


def test_bad_arguments_raise_value_error() -> None:
    events = random_events(10, seed=7, t_max=100)
    with pytest.raises(ValueError, match="refractory_us"):
        refractory_filter(events, RefractoryState.new((H, W)), -1)
    with pytest.raises(ValueError, match="span_us"):
        hot_pixel_filter(events, HotPixelState.new((H, W)), 0, 2.0)
    with pytest.raises(ValueError, match="k must"):
        hot_pixel_filter(events, HotPixelState.new((H, W)), 10, 0.0)
