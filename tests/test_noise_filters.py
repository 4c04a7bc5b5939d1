"""The background-activity filter against a slow reference, and the live filter chain."""

from __future__ import annotations

import numpy as np
import pytest

from stra_live.events import make_events
from stra_live.voxel.noise import (
    BackgroundActivityState,
    NoiseFilterChain,
    NoiseFilterConfig,
    background_activity_filter,
)

SHAPE = (12, 16)


def naive_ba(events: np.ndarray, window_us: int) -> np.ndarray:
    """Obviously correct: keep an event when a neighbour fired within the window before it."""
    last: dict[tuple[int, int], int] = {}
    keep = []
    for e in events:
        x, y, t = int(e["x"]), int(e["y"]), int(e["t"])
        near = [last.get((x + dx, y + dy)) for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                if (dx, dy) != (0, 0)]
        keep.append(any(s is not None and t - s <= window_us for s in near))
        last[(x, y)] = t
    return events[np.array(keep, dtype=bool)]


def random_events(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.sort(rng.integers(0, 200_000, n)).astype(np.int64)
    return make_events(t, rng.integers(0, SHAPE[1], n), rng.integers(0, SHAPE[0], n),
                       rng.choice(np.array([-1, 1], dtype=np.int8), n))


def test_hand_computed_case() -> None:
    # (5,5) at 0; neighbour (6,5) at 1500 is supported (1500 <= 2000); lone (0,0) is not;
    # (5,5) again at 3600 has (6,5) 2100 us before: dropped.
    events = make_events(np.array([0, 1500, 1600, 3600]), np.array([5, 6, 0, 5]),
                         np.array([5, 5, 0, 5]), np.array([1, 1, -1, 1], dtype=np.int8))
    kept, _ = background_activity_filter(events, BackgroundActivityState.new(SHAPE), 2000)
    assert kept["t"].tolist() == [1500]


def test_matches_the_reference_packet_by_packet() -> None:
    events = random_events(3000, seed=3)
    expected = naive_ba(events, 5000)
    state = BackgroundActivityState.new(SHAPE)
    parts = []
    for chunk in np.array_split(events, 7):
        kept, state = background_activity_filter(chunk, state, 5000)
        parts.append(kept)
    got = np.concatenate(parts)
    assert 0 < len(got) < len(events)
    np.testing.assert_array_equal(got, expected)


def test_chain_counts_and_switches_live() -> None:
    events = random_events(2000, seed=4)
    chain = NoiseFilterChain(SHAPE)
    assert len(chain.apply(events)) == len(events)  # nothing enabled: all kept
    chain.configure(NoiseFilterConfig(background_activity=True, ba_window_us=1000,
                                      refractory=True, refractory_us=5000))
    kept = chain.apply(events)
    assert len(kept) < len(events)
    assert chain.events_in == 2 * len(events)
    assert chain.events_out == len(events) + len(kept)
    assert np.all(np.diff(kept["t"]) >= 0)


def test_bad_settings_are_named() -> None:
    with pytest.raises(ValueError, match="ba_window_us"):
        NoiseFilterConfig(ba_window_us=0)
    with pytest.raises(ValueError, match="hot_k"):
        NoiseFilterConfig(hot_k=0.5)
