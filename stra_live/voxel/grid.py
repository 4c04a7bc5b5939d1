"""Event voxel grids (Zhu et al. 2019, Rebecq et al. 2019) with a Numba kernel.

Conventions (the whole project relies on them):

* The window is closed: an event counts when ``t_start <= t <= t_end``, both
  ends included, matching the exposure window of PROTOCOL.md. Events outside
  are ignored, so callers may pass a superset (a whole packet or recording).
* Normalised time ``tn = (bins - 1) * (t - t_start) / (t_end - t_start)``,
  computed in float64 with one correctly rounded division so an event exactly
  on a bin centre (and at ``t_end``) lands on it exactly.
* Bilinear in time, signed polarity: an event adds ``p * (1 - frac)`` to bin
  ``floor(tn)`` and ``p * frac`` to the next bin. An event at ``t_end`` has
  ``tn = bins - 1`` and lands entirely in the last bin; with ``bins == 1``
  every event lands entirely in bin 0 (the grid is the signed event count).
* A zero-length window (``t_end == t_start``) puts its events in bin 0.
* The grid is float32 ``(bins, height, width)``, indexed ``[bin, y, x]``.
* The caller's arrays are never modified.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stra_live.errors import InputError
from stra_live.events import EVENT_DTYPE

_FIRST_BAD_NONE = -1
"""Kernel return value when every event was valid."""


def events_to_voxel(events: np.ndarray, bins: int, height: int, width: int,
                    t_start: int, t_end: int, *, source: object = "events") -> np.ndarray:
    """Voxel grid of the events in the closed window ``[t_start, t_end]``.

    Args:
        events: (N,) :data:`~stra_live.events.EVENT_DTYPE`, any order; events
            outside the window are ignored.
        bins: number of temporal bins, >= 1.
        height, width: sensor size; every event (inside the window or not) must
            lie on it.
        t_start, t_end: window in microseconds, ``t_end >= t_start``.
        source: names the file or stream in error messages.

    Returns:
        (bins, height, width) float32 grid, see the module docstring.

    Raises:
        InputError: wrong dtype, off-sensor coordinates or a polarity other than +1/-1.
        ValueError: bad ``bins``, sensor size or window.
    """
    check_window(bins, t_start, t_end)
    if height < 1 or width < 1:
        raise ValueError(f"sensor size must be positive, got height={height} width={width}")
    events = np.asarray(events)
    if events.dtype != EVENT_DTYPE:
        raise InputError(source, f"events have dtype {events.dtype}, expected {EVENT_DTYPE}")
    if events.ndim != 1:
        raise InputError(source, f"events must be a 1-D array, got shape {events.shape}")
    voxel = np.zeros((bins, height, width), dtype=np.float32)
    # Field views are strided, not copies: the kernel reads them in place.
    accumulate_voxel(events["t"], events["x"], events["y"], events["p"],
                     t_start, t_end, voxel, source=source)
    return voxel


def accumulate_voxel(t: np.ndarray, x: np.ndarray, y: np.ndarray, p: np.ndarray,
                     t_start: int, t_end: int, out: np.ndarray, *,
                     source: object = "events") -> None:
    """Add the events of columns ``t, x, y, p`` in ``[t_start, t_end]`` to ``out``.

    The column form of :func:`events_to_voxel`, for callers that keep events as
    separate arrays (the rolling buffer) or fill one grid from several slices.

    Args:
        t: (N,) int64 microseconds; x, y: (N,) uint16; p: (N,) int8 (+1/-1).
            Strided views are fine.
        t_start, t_end: closed window, ``t_end >= t_start``.
        out: (bins, H, W) float32, C-contiguous; added to in place.
        source: names the file or stream in error messages.

    Raises:
        InputError: an event off the ``W x H`` sensor or with a polarity other
            than +1/-1 (``out`` may then hold part of the events).
        ValueError: wrong column dtypes or lengths, or a bad ``out`` or window.
    """
    if out.dtype != np.float32 or out.ndim != 3 or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous (bins, H, W) float32 array, "
                         f"got {out.dtype} {out.shape}")
    check_window(out.shape[0], t_start, t_end)
    _check_columns(t, x, y, p)
    first_bad = _voxel_kernel(t, x, y, p, np.int64(t_start), np.int64(t_end), out)
    if first_bad != _FIRST_BAD_NONE:
        i = int(first_bad)
        raise InputError(source, _bad_event_message(i, int(x[i]), int(y[i]), int(p[i]),
                                                    out.shape[2], out.shape[1]))


def check_window(bins: int, t_start: int, t_end: int) -> None:
    """Raise ValueError unless ``bins >= 1`` and ``t_end >= t_start``."""
    if int(bins) != bins or bins < 1:
        raise ValueError(f"bins must be an integer >= 1, got {bins}")
    if t_end < t_start:
        raise ValueError(f"window ends before it starts: t_start={t_start} us, t_end={t_end} us")


def _check_columns(t: np.ndarray, x: np.ndarray, y: np.ndarray, p: np.ndarray) -> None:
    expected = ((t, np.int64, "t"), (x, np.uint16, "x"), (y, np.uint16, "y"), (p, np.int8, "p"))
    for column, dtype, name in expected:
        if column.dtype != dtype or column.ndim != 1:
            raise ValueError(f"column {name} must be 1-D {np.dtype(dtype)}, "
                             f"got {column.dtype} with shape {column.shape}")
    if not len(t) == len(x) == len(y) == len(p):
        raise ValueError(f"columns differ in length: t={len(t)} x={len(x)} y={len(y)} p={len(p)}")


def _bad_event_message(i: int, x: int, y: int, p: int, width: int, height: int) -> str:
    if p not in (1, -1):
        return f"event {i} has polarity {p}, expected +1 or -1"
    return f"event {i} at x={x}, y={y} is off the {width}x{height} sensor"


@njit(cache=True, nogil=True, error_model="numpy")
def _voxel_kernel(t: np.ndarray, x: np.ndarray, y: np.ndarray, p: np.ndarray,
                  t_start: np.int64, t_end: np.int64, out: np.ndarray) -> int:
    """Accumulate into ``out``; return the index of the first invalid event, or -1.

    Every event is checked before it is written, so a bad event can never
    write outside ``out``; the scan stops there.
    """
    height = out.shape[1]
    width = out.shape[2]
    # Unsigned bin indices skip Numba's negative-index wrap-around; float32
    # weights skip float64 round trips on the float32 grid (about 10% faster).
    last = np.uint64(out.shape[0] - 1)
    span = t_end - t_start
    for i in range(t.shape[0]):
        xi = x[i]
        yi = y[i]
        pi = p[i]
        if xi >= width or yi >= height or (pi != 1 and pi != -1):
            return i
        ti = t[i]
        if ti < t_start or ti > t_end:
            continue
        if span == 0:
            out[0, yi, xi] += pi
            continue
        # Division, not a precomputed reciprocal: exact for an event on a bin centre.
        tn = float(last) * float(ti - t_start) / float(span)
        b = np.uint64(tn)
        if b >= last:
            out[last, yi, xi] += pi
        else:
            polarity = np.float32(pi)
            upper = polarity * np.float32(tn - float(b))
            out[b, yi, xi] += polarity - upper
            out[b + np.uint64(1), yi, xi] += upper
    return _FIRST_BAD_NONE
