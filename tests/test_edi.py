"""EDI: exact on hand cases, equal to a slow time-grid reference, and noise-free recovery."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stra_live.evaluation.edi import EdiDeblurrer, edi_deblur
from stra_live.evaluation.protocol import BlurWindow
from stra_live.events import empty_events, make_events

C = 0.18


def _one_event(t: int, p: int = 1, x: int = 0, y: int = 0) -> np.ndarray:
    return make_events(np.array([t]), np.array([x]), np.array([y]), np.array([p]))


def _random_events(rng: np.random.Generator, count: int, height: int, width: int,
                   t_end: int) -> np.ndarray:
    t = np.sort(rng.integers(0, t_end + 1, count))
    return make_events(t, rng.integers(0, width, count), rng.integers(0, height, count),
                       rng.choice([-1, 1], count))


def _grid_reference(blurry: np.ndarray, events: np.ndarray, t_start: int, t_end: int,
                    t_ref: int, c: float) -> np.ndarray:
    """Slow EDI on a 1 us grid; exact for integer event times (E is constant on each step)."""
    out = np.zeros_like(blurry, dtype=np.float64)
    mids = np.arange(t_start, t_end) + 0.5
    for (y, x), b in np.ndenumerate(blurry):
        mine = events[(events["x"] == x) & (events["y"] == y)]
        mine = mine[(mine["t"] >= t_start) & (mine["t"] <= t_end)]
        t, p = mine["t"][None, :], mine["p"][None, :].astype(np.float64)
        m = mids[:, None]
        forward = ((t > t_ref) & (t <= m)) * p
        backward = ((t > m) & (t <= t_ref)) * p
        exposure_mean = np.mean(np.exp(c * (forward.sum(1) - backward.sum(1))))
        out[y, x] = b / exposure_mean
    return np.clip(out, 0.0, 1.0)


def test_hand_case_one_on_event_mid_exposure() -> None:
    b = np.array([[0.3]], np.float32)
    events = _one_event(500)
    # Latent time at the event: before it the scene was darker by exp(-c) for half the window.
    at_event = edi_deblur(b, events, 0, 1000, 500, C)
    assert at_event[0, 0] == pytest.approx(2 * 0.3 / (1 + math.exp(-C)), rel=1e-6)
    # Latent time at the start: the second half was brighter by exp(c).
    at_start = edi_deblur(b, events, 0, 1000, 0, C)
    assert at_start[0, 0] == pytest.approx(2 * 0.3 / (1 + math.exp(C)), rel=1e-6)
    at_end = edi_deblur(b, events, 0, 1000, 1000, C)
    assert at_end[0, 0] == pytest.approx(at_event[0, 0], rel=1e-6)


def test_hand_case_off_event_at_a_quarter() -> None:
    b = np.array([[0.5]], np.float32)
    # Exposure 0..400, OFF at 100, latent time 300 (after it): 1/4 of the time at exp(+c).
    out = edi_deblur(b, _one_event(100, p=-1), 0, 400, 300, C)
    assert out[0, 0] == pytest.approx(0.5 / (0.25 * math.exp(C) + 0.75), rel=1e-6)


def test_matches_the_slow_time_grid_reference() -> None:
    rng = np.random.default_rng(3)
    height, width, t_end = 3, 4, 300
    events = _random_events(rng, 80, height, width, t_end + 50)
    blurry = rng.uniform(0.05, 0.6, (height, width)).astype(np.float32)
    for t_ref in (0, 137, 300):
        fast = edi_deblur(blurry, events, 20, t_end, t_ref, C)
        slow = _grid_reference(blurry, events, 20, t_end, t_ref, C)
        np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-7)


def test_recovers_the_sharp_frame_from_noise_free_events() -> None:
    rng = np.random.default_rng(7)
    height, width, t_start, t_end, t_ref = 5, 6, 1000, 3000, 2100
    events = _random_events(rng, 150, height, width, 4000)
    events = events[(events["t"] >= t_start) & (events["t"] <= t_end)]
    start_level = rng.uniform(0.05, 0.3, (height, width))
    blurry = np.zeros((height, width))
    sharp = np.zeros((height, width))
    for (y, x), level in np.ndenumerate(start_level):
        mine = events[(events["x"] == x) & (events["y"] == y)]
        # The latent intensity jumps by exp(+-c) at each event: average it piece by piece.
        edges = np.r_[t_start, mine["t"], t_end].astype(np.float64)
        levels = level * np.exp(C * np.r_[0, np.cumsum(mine["p"])])
        blurry[y, x] = np.sum(levels * np.diff(edges)) / (t_end - t_start)
        sharp[y, x] = level * np.exp(C * mine["p"][mine["t"] <= t_ref].sum())
    assert sharp.max() < 1.0
    out = edi_deblur(blurry, events, t_start, t_end, t_ref, C)
    np.testing.assert_allclose(out, sharp, rtol=1e-5)
    assert np.abs(blurry - sharp).max() > 0.01  # the case really was blurred


def test_black_pixels_clipping_and_degenerate_windows() -> None:
    blurry = np.array([[0.0, 0.9]], np.float32)
    events = make_events(np.array([10, 20]), np.array([0, 1]), np.array([0, 0]),
                         np.array([1, -1]))
    out = edi_deblur(blurry, events, 0, 100, 0, 2.0)
    assert out[0, 0] == 0.0  # B = 0 stays black, no NaN
    assert out[0, 1] == 1.0  # before the OFF event: 0.9 / (0.2 + 0.8 exp(-2)) > 1, clipped
    np.testing.assert_array_equal(edi_deblur(blurry, events, 50, 50, 50, C), blurry)
    np.testing.assert_array_equal(edi_deblur(blurry, empty_events(), 0, 100, 30, C), blurry)


def test_events_outside_the_exposure_are_ignored_and_input_untouched() -> None:
    blurry = np.full((2, 2), 0.4, np.float32)
    events = make_events(np.array([5, 50, 500]), np.array([1, 1, 1]), np.array([0, 0, 0]),
                         np.array([1, 1, 1]))
    before = events.copy()
    out = edi_deblur(blurry, events, 10, 100, 10, C)
    only_inside = edi_deblur(blurry, events[1:2], 10, 100, 10, C)
    np.testing.assert_array_equal(out, only_inside)
    np.testing.assert_array_equal(events, before)
    assert out[0, 0] == pytest.approx(0.4) and out[0, 1] < 0.4


def test_extreme_event_counts_do_not_overflow() -> None:
    n = 6000
    events = make_events(np.arange(n), np.zeros(n), np.zeros(n), np.ones(n))
    out = edi_deblur(np.array([[0.5]], np.float32), events, 0, n, 0, C)
    assert np.isfinite(out).all() and 0.0 <= out[0, 0] <= 1.0


def test_deblurrer_uses_the_current_window_and_its_truth_time() -> None:
    blank = np.zeros((1, 1), np.float32)
    cur = BlurWindow(1, np.full((1, 1), 0.3, np.float32), blank, 0, 1000, 0)
    other = BlurWindow(0, blank, blank, 0, 0, 0)
    out = EdiDeblurrer(C)(other, cur, other, _one_event(500))
    assert out[0, 0] == pytest.approx(2 * 0.3 / (1 + math.exp(C)), rel=1e-6)
    with pytest.raises(ValueError, match="contrast"):
        EdiDeblurrer(0.0)
