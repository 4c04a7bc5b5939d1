"""Tests of the event simulator: hand-made inputs, a slow reference, noise, errors."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from stra_live.errors import InputError
from stra_live.events import EVENT_DTYPE
from stra_live.simulator.config import SimulatorConfig
from stra_live.simulator.esim import EventSimulator
from stra_live.simulator.log_intensity import lin_log, lin_log_scalar

THETA = 0.2
CLEAN = SimulatorConfig(
    pos_threshold=THETA, neg_threshold=THETA, threshold_sigma=0.0, refractory_us=0,
    leak_rate_hz=0.0, shot_noise_rate_hz=0.0,
)
"""Exact thresholds, no refractory period, no noise: every crossing is an event."""


def pixel(value: float) -> np.ndarray:
    return np.full((1, 1), value, dtype=np.float32)


def run(simulator: EventSimulator, frames: list[np.ndarray], times: list[int]) -> np.ndarray:
    chunks = [simulator.step(f, t) for f, t in zip(frames, times, strict=True)]
    return np.concatenate(chunks)


def test_ramp_of_three_thresholds_gives_three_interpolated_on_events() -> None:
    sim = EventSimulator((1, 1), CLEAN)
    sim.step(pixel(0.3), 0)
    events = sim.step(pixel(0.3 * math.exp(3 * THETA)), 3000)
    # log rises linearly from L0 to L0 + 3 theta: crossings at 1/3, 2/3 and 3/3 of the interval.
    assert events.dtype == EVENT_DTYPE
    assert events["t"].tolist() == [1000, 2000, 3000]
    assert events["p"].tolist() == [1, 1, 1]
    assert events["x"].tolist() == [0, 0, 0] and events["y"].tolist() == [0, 0, 0]


def test_crossings_inside_an_interval_follow_the_reference_not_the_sample() -> None:
    sim = EventSimulator((1, 1), CLEAN)
    sim.step(pixel(0.3), 0)
    # +1.5 theta: one ON event at 2/3 of the interval, half a threshold left over.
    first = sim.step(pixel(0.3 * math.exp(1.5 * THETA)), 1500)
    assert first["t"].tolist() == [1000]
    # +1.5 theta again: the residual half threshold is crossed after 1/3 of this interval.
    second = sim.step(pixel(0.3 * math.exp(3.0 * THETA)), 3000)
    assert second["t"].tolist() == [2000, 3000]


def test_darker_gives_off_events_and_brighter_on_events() -> None:
    sim = EventSimulator((1, 2), CLEAN)
    sim.step(np.array([[0.5, 0.5]], np.float32), 0)
    events = sim.step(np.array([[0.5 * math.exp(2.5 * THETA), 0.5 * math.exp(-2.5 * THETA)]],
                               np.float32), 1000)
    on, off = events[events["x"] == 0], events[events["x"] == 1]
    assert on["p"].tolist() == [1, 1] and off["p"].tolist() == [-1, -1]
    assert on["t"].tolist() == [400, 800] and off["t"].tolist() == [400, 800]


def test_constant_input_without_noise_gives_no_events() -> None:
    config = SimulatorConfig(leak_rate_hz=0.0, shot_noise_rate_hz=0.0)  # random thresholds
    sim = EventSimulator((20, 30), config, seed=1)
    image = np.random.default_rng(0).random((20, 30)).astype(np.float32)
    events = run(sim, [image] * 50, [i * 4167 for i in range(50)])
    assert len(events) == 0


def test_refractory_period_drops_events_but_the_reference_moves_on() -> None:
    config = SimulatorConfig(**{**CLEAN.__dict__, "refractory_us": 500})
    sim = EventSimulator((1, 1), config)
    sim.step(pixel(0.3), 0)
    events = sim.step(pixel(0.3 * math.exp(3 * THETA)), 300)
    # Crossings at 100, 200, 300 us: the last two fall inside the 500 us dead time.
    assert events["t"].tolist() == [100]
    # The lost crossings still moved the reference: holding the level fires nothing.
    assert len(sim.step(pixel(0.3 * math.exp(3 * THETA)), 5000)) == 0
    # After the dead time a new crossing fires again.
    assert sim.step(pixel(0.3 * math.exp(4 * THETA)), 6000)["t"].tolist() == [6000]


def reference_events(frames: np.ndarray, times: list[int], theta_on: np.ndarray,
                     theta_off: np.ndarray, cutoff: float) -> list[tuple[int, int, int, int]]:
    """Slow reference: step every microsecond, fire while the level is a threshold away."""
    events = []
    logs = lin_log(frames, cutoff)
    _, height, width = frames.shape
    for y in range(height):
        for x in range(width):
            ref = logs[0, y, x]
            for i in range(1, len(times)):
                span = times[i] - times[i - 1]
                for step in range(1, span + 1):
                    level = logs[i - 1, y, x] + (logs[i, y, x] - logs[i - 1, y, x]) * step / span
                    while level - ref >= theta_on[y, x]:
                        ref += theta_on[y, x]
                        events.append((times[i - 1] + step, x, y, 1))
                    while ref - level >= theta_off[y, x]:
                        ref -= theta_off[y, x]
                        events.append((times[i - 1] + step, x, y, -1))
    return events


def test_matches_a_slow_microsecond_stepping_reference() -> None:
    rng = np.random.default_rng(5)
    frames = rng.uniform(0.02, 1.0, (6, 3, 4)).astype(np.float32)
    times = [0, 700, 1500, 1800, 2900, 3300]
    config = SimulatorConfig(refractory_us=0, leak_rate_hz=0.0, shot_noise_rate_hz=0.0)
    sim = EventSimulator((3, 4), config, seed=2)
    got = run(sim, list(frames), times)
    expected = reference_events(frames, times, sim.pos_thresholds, sim.neg_thresholds,
                                config.lin_log_cutoff)
    assert len(got) == len(expected) > 20
    key = lambda e: (e[1], e[2], e[0])  # noqa: E731 - pixel, then time
    for (t, x, y, p), (rt, rx, ry, rp) in zip(
        sorted(map(tuple, got.tolist()), key=key), sorted(expected, key=key), strict=True
    ):
        assert (x, y, p) == (rx, ry, rp)
        assert abs(t - rt) <= 1  # the reference rounds up to its microsecond grid


def test_output_is_sorted_and_inside_each_interval() -> None:
    sim = EventSimulator((16, 16), SimulatorConfig(shot_noise_rate_hz=50.0), seed=3)
    rng = np.random.default_rng(3)
    previous = 0
    for i in range(8):
        t = i * 4167
        events = sim.step(rng.random((16, 16)).astype(np.float32), t)
        if i == 0:
            continue
        assert len(events) > 0
        assert np.all(np.diff(events["t"]) >= 0)
        assert events["t"].min() > previous and events["t"].max() <= t
        previous = t


def test_long_intervals_are_sorted_too() -> None:
    # Over 2**16 us the fast uint16 sort keys do not fit; the int64 path must still sort.
    sim = EventSimulator((8, 8), SimulatorConfig(shot_noise_rate_hz=20.0), seed=8)
    rng = np.random.default_rng(8)
    sim.step(rng.random((8, 8)).astype(np.float32), 0)
    events = sim.step(rng.random((8, 8)).astype(np.float32), 300_000)
    assert len(events) > 100 and events["t"].max() - events["t"].min() > 2**16
    assert np.all(np.diff(events["t"]) >= 0)


def test_thresholds_follow_the_configured_distribution() -> None:
    sim = EventSimulator((200, 200), SimulatorConfig(), seed=0)
    for thresholds in (sim.pos_thresholds, sim.neg_thresholds):
        assert abs(thresholds.mean() - 0.18) < 0.002
        assert abs(thresholds.std() - 0.03) < 0.002
    assert not np.array_equal(sim.pos_thresholds, sim.neg_thresholds)
    wide = EventSimulator((100, 100), SimulatorConfig(threshold_sigma=0.3), seed=0)
    assert wide.pos_thresholds.min() == pytest.approx(0.01)


def test_leak_fires_on_events_at_the_leak_rate() -> None:
    config = SimulatorConfig(pos_threshold=THETA, neg_threshold=THETA, threshold_sigma=0.0,
                             leak_rate_hz=10.0, leak_jitter=0.0, shot_noise_rate_hz=0.0)
    sim = EventSimulator((6, 7), config, seed=4)
    image = np.full((6, 7), 0.4, np.float32)
    events = run(sim, [image] * 11, [i * 100_000 for i in range(11)])
    # 1 s at 10 Hz from a random phase below one threshold: exactly 10 ON events per pixel.
    assert np.all(events["p"] == 1)
    counts = np.zeros((6, 7), int)
    np.add.at(counts, (events["y"], events["x"]), 1)
    assert np.all(counts == 10)


def test_shot_noise_rate_and_polarity_balance() -> None:
    config = SimulatorConfig(leak_rate_hz=0.0, shot_noise_rate_hz=100.0)
    sim = EventSimulator((20, 20), config, seed=6)
    image = np.full((20, 20), 0.5, np.float32)
    events = run(sim, [image] * 11, [i * 100_000 for i in range(11)])
    assert abs(len(events) - 40_000) < 4 * math.sqrt(40_000)
    assert abs(np.mean(events["p"] == 1) - 0.5) < 0.02


def test_same_seed_same_events_and_different_seed_different() -> None:
    rng = np.random.default_rng(7)
    frames = list(rng.random((5, 10, 12)).astype(np.float32))
    times = [i * 4167 for i in range(5)]
    a = run(EventSimulator((10, 12), seed=11), frames, times)
    b = run(EventSimulator((10, 12), seed=11), frames, times)
    c = run(EventSimulator((10, 12), seed=12), frames, times)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize(
    ("frame", "t_us", "problem"),
    [
        (np.zeros((2, 3), np.float32), 10, "shape"),
        (np.full((3, 2), np.nan, np.float32), 10, "NaN"),
        (np.full((3, 2), 1.5, np.float32), 10, "outside [0, 1]"),
        (np.zeros((3, 2), np.uint8), 10, "float"),
        (np.zeros((3, 2), np.float32), 0, "not after"),
    ],
)
def test_bad_frames_raise_input_error(frame: np.ndarray, t_us: int, problem: str) -> None:
    sim = EventSimulator((3, 2), name="cam0")
    sim.step(np.zeros((3, 2), np.float32), 0)
    with pytest.raises(InputError, match=re.escape(problem)) as info:
        sim.step(frame, t_us)
    assert info.value.source == "cam0"


def test_lin_log_is_log_above_the_cutoff_linear_below_and_continuous() -> None:
    c = 20 / 255
    assert lin_log(np.array([0.5]), c)[0] == pytest.approx(math.log(0.5))
    below = np.array([0.0, c / 2, c])
    assert np.allclose(np.diff(lin_log(below, c)), np.diff(below) / c)  # slope 1/c: linear
    eps = 1e-9
    left, right = lin_log(np.array([c - eps, c + eps]), c)
    assert abs(right - left) < 1e-6  # continuous (and C1: both slopes are 1/c)
    grid = np.linspace(0, 1, 10_001)
    assert np.all(np.diff(lin_log(grid, c)) > 0)  # increasing everywhere, finite at 0
    assert np.isfinite(lin_log(np.array([0.0]), c)[0])
    for x in (0.0, 0.03, c, 0.2, 1.0):
        assert lin_log_scalar(x, c) == pytest.approx(lin_log(np.array([x]), c)[0])


def test_config_validation_names_the_field() -> None:
    with pytest.raises(ValueError, match="refractory_us"):
        SimulatorConfig(refractory_us=-1)
    with pytest.raises(ValueError, match="pos_threshold"):
        SimulatorConfig(pos_threshold=0.001)
