"""Tests of the rolling event buffer: ring wrap-around, horizon, capacity, window queries."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from stra_live.errors import InputError
from stra_live.events import EVENT_DTYPE, make_events
from stra_live.voxel.buffer import RollingEventBuffer
from stra_live.voxel.grid import events_to_voxel

H, W = 5, 7


def random_events(n: int, seed: int, t_max: int) -> np.ndarray:
    """n random events, sorted in time (with repeated timestamps), on the H x W sensor."""
    rng = np.random.default_rng(seed)
    return make_events(np.sort(rng.integers(0, t_max, n)), rng.integers(0, W, n),
                       rng.integers(0, H, n), rng.choice(np.array([-1, 1]), n))


def packets(events: np.ndarray, seed: int, mean_size: int) -> list[np.ndarray]:
    """Split events at random points into packets (some empty)."""
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.integers(0, len(events), len(events) // mean_size))
    return np.split(events, cuts)


def between(events: np.ndarray, t0: int, t1: int) -> np.ndarray:
    """Slow reference of a closed window query."""
    return events[(events["t"] >= t0) & (events["t"] <= t1)]


def test_windows_across_the_ring_wrap_match_the_stateless_grid() -> None:
    events = random_events(6_000, seed=1, t_max=60_000)
    # About 500 events within the horizon, in a ring of 800: it wraps many times.
    buffer = RollingEventBuffer((H, W), horizon_us=5_000, max_events=800)
    checked = 0
    for packet in packets(events, seed=2, mean_size=37):
        buffer.append(packet)
        if len(buffer) == 0:
            continue
        t_last = buffer.t_last
        assert t_last is not None and buffer.capacity <= 800
        t0, t1 = t_last - 4_000, t_last - 1_000
        np.testing.assert_array_equal(buffer.events_between(t0, t1), between(events, t0, t1))
        np.testing.assert_allclose(buffer.voxel(t0, t1, 4),
                                   events_to_voxel(events, 4, H, W, t0, t1), atol=1e-5)
        checked += 1
    assert checked > 100


def test_horizon_keeps_exactly_the_recent_events() -> None:
    events = random_events(3_000, seed=3, t_max=30_000)
    buffer = RollingEventBuffer((H, W), horizon_us=2_000)
    for packet in packets(events, seed=4, mean_size=50):
        buffer.append(packet)
    t_last = int(events["t"][-1])
    kept = events[events["t"] >= t_last - 2_000]
    assert len(buffer) == len(kept)
    assert buffer.t_first == int(kept["t"][0]) and buffer.t_last == t_last
    np.testing.assert_array_equal(buffer.events_between(t_last - 2_000, t_last), kept)
    dropped_last = int(events["t"][len(events) - len(kept) - 1])
    assert buffer.horizon_start == dropped_last + 1


def test_window_before_the_horizon_raises() -> None:
    buffer = RollingEventBuffer((H, W), horizon_us=100)
    buffer.append(make_events(np.array([0, 50, 500]), np.zeros(3), np.zeros(3), np.ones(3)))
    assert buffer.horizon_start == 51
    with pytest.raises(ValueError, match="horizon"):
        buffer.voxel(50, 500, 2)
    assert buffer.voxel(51, 500, 1)[0, 0, 0] == 1.0


def test_growth_keeps_every_event() -> None:
    events = random_events(150_000, seed=5, t_max=10**7)
    buffer = RollingEventBuffer((H, W), horizon_us=10**8)
    for packet in np.array_split(events, 7):
        buffer.append(packet)
    assert len(buffer) == len(events) and buffer.capacity >= len(events)
    assert buffer.horizon_start is None
    np.testing.assert_array_equal(buffer.events_between(0, 10**7), events)


def test_max_events_drops_the_oldest_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    events = random_events(1_000, seed=6, t_max=10_000)
    buffer = RollingEventBuffer((H, W), horizon_us=10**6, max_events=300, source="cam")
    with caplog.at_level(logging.WARNING, logger="stra_live.voxel.buffer"):
        for packet in np.array_split(events, 10):
            buffer.append(packet)
    assert len(buffer) == 300
    np.testing.assert_array_equal(buffer.events_between(buffer.t_first, 10_000), events[-300:])
    assert len(caplog.records) == 1 and "cam" in caplog.records[0].getMessage()


def test_packet_larger_than_max_events_keeps_its_newest() -> None:
    events = random_events(500, seed=7, t_max=10_000)
    buffer = RollingEventBuffer((H, W), horizon_us=10**6, max_events=120)
    buffer.append(events)
    assert len(buffer) == 120
    assert buffer.horizon_start == int(events["t"][-121]) + 1
    newest = buffer.events_between(buffer.horizon_start, 10_000)
    np.testing.assert_array_equal(newest[-100:], events[-100:])
    with pytest.raises(ValueError, match="horizon"):
        buffer.events_between(0, 10_000)


def test_event_count_image_is_the_signed_count() -> None:
    events = random_events(2_000, seed=8, t_max=10_000)
    buffer = RollingEventBuffer((H, W), horizon_us=10**6)
    buffer.append(events)
    inside = between(events, 2_000, 6_000)
    count = np.zeros((H, W), dtype=np.float32)
    np.add.at(count, (inside["y"], inside["x"]), inside["p"])
    image = buffer.event_count_image(2_000, 6_000)
    assert image.shape == (H, W) and image.dtype == np.float32
    np.testing.assert_array_equal(image, count)


def test_packets_are_copied_not_referenced_or_modified() -> None:
    events = random_events(100, seed=9, t_max=1_000)
    before = events.copy()
    buffer = RollingEventBuffer((H, W), horizon_us=10**6)
    buffer.append(events)
    np.testing.assert_array_equal(events, before)
    events["p"] = 1
    events["t"] = 0
    np.testing.assert_array_equal(buffer.events_between(0, 1_000), before)


def test_equal_timestamps_across_packets_are_allowed() -> None:
    buffer = RollingEventBuffer((H, W), horizon_us=10)
    buffer.append(make_events(np.array([5, 7]), np.array([0, 1]), np.array([0, 0]),
                              np.array([1, 1])))
    buffer.append(make_events(np.array([7, 8]), np.array([2, 3]), np.array([0, 0]),
                              np.array([1, -1])))
    assert len(buffer) == 4 and buffer.t_last == 8


def test_empty_buffer() -> None:
    buffer = RollingEventBuffer((H, W), horizon_us=10)
    buffer.append(np.empty(0, dtype=EVENT_DTYPE))
    assert len(buffer) == 0 and buffer.t_first is None and buffer.t_last is None
    assert not buffer.voxel(0, 10, 3).any()
    assert len(buffer.events_between(0, 10)) == 0


def test_clear_forgets_events_and_time() -> None:
    buffer = RollingEventBuffer((H, W), horizon_us=10)
    buffer.append(make_events(np.array([100]), np.array([0]), np.array([0]), np.array([1])))
    buffer.clear()
    buffer.append(make_events(np.array([3]), np.array([1]), np.array([1]), np.array([-1])))
    assert len(buffer) == 1 and buffer.t_first == 3


def test_time_going_backwards_raises_and_keeps_the_buffer() -> None:
    buffer = RollingEventBuffer((H, W), horizon_us=1_000, source="cam7")
    buffer.append(make_events(np.array([10, 20]), np.array([0, 1]), np.array([0, 0]),
                              np.array([1, 1])))
    with pytest.raises(InputError, match=r"cam7: time went backwards.*19 us.*20 us"):
        buffer.append(make_events(np.array([19]), np.array([0]), np.array([0]), np.array([1])))
    assert len(buffer) == 2


@pytest.mark.parametrize(("t", "x", "y", "p", "match"), [
    ([1, 2], [0, W], [0, 0], [1, 1], "off the"),
    ([1, 2], [0, 0], [0, H], [1, 1], "off the"),
    ([3, 2], [0, 0], [0, 0], [1, 1], "backwards"),
    ([1, 2], [0, 0], [0, 0], [1, 0], "polarity"),
])
def test_bad_packets_raise_input_error(t: list[int], x: list[int], y: list[int], p: list[int],
                                       match: str) -> None:
    buffer = RollingEventBuffer((H, W), horizon_us=1_000)
    with pytest.raises(InputError, match=match):
        buffer.append(make_events(np.array(t), np.array(x), np.array(y), np.array(p)))
    assert len(buffer) == 0


def test_wrong_dtype_and_bad_arguments() -> None:
    buffer = RollingEventBuffer((H, W), horizon_us=1_000)
    with pytest.raises(InputError, match="dtype"):
        buffer.append(np.zeros(3, dtype=np.int64))
    with pytest.raises(InputError, match="1-D"):
        buffer.append(np.zeros((2, 2), dtype=EVENT_DTYPE))
    with pytest.raises(ValueError, match="bins"):
        buffer.voxel(0, 10, 0)
    with pytest.raises(ValueError, match="ends before"):
        buffer.events_between(10, 0)
    with pytest.raises(ValueError, match="horizon_us"):
        RollingEventBuffer((H, W), horizon_us=-1)
    with pytest.raises(ValueError, match="max_events"):
        RollingEventBuffer((H, W), horizon_us=1, max_events=0)
