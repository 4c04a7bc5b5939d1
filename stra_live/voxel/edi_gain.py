"""EDI's exposure gain per pixel, exactly, in one pass over a window's events.

EDI (Pan et al., CVPR 2019) writes a blurry frame as the latent image at time f
times the exposure's mean of exp(c E(f -> t)), E being the pixel's signed event
count from f to t, so the latent image is ``B / gain``. The count is piecewise
constant between a pixel's events, so the integral has a closed form. With C(t)
the pixel's net polarity since the window start and g = exp(c C):

    integral over [t0, t1] of exp(c C(t)) dt = T g(t1) - sum over events e of
                                              (g_e - g_e-) (t_e - t0)

(T = t1 - t0; g_e- and g_e are g just before and at event e), and the gain is
that times exp(-c C(f)) / T. Each event updates one pixel's running sums, so
the cost is one multiply-add per event and contrast, with no time grid: this
is the same quantity :func:`stra_live.evaluation.edi.edi_deblur` computes
vectorised over a whole recording, in a form the streaming engine and the
training samples can afford per window. An event exactly at f counts as
already happened, as there.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from stra_live.errors import InputError

MAX_EXPONENT = 60.0
"""|c C| past which a pixel's gain stops growing: exp(60) already saturates any
latent image to 0 or 1, and hot pixels pile up thousands of events."""

_ALL_GOOD = -1


def edi_gains(t: np.ndarray, x: np.ndarray, y: np.ndarray, p: np.ndarray,
              t_start: int, t_end: int, t_latent: int, contrasts: np.ndarray,
              resolution: tuple[int, int], *, source: object = "events") -> np.ndarray:
    """EDI's mean exposure gain of every pixel, for each contrast.

    Args:
        t, x, y, p: event columns in time order (int64 us, uint16, uint16,
            int8 +1/-1); events outside ``[t_start, t_end]`` are ignored.
        t_start, t_end: the exposure, closed.
        t_latent: the latent time f (usually the exposure's centre).
        contrasts: (K,) contrast thresholds c > 0.
        resolution: sensor (height, width).
        source: names the stream in error messages.

    Returns:
        (K, H, W) float32, >= 0: the latent image is ``blurry / gain``; a pixel
        without events has gain 1.

    Raises:
        InputError: events out of time order or off the sensor.
        ValueError: a window that ends before it starts or a contrast <= 0.
    """
    if t_end < t_start:
        raise ValueError(f"exposure ends before it starts: [{t_start}, {t_end}] us")
    contrasts = np.asarray(contrasts, dtype=np.float64)
    if contrasts.ndim != 1 or (len(contrasts) and contrasts.min() <= 0):
        raise ValueError(f"contrasts must be a 1-D array of values > 0, got {contrasts}")
    height, width = resolution
    out = np.ones((len(contrasts), height, width), np.float32)
    if t_end == t_start or len(contrasts) == 0:
        return out
    bad = _gain_kernel(t, x, y, p, int(t_start), int(t_end), int(t_latent), contrasts, out)
    if bad != _ALL_GOOD:
        if int(x[bad]) >= width or int(y[bad]) >= height:
            problem = (f"event {bad} at ({int(x[bad])}, {int(y[bad])}) lies off the "
                       f"{width}x{height} sensor")
        else:
            problem = f"event {bad} at t={int(t[bad])} us is earlier than the event before it"
        raise InputError(source, f"{problem}: EDI needs events in time order on the sensor")
    return out


@numba.njit(cache=True, nogil=True)
def _gain_kernel(t: np.ndarray, x: np.ndarray, y: np.ndarray, p: np.ndarray,
                 t_start: int, t_end: int, t_latent: int, contrasts: np.ndarray,
                 out: np.ndarray) -> int:
    """Fill ``out`` with the gains; the index of the first bad event, or -1."""
    kinds, height, width = out.shape
    level = np.zeros((height, width), np.int32)
    at_latent = np.zeros((height, width), np.int32)
    # (H, W, K): one event touches the K contrasts of one pixel, kept adjacent.
    weighted = np.zeros((height, width, kinds), np.float64)
    reach = int(MAX_EXPONENT / contrasts.min()) + 1
    # gains[n + reach, k] = exp(c_k n) for every level n the clamp leaves distinct, so
    # no event and no pixel calls exp (exact: past +-reach every c_k n is clamped anyway);
    # levels-major, so one event's K gains are adjacent like its K sums.
    gains = np.empty((2 * reach + 1, kinds), np.float64)
    for n in range(-reach, reach + 1):
        for k in range(kinds):
            gains[n + reach, k] = math.exp(min(max(contrasts[k] * n, -MAX_EXPONENT),
                                               MAX_EXPONENT))
    previous = t_start
    for i in range(t.shape[0]):
        ti = t[i]
        if ti < t_start or ti > t_end:
            continue
        xi = x[i]
        yi = y[i]
        if ti < previous or xi >= width or yi >= height:
            return i
        previous = ti
        polarity = 1 if p[i] > 0 else -1
        before = level[yi, xi]
        after = before + polarity
        level[yi, xi] = after
        if ti <= t_latent:
            at_latent[yi, xi] += polarity
        offset = float(ti - t_start)
        lo = min(max(before, -reach), reach) + reach
        hi = min(max(after, -reach), reach) + reach
        for k in range(kinds):
            weighted[yi, xi, k] += (gains[hi, k] - gains[lo, k]) * offset
    span = float(t_end - t_start)
    for yy in range(height):
        for xx in range(width):
            if level[yy, xx] == 0 and at_latent[yy, xx] == 0 and weighted[yy, xx, 0] == 0.0:
                continue  # no events (or they cancel at one instant): gain 1
            end = min(max(level[yy, xx], -reach), reach) + reach
            back = min(max(-at_latent[yy, xx], -reach), reach) + reach  # exp(-c C(f))
            for k in range(kinds):
                mean = gains[back, k] * (gains[end, k] - weighted[yy, xx, k] / span)
                out[k, yy, xx] = min(max(mean, 0.0), 1e30)
    return -1
