"""EventIndex gives exactly the protocol's closed event windows."""

from __future__ import annotations

import numpy as np

from stra_live.evaluation.protocol import window_events
from stra_live.event_index import STRIDE, EventIndex
from stra_live.events import make_events


def test_windows_equal_the_protocol_including_ties_and_block_edges() -> None:
    rng = np.random.default_rng(0)
    n = 5 * STRIDE + 17
    # many equal timestamps, so bounds fall inside runs of ties and on block edges
    t = np.sort(rng.integers(0, 900, n))
    events = make_events(t, rng.integers(0, 10, n), rng.integers(0, 10, n),
                         rng.choice([-1, 1], n))
    index = EventIndex(events)
    bounds = [-5, 0, 899, 900, 1000, *t[[0, STRIDE - 1, STRIDE, 2 * STRIDE, n - 1]]]
    bounds += list(rng.integers(-10, 910, 200))
    for t_start in bounds:
        for t_end in (t_start, t_start + 1, t_start + 37, t_start - 3):
            got, want = index.window(int(t_start), int(t_end)), window_events(
                events, int(t_start), int(t_end))
            assert np.array_equal(got, want)
            assert not got.flags.writeable
    for side in ("left", "right"):
        for value in bounds:
            assert index.bound(int(value), side) == np.searchsorted(t, value, side)


def test_empty_and_tiny_arrays() -> None:
    empty = make_events(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
    assert len(EventIndex(empty).window(0, 10)) == 0
    one = make_events(np.array([5]), np.array([1]), np.array([2]), np.array([1]))
    assert len(EventIndex(one).window(5, 5)) == 1
    assert len(EventIndex(one).window(6, 9)) == 0
