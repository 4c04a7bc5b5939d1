"""Tests of the voxel grid kernel against hand-computed cases and the NumPy reference."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from stra_live.benchmarks import voxel as voxel_benchmark
from stra_live.errors import InputError
from stra_live.events import EVENT_DTYPE, make_events
from stra_live.voxel import grid
from stra_live.voxel.grid import accumulate_voxel, events_to_voxel
from stra_live.voxel.reference import _events_to_voxel_numpy

H, W = 6, 8


def random_events(n: int, seed: int, t_max: int = 10_000, height: int = H,
                  width: int = W) -> np.ndarray:
    """n random events, sorted in time, on a height x width sensor."""
    rng = np.random.default_rng(seed)
    return make_events(np.sort(rng.integers(0, t_max, n)), rng.integers(0, width, n),
                       rng.integers(0, height, n), rng.choice(np.array([-1, 1]), n))


def test_hand_computed_bins_and_window_ends() -> None:
    # bins=3 over [100, 300]: tn = (t - 100) / 100.
    events = make_events(
        t=np.array([99, 100, 150, 200, 250, 300, 301]),
        x=np.array([5, 0, 2, 4, 3, 1, 6]),
        y=np.array([0, 0, 1, 2, 2, 0, 5]),
        p=np.array([1, 1, 1, 1, -1, -1, 1]),
    )
    expected = np.zeros((3, H, W), dtype=np.float32)
    expected[0, 0, 0] = 1.0  # at t_start: all in bin 0
    expected[0, 1, 2] = expected[1, 1, 2] = 0.5  # halfway between bins 0 and 1
    expected[1, 2, 4] = 1.0  # exactly on bin 1
    expected[1, 2, 3] = expected[2, 2, 3] = -0.5  # halfway between bins 1 and 2, OFF
    expected[2, 0, 1] = -1.0  # at t_end: all in the last bin
    # t=99 and t=301 lie outside the closed window and are ignored.
    voxel = events_to_voxel(events, 3, H, W, 100, 300)
    assert voxel.dtype == np.float32 and voxel.shape == (3, H, W)
    np.testing.assert_array_equal(voxel, expected)


def test_quarter_weights() -> None:
    # bins=2 over [0, 400]: an event at t=100 has tn = 0.25.
    events = make_events(np.array([100]), np.array([1]), np.array([1]), np.array([-1]))
    voxel = events_to_voxel(events, 2, H, W, 0, 400)
    assert voxel[0, 1, 1] == pytest.approx(-0.75) and voxel[1, 1, 1] == pytest.approx(-0.25)
    assert np.count_nonzero(voxel) == 2


def test_single_bin_is_signed_count_including_both_ends() -> None:
    events = make_events(np.array([0, 10, 10, 20, 21]), np.array([1, 1, 1, 1, 1]),
                         np.array([2, 2, 2, 2, 2]), np.array([1, 1, 1, -1, 1]))
    voxel = events_to_voxel(events, 1, H, W, 0, 20)
    assert voxel[0, 2, 1] == 2.0  # +1 +1 +1 -1; t=21 is outside
    assert np.count_nonzero(voxel) == 1


def test_zero_length_window_puts_its_events_in_bin_zero() -> None:
    events = make_events(np.array([4, 5, 5, 6]), np.array([0, 1, 1, 2]),
                         np.array([0, 0, 0, 0]), np.array([1, 1, 1, 1]))
    voxel = events_to_voxel(events, 4, H, W, 5, 5)
    assert voxel[0, 0, 1] == 2.0
    assert voxel.sum() == 2.0


@pytest.mark.parametrize("bins", [1, 2, 5, 9])
def test_matches_numpy_reference(bins: int) -> None:
    events = random_events(5_000, seed=bins)
    for t0, t1 in [(0, 9_999), (1_234, 7_777), (events["t"][10], events["t"][10])]:
        got = events_to_voxel(events, bins, H, W, int(t0), int(t1))
        want = _events_to_voxel_numpy(events, bins, H, W, int(t0), int(t1))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


def test_unsorted_and_strided_input_match_the_contiguous_sorted_case() -> None:
    events = random_events(2_001, seed=3)
    shuffled = events[np.random.default_rng(0).permutation(len(events))]
    np.testing.assert_allclose(events_to_voxel(shuffled, 5, H, W, 100, 9_000),
                               events_to_voxel(events, 5, H, W, 100, 9_000), atol=1e-4)
    strided = events[::3]
    np.testing.assert_allclose(events_to_voxel(strided, 5, H, W, 100, 9_000),
                               events_to_voxel(strided.copy(), 5, H, W, 100, 9_000), atol=0)


def test_weights_sum_to_the_signed_count() -> None:
    events = random_events(3_000, seed=7)
    voxel = events_to_voxel(events, 5, H, W, 500, 8_000)
    inside = events[(events["t"] >= 500) & (events["t"] <= 8_000)]
    count = np.zeros((H, W))
    np.add.at(count, (inside["y"], inside["x"]), inside["p"])
    np.testing.assert_allclose(voxel.sum(axis=0), count, atol=1e-4)


def test_caller_arrays_are_not_modified() -> None:
    events = random_events(1_000, seed=11)
    before = events.copy()
    events_to_voxel(events, 5, H, W, 0, 10_000)
    np.testing.assert_array_equal(events, before)


def test_accumulate_over_pieces_equals_the_whole() -> None:
    events = random_events(1_000, seed=5)
    whole = events_to_voxel(events, 4, H, W, 1_000, 9_000)
    out = np.zeros((4, H, W), dtype=np.float32)
    for piece in (events[:400], events[400:]):
        accumulate_voxel(piece["t"], piece["x"], piece["y"], piece["p"], 1_000, 9_000, out)
    np.testing.assert_allclose(out, whole, atol=1e-5)


def test_larger_sensor_and_many_bins() -> None:
    events = random_events(4_000, seed=2, height=260, width=346)
    got = events_to_voxel(events, 15, 260, 346, 0, 9_999)
    np.testing.assert_allclose(got, _events_to_voxel_numpy(events, 15, 260, 346, 0, 9_999),
                               atol=1e-5)


def test_off_sensor_event_raises_even_outside_the_window() -> None:
    events = make_events(np.array([0, 50]), np.array([1, W]), np.array([1, 0]),
                         np.array([1, 1]))
    with pytest.raises(InputError, match=r"event 1 at x=8, y=0 is off the 8x6 sensor"):
        events_to_voxel(events, 2, H, W, 0, 10, source="cam0")
    with pytest.raises(InputError, match="cam0"):
        events_to_voxel(events, 2, H, W, 0, 10, source="cam0")


def test_bad_polarity_raises() -> None:
    events = make_events(np.array([0, 1]), np.array([1, 1]), np.array([1, 1]), np.array([1, 0]))
    with pytest.raises(InputError, match="polarity 0"):
        events_to_voxel(events, 2, H, W, 0, 10)


def test_wrong_dtype_and_shape_raise_input_error() -> None:
    plain = np.zeros((3, 4), dtype=np.int64)
    with pytest.raises(InputError, match="dtype"):
        events_to_voxel(plain, 2, H, W, 0, 10)
    with pytest.raises(InputError, match="1-D"):
        events_to_voxel(np.zeros((2, 2), dtype=EVENT_DTYPE), 2, H, W, 0, 10)


@pytest.mark.parametrize(("bins", "t0", "t1", "match"), [
    (0, 0, 10, "bins"), (2.5, 0, 10, "bins"), (2, 10, 9, "ends before"),
])
def test_bad_arguments_raise_value_error(bins: int, t0: int, t1: int, match: str) -> None:
    events = random_events(10, seed=0)
    with pytest.raises(ValueError, match=match):
        events_to_voxel(events, bins, H, W, t0, t1)


def test_bad_output_and_columns_raise_value_error() -> None:
    events = random_events(10, seed=0)
    t, x, y, p = events["t"], events["x"], events["y"], events["p"]
    with pytest.raises(ValueError, match="out"):
        accumulate_voxel(t, x, y, p, 0, 10, np.zeros((2, H, W), dtype=np.float64))
    with pytest.raises(ValueError, match="column x"):
        accumulate_voxel(t, x.astype(np.int32), y, p, 0, 10, np.zeros((2, H, W), np.float32))
    with pytest.raises(ValueError, match="length"):
        accumulate_voxel(t, x[:5], y, p, 0, 10, np.zeros((2, H, W), np.float32))


def test_benchmark_runs_and_cross_checks_on_a_tiny_stream() -> None:
    parser = argparse.ArgumentParser()
    voxel_benchmark.add_arguments(parser)
    args = parser.parse_args(["--events", "20000", "--repeats", "1", "--window-us", "3000",
                              "--packet-events", "700"])
    result = voxel_benchmark.run(args)  # raises if the three implementations disagree
    assert set(result) >= {"numba_mev_s", "buffer_mev_s", "numpy_mev_s", "speedup_vs_numpy"}
    assert result["events"] == 20_000 and all(v > 0 for v in result.values())


# Spans where (bins - 1) / span times a centre's offset rounds one ulp above the
# integer (found by search), and plain ones (below, or exact).
@pytest.mark.parametrize(("bins", "span"), [(5, 364), (7, 546), (9, 600), (2, 999), (3, 80_000),
                                            (5, 133_333_332)])
def test_events_on_bin_centres_land_exactly_on_their_bin(bins: int, span: int) -> None:
    t_start = 1_000_003
    centres = t_start + np.arange(bins) * (span // (bins - 1))
    events = make_events(centres, np.arange(bins) % W, np.zeros(bins, dtype=int),
                         np.where(np.arange(bins) % 2 == 0, 1, -1))
    voxel = events_to_voxel(events, bins, H, W, t_start, t_start + span)
    expected = np.zeros_like(voxel)
    for j in range(bins):
        expected[j, 0, j % W] += 1 if j % 2 == 0 else -1
    np.testing.assert_array_equal(voxel, expected)


@pytest.mark.parametrize("workers", [2, 3])
def test_threaded_accumulation_matches_one_thread(workers: int,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    events = random_events(20_001, seed=11)
    one_thread = events_to_voxel(events, 4, H, W, 1_000, 9_000)
    monkeypatch.setattr(grid, "voxel_threads", lambda n, max_threads: workers)
    threaded = events_to_voxel(events, 4, H, W, 1_000, 9_000)
    np.testing.assert_allclose(threaded, one_thread, rtol=1e-5, atol=1e-5)
    # A bad event in a later piece is still reported by its index in the whole input.
    events["x"][15_000] = W
    with pytest.raises(InputError, match="event 15000 at x=8"):
        events_to_voxel(events, 4, H, W, 1_000, 9_000)
