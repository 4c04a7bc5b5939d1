"""EDI's exposure gain per pixel, exactly, in one pass over a window's events.

EDI (Pan et al., CVPR 2019) writes a blurry frame as the latent image at time f
times the exposure's mean of exp(c E(f -> t)), E being the pixel's signed event
count from f to t, so the latent image is ``B / gain``. EDI takes E piecewise
constant: the log intensity jumps by c at each event. A pixel's log intensity
does not jump, though; it drifts from one threshold level to the next, and an
event only says when it arrived. With a ramp of length r > 0, each event's
step is spread linearly over the ``min(r, time since the pixel's previous
event)`` before it, so between two events the log intensity is interpolated
rather than held at the level of the earlier one. On the ideal test sensor
this alone lifts EDI by 0.8-0.9 dB at k = 7 and 13 (r = 4 ms; a longer ramp
lags a pixel that sat still and then saw an edge); r = 0 is EDI's model.

E is piecewise linear either way, so the integral has a closed form, summed
segment by segment as each pixel's events arrive in time order: one flat and
one ramp segment per event, the ramp's integral exp(c L) d (e^(c p) - 1) / (c p)
taken from tables unless the segment is cut by the exposure's ends. The cost is
a few multiply-adds per event and contrast, with no time grid. Events up to r
before and after the exposure matter (their ramps reach into it), so callers
pass those too (:func:`event_span`). An event exactly at f counts as already
happened (the latent image is the state just after it). With r = 0 this is the
quantity :func:`stra_live.evaluation.edi.edi_deblur` computes vectorised over a
whole recording, in a form the streaming engine and the training samples can
afford per window.
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


def event_span(t_start: int, t_end: int, ramp_us: float) -> tuple[int, int]:
    """The closed time range of events the gains of exposure ``[t_start, t_end]`` read."""
    margin = math.ceil(ramp_us)
    return t_start - margin, t_end + margin


def edi_gains(t: np.ndarray, x: np.ndarray, y: np.ndarray, p: np.ndarray,
              t_start: int, t_end: int, t_latent: int, contrasts: np.ndarray,
              resolution: tuple[int, int], *, ramp_us: float = 0.0,
              source: object = "events") -> np.ndarray:
    """EDI's mean exposure gain of every pixel, for each contrast.

    Args:
        t, x, y, p: event columns in time order (int64 us, uint16, uint16,
            int8 +1/-1); events outside :func:`event_span` are ignored.
        t_start, t_end: the exposure, closed.
        t_latent: the latent time f (usually the exposure's centre).
        contrasts: (K,) contrast thresholds c > 0.
        resolution: sensor (height, width).
        ramp_us: longest time over which an event's step is spread (0: EDI's steps).
        source: names the stream in error messages.

    Returns:
        (K, H, W) float32, >= 0: the latent image is ``blurry / gain``; a pixel
        without events has gain 1.

    Raises:
        InputError: events out of time order or off the sensor.
        ValueError: a window that ends before it starts, a contrast <= 0 or a
            negative ramp.
    """
    if t_end < t_start:
        raise ValueError(f"exposure ends before it starts: [{t_start}, {t_end}] us")
    if not ramp_us >= 0:
        raise ValueError(f"ramp_us must be >= 0, got {ramp_us}")
    contrasts = np.asarray(contrasts, dtype=np.float64)
    if contrasts.ndim != 1 or (len(contrasts) and contrasts.min() <= 0):
        raise ValueError(f"contrasts must be a 1-D array of values > 0, got {contrasts}")
    height, width = resolution
    out = np.ones((len(contrasts), height, width), np.float32)
    if t_end == t_start or len(contrasts) == 0:
        return out
    first, final = event_span(int(t_start), int(t_end), ramp_us)
    bad = _gain_kernel(t, x, y, p, int(t_start), int(t_end), int(t_latent), first, final,
                       float(ramp_us), contrasts, out)
    if bad != _ALL_GOOD:
        if int(x[bad]) >= width or int(y[bad]) >= height:
            problem = (f"event {bad} at ({int(x[bad])}, {int(y[bad])}) lies off the "
                       f"{width}x{height} sensor")
        else:
            problem = f"event {bad} at t={int(t[bad])} us is earlier than the event before it"
        raise InputError(source, f"{problem}: EDI needs events in time order on the sensor")
    return out


@numba.njit(cache=True, nogil=True)
def _gain_tables(contrasts: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """exp(c_k n) for every level n the clamp leaves distinct, the ramp factors, the reach.

    ``levels[n + reach, k] = exp(c_k n)`` (exact: past +-reach every c_k n is
    clamped anyway), so no event calls exp; levels-major, so one event's K
    values are adjacent. ``ramps[0 or 1, k]`` is (e^(c p) - 1) / (c p) for
    p = -1 or +1: the mean of exp over a ramp of one event, relative to its start.
    """
    kinds = contrasts.shape[0]
    reach = int(MAX_EXPONENT / contrasts.min()) + 1
    levels = np.empty((2 * reach + 1, kinds), np.float64)
    for n in range(-reach, reach + 1):
        for k in range(kinds):
            levels[n + reach, k] = math.exp(min(max(contrasts[k] * n, -MAX_EXPONENT),
                                                MAX_EXPONENT))
    ramps = np.empty((2, kinds), np.float64)
    for k in range(kinds):
        ramps[0, k] = (math.exp(-contrasts[k]) - 1.0) / -contrasts[k]
        ramps[1, k] = (math.exp(contrasts[k]) - 1.0) / contrasts[k]
    return levels, ramps, reach


@numba.njit(cache=True, nogil=True)
def _gain_kernel(t: np.ndarray, x: np.ndarray, y: np.ndarray, p: np.ndarray,
                 t_start: int, t_end: int, t_latent: int, first: int, final: int,
                 ramp: float, contrasts: np.ndarray, out: np.ndarray) -> int:
    """Fill ``out`` with the gains; the index of the first bad event, or -1.

    Events outside ``[first, final]`` (:func:`event_span`) are skipped. Times are
    microseconds from ``t_start``. Per pixel: ``last`` its previous
    event (or the span's start), ``level`` its net polarity since the span's
    start, ``at_latent`` the (fractional) level at f once f is passed.
    """
    kinds, height, width = out.shape
    levels, ramps, reach = _gain_tables(contrasts)
    end, latent = float(t_end - t_start), float(t_latent - t_start)
    last = np.full((height, width), float(first - t_start))
    level = np.zeros((height, width), np.int32)
    at_latent = np.full((height, width), np.nan)
    integral = np.zeros((height, width, kinds), np.float64)  # one event's K sums adjacent
    previous = first
    for i in range(t.shape[0]):
        ti = t[i]
        if ti < first or ti > final:
            continue
        xi = x[i]
        yi = y[i]
        if ti < previous or xi >= width or yi >= height:
            return i
        previous = ti
        polarity = 1 if p[i] > 0 else -1
        now = float(ti - t_start)
        start = now - min(now - last[yi, xi], ramp)  # where this event's ramp begins
        before = level[yi, xi]
        row = min(max(before, -reach), reach) + reach
        flat = max(min(start, end) - max(last[yi, xi], 0.0), 0.0)
        low, high = max(start, 0.0), min(now, end)
        side = 1 if polarity > 0 else 0
        if low == start and high == now:  # the ramp lies in the exposure (or is empty)
            length = now - start
            for k in range(kinds):
                integral[yi, xi, k] += levels[row, k] * (flat + length * ramps[side, k])
        else:
            for k in range(kinds):
                cut = 0.0
                if high > low:
                    slope = contrasts[k] * polarity / (now - start)
                    cut = (math.exp(slope * (high - start)) - math.exp(slope * (low - start))
                           ) / slope
                integral[yi, xi, k] += levels[row, k] * (flat + cut)
        if math.isnan(at_latent[yi, xi]) and latent < now:
            fraction = (latent - start) / (now - start) if latent > start else 0.0
            at_latent[yi, xi] = before + polarity * fraction
        level[yi, xi] = before + polarity
        last[yi, xi] = now
    for yy in range(height):
        for xx in range(width):
            row = min(max(level[yy, xx], -reach), reach) + reach
            tail = end - max(last[yy, xx], 0.0)
            if tail > 0.0:
                for k in range(kinds):
                    integral[yy, xx, k] += levels[row, k] * tail
            reference = at_latent[yy, xx]
            if math.isnan(reference):
                reference = float(level[yy, xx])
            for k in range(kinds):
                back = math.exp(min(max(-contrasts[k] * reference, -MAX_EXPONENT), MAX_EXPONENT))
                mean = back * integral[yy, xx, k] / end
                out[k, yy, xx] = min(max(mean, 0.0), 1e30)
    return -1
