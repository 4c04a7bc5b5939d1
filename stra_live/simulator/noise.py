"""Random per-pixel parameters and shot noise of the event simulator, drawn on the NumPy side.

All randomness comes from a caller-owned ``np.random.Generator``, so a seeded
simulator is reproducible and the Numba kernels stay deterministic.
"""

from __future__ import annotations

import numpy as np


def draw_thresholds(
    rng: np.random.Generator, shape: tuple[int, int], mean: float, sigma: float, minimum: float
) -> np.ndarray:
    """Per-pixel contrast thresholds ~ N(mean, sigma), clipped below at ``minimum``.

    Returns:
        (H, W) float64.
    """
    return np.maximum(rng.normal(mean, sigma, size=shape), minimum)


def draw_leak_rates(
    rng: np.random.Generator, shape: tuple[int, int], rate_hz: float, jitter: float
) -> np.ndarray:
    """Per-pixel leak event rates (Hz) ~ rate * (1 + jitter * N(0, 1)), never negative.

    Returns:
        (H, W) float64.
    """
    if rate_hz == 0:
        return np.zeros(shape)
    return np.maximum(rate_hz * (1.0 + jitter * rng.standard_normal(shape)), 0.0)


def shot_noise(
    rng: np.random.Generator, shape: tuple[int, int], rate_hz: float, t_prev: int, t_now: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shot-noise events in ``(t_prev, t_now]``: a Poisson process per pixel, random polarity.

    Each pixel fires at ``rate_hz`` (ON and OFF together, equally likely),
    independently of the scene. Shot-noise events do not move the pixel's
    reference level (a simplification of v2e, which resets it).

    Returns:
        Unsorted event columns t (int64 us), x, y (uint16), p (int8 +1/-1), each (N,).
    """
    height, width = shape
    expected = rate_hz * (t_now - t_prev) * 1e-6 * height * width
    n = int(rng.poisson(expected)) if expected > 0 else 0
    t = rng.integers(t_prev + 1, t_now + 1, size=n, dtype=np.int64)
    pixel = rng.integers(0, height * width, size=n)
    p = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
    return t, (pixel % width).astype(np.uint16), (pixel // width).astype(np.uint16), p


def draw_hot_pixels(
    rng: np.random.Generator, shape: tuple[int, int], fraction: float, rate_hz: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hot pixels: flat pixel indices, their fixed polarity and rate (rate * U(0.5, 1.5)).

    Returns:
        pixel (N,) int64, polarity (N,) int8 +1/-1, rate (N,) float64 Hz.
    """
    count = round(fraction * shape[0] * shape[1])
    if count == 0:  # draw nothing: an ideal sensor's random stream stays as it was
        return np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros(0)
    pixel = rng.choice(shape[0] * shape[1], size=count, replace=False).astype(np.int64)
    polarity = np.where(rng.random(count) < 0.5, 1, -1).astype(np.int8)
    rate = rate_hz * rng.uniform(0.5, 1.5, size=count)
    return pixel, polarity, rate


def hot_pixel_events(
    rng: np.random.Generator, width: int, hot: tuple[np.ndarray, np.ndarray, np.ndarray],
    t_prev: int, t_now: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Events of the hot pixels in ``(t_prev, t_now]``: a Poisson process each.

    Like shot noise, they leave the pixel's reference level alone: a hot pixel
    is a leaky or stuck comparator, not light.

    Returns:
        Unsorted event columns t (int64 us), x, y (uint16), p (int8), each (N,).
    """
    pixel, polarity, rate = hot
    counts = rng.poisson(rate * (t_now - t_prev) * 1e-6) if len(pixel) else np.zeros(0, int)
    which = np.repeat(np.arange(len(pixel)), counts)
    t = rng.integers(t_prev + 1, t_now + 1, size=len(which), dtype=np.int64)
    flat = pixel[which]
    return t, (flat % width).astype(np.uint16), (flat // width).astype(np.uint16), polarity[which]
