"""Numba kernels of the event simulator: threshold crossings between two samples.

Private layer of :class:`stra_live.simulator.esim.EventSimulator`, which checks
every input before calling in. Per pixel, between samples at ``t_prev`` and
``t_now`` the log intensity L is interpolated linearly, and the reference level
R (the log intensity memorised at the last event) drifts down linearly by the
leak. Their difference d(s) = L(s) - R(s), s in [0, 1], is therefore linear:

    d(s) = d0 + g * s,  d0 = L_prev - R,  g = L_now - L_prev + leak * dt

The k-th ON crossing happens where d(s) = k * theta_on (each event raises R by
theta_on), i.e. at s_k = (k * theta_on - d0) / g; OFF crossings mirror it with
-k * theta_off. Every crossing moves R, whether or not the refractory period
lets it out as an event: a pixel in its dead time loses the event but its
reference still follows the light, as in a real pixel held in reset.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from stra_live.simulator.log_intensity import lin_log_scalar

CROSSING_TOLERANCE = 1e-6
"""Log-intensity slack so that reaching a threshold exactly counts despite float32 rounding."""


@numba.njit(cache=True, nogil=True)
def count_crossings(
    frame: np.ndarray, cutoff: float, prev_log: np.ndarray, ref: np.ndarray,
    leak_drop: np.ndarray, pos_thr: np.ndarray, neg_thr: np.ndarray,
    new_log: np.ndarray, counts: np.ndarray,
) -> int:
    """First pass: log response of ``frame`` and signed crossing count per pixel.

    Args:
        frame: (H, W) float32 intensities in [0, 1].
        cutoff: lin_log cutoff intensity.
        prev_log: (H, W) float64 log response at the previous sample.
        ref: (H, W) float64 reference level at the previous sample.
        leak_drop: (H, W) float64 fall of the reference over this interval.
        pos_thr, neg_thr: (H, W) float64 per-pixel thresholds.
        new_log: (H, W) float64, written: log response of ``frame``.
        counts: (H, W) int32, written: +n for n ON crossings, -n for n OFF.

    Returns:
        Total number of crossings (ON and OFF).
    """
    height, width = frame.shape
    total = 0
    for y in range(height):
        for x in range(width):
            level = lin_log_scalar(frame[y, x], cutoff)
            new_log[y, x] = level
            d1 = level - ref[y, x] + leak_drop[y, x]
            n = 0
            if d1 + CROSSING_TOLERANCE >= pos_thr[y, x]:
                n = math.floor((d1 + CROSSING_TOLERANCE) / pos_thr[y, x])
            elif -d1 + CROSSING_TOLERANCE >= neg_thr[y, x]:
                n = -math.floor((-d1 + CROSSING_TOLERANCE) / neg_thr[y, x])
            counts[y, x] = n
            total += abs(n)
    return total


@numba.njit(cache=True, nogil=True)
def emit_crossings(
    counts: np.ndarray, new_log: np.ndarray, prev_log: np.ndarray, ref: np.ndarray,
    leak_drop: np.ndarray, pos_thr: np.ndarray, neg_thr: np.ndarray, last_t: np.ndarray,
    t_prev: int, t_now: int, refractory_us: float,
    out_t: np.ndarray, out_x: np.ndarray, out_y: np.ndarray, out_p: np.ndarray,
) -> int:
    """Second pass: timestamp the crossings, apply the refractory period, advance the state.

    Arguments as in :func:`count_crossings`, plus ``last_t`` ((H, W) float64
    time of each pixel's last event, updated), the interval ``(t_prev, t_now]``
    in microseconds, and output columns of length >= the crossing total.
    ``prev_log`` and ``ref`` are updated to the state at ``t_now``.

    Returns:
        Number of events written to the output columns (pixel-major order).
    """
    height, width = counts.shape
    dt = float(t_now - t_prev)
    written = 0
    for y in range(height):
        for x in range(width):
            n = counts[y, x]
            r = ref[y, x] - leak_drop[y, x]
            if n != 0:
                d0 = prev_log[y, x] - ref[y, x]
                g = new_log[y, x] - prev_log[y, x] + leak_drop[y, x]
                sign = 1 if n > 0 else -1
                theta = pos_thr[y, x] if n > 0 else neg_thr[y, x]
                for k in range(1, abs(n) + 1):
                    s = 1.0
                    if g != 0.0:
                        s = min(max((sign * k * theta - d0) / g, 0.0), 1.0)
                    tc = t_prev + s * dt
                    if tc - last_t[y, x] >= refractory_us:
                        last_t[y, x] = tc
                        out_t[written] = min(max(round(tc), t_prev + 1), t_now)
                        out_x[written] = x
                        out_y[written] = y
                        out_p[written] = sign
                        written += 1
                r += sign * abs(n) * theta
            ref[y, x] = r
            prev_log[y, x] = new_log[y, x]
    return written
