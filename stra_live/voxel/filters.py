"""Per-pixel event filters for streaming: refractory period and hot pixels.

Each filter is a pure function ``f(events, state, ...) -> (kept, new_state)``:
the caller keeps the state object and passes it back with the next packet, so
filtering a stream packet by packet gives the same events as filtering it in
one go. Neither the events nor the state passed in are modified; ``kept`` is
a new EVENT_DTYPE array in the original order.

* Refractory: an event is dropped when it comes less than ``refractory_us``
  after the last *kept* event at the same pixel (either polarity); an event
  exactly ``refractory_us`` later is kept.
* Hot pixels: the first ``span_us`` of the stream (from its first event,
  ``[t_first, t_first + span_us)``) is a calibration span whose events are
  counted per pixel and passed through. At its end, pixels whose count
  exceeds ``k`` times the median count of the pixels that fired at all are
  masked, and their later events dropped. The median skips silent pixels
  because over a short span most pixels are silent and the plain median is 0,
  which would mask every pixel that fired.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from stra_live.errors import InputError
from stra_live.events import EVENT_DTYPE, validate_events

NEVER = np.iinfo(np.int64).min
"""``RefractoryState.last_kept`` value of a pixel that has kept no event yet."""


@dataclass(frozen=True)
class RefractoryState:
    """State of :func:`refractory_filter` between packets.

    Attributes:
        last_kept: (H, W) int64, time (us) of the last kept event per pixel,
            :data:`NEVER` where none; treat as read-only.
    """

    last_kept: np.ndarray

    @classmethod
    def new(cls, resolution: tuple[int, int]) -> RefractoryState:
        """Fresh state for a ``(height, width)`` sensor."""
        return cls(np.full(resolution, NEVER, dtype=np.int64))


@dataclass(frozen=True)
class HotPixelState:
    """State of :func:`hot_pixel_filter` between packets.

    Attributes:
        counts: (H, W) int64 events per pixel counted during calibration; read-only.
        t_begin: time (us) of the first event seen, None before any.
        mask: (H, W) bool, True = hot pixel (dropped); None while calibrating.
    """

    counts: np.ndarray
    t_begin: int | None = None
    mask: np.ndarray | None = None

    @classmethod
    def new(cls, resolution: tuple[int, int]) -> HotPixelState:
        """Fresh state for a ``(height, width)`` sensor."""
        return cls(np.zeros(resolution, dtype=np.int64))


def refractory_filter(events: np.ndarray, state: RefractoryState, refractory_us: int, *,
                      source: object = "events") -> tuple[np.ndarray, RefractoryState]:
    """Drop events closer than ``refractory_us`` to the last kept event at their pixel.

    Args:
        events: (N,) EVENT_DTYPE, sorted by ``t``, on the state's sensor.
        state: from :meth:`RefractoryState.new` or the previous call.
        refractory_us: refractory period, >= 0 (0 keeps everything).
        source: names the stream in error messages.

    Returns:
        (kept events (M,) EVENT_DTYPE, state for the next packet).

    Raises:
        InputError: events of the wrong dtype, unsorted or off the sensor.
    """
    if refractory_us < 0:
        raise ValueError(f"refractory_us must be >= 0, got {refractory_us}")
    validate_events(events, state.last_kept.shape, source)
    last_kept = state.last_kept.copy()
    keep = np.zeros(len(events), dtype=np.bool_)
    _refractory_kernel(events["t"], events["x"], events["y"], last_kept,
                       np.int64(refractory_us), keep)
    return events[keep], RefractoryState(last_kept)


def hot_pixel_filter(events: np.ndarray, state: HotPixelState, span_us: int, k: float, *,
                     source: object = "events") -> tuple[np.ndarray, HotPixelState]:
    """Count events during calibration, then drop the events of hot pixels.

    Args:
        events: (N,) EVENT_DTYPE, sorted by ``t``, on the state's sensor.
        state: from :meth:`HotPixelState.new` or the previous call.
        span_us: length of the calibration span, >= 1.
        k: a pixel is hot when its count exceeds ``k`` x the median active count; > 0.
        source: names the stream in error messages.

    Returns:
        (kept events (M,) EVENT_DTYPE, state for the next packet).

    Raises:
        InputError: events of the wrong dtype, unsorted or off the sensor.
    """
    if span_us < 1:
        raise ValueError(f"span_us must be >= 1, got {span_us}")
    if not k > 0:
        raise ValueError(f"k must be > 0, got {k}")
    validate_events(events, state.counts.shape, source)
    if len(events) == 0:
        return events.copy(), state
    if state.mask is not None:
        return _drop_masked(events, state.mask), state
    t_begin = int(events["t"][0]) if state.t_begin is None else state.t_begin
    split = int(np.searchsorted(events["t"], t_begin + span_us, side="left"))
    counts = state.counts + count_events(events[:split], state.counts.shape)
    if split == len(events):
        return events.copy(), HotPixelState(counts, t_begin)
    mask = hot_pixel_mask(counts, k)
    kept = np.concatenate([events[:split], _drop_masked(events[split:], mask)])
    return kept, HotPixelState(counts, t_begin, mask)


def hot_pixel_mask(counts: np.ndarray, k: float) -> np.ndarray:
    """(H, W) bool: pixels whose count exceeds ``k`` x the median count of active pixels.

    Args:
        counts: (H, W) non-negative event counts.
        k: threshold factor, > 0.
    """
    active = counts[counts > 0]
    if len(active) == 0:
        return np.zeros(counts.shape, dtype=np.bool_)
    return counts > k * float(np.median(active))


def count_events(events: np.ndarray, resolution: tuple[int, int], *,
                 source: object = "events") -> np.ndarray:
    """(H, W) int64 number of events per pixel (both polarities), in any time order.

    Raises:
        InputError: wrong dtype or an event off the ``(height, width)`` sensor.
    """
    if events.dtype != EVENT_DTYPE:
        raise InputError(source, f"events have dtype {events.dtype}, expected {EVENT_DTYPE}")
    height, width = resolution
    if len(events) and (int(events["x"].max()) >= width or int(events["y"].max()) >= height):
        raise InputError(source, f"event coordinates off the {width}x{height} sensor")
    counts = np.zeros(resolution, dtype=np.int64)
    _count_kernel(events["x"], events["y"], counts)
    return counts


def _drop_masked(events: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return events[~mask[events["y"], events["x"]]]


@njit(cache=True, nogil=True)
def _refractory_kernel(t: np.ndarray, x: np.ndarray, y: np.ndarray, last_kept: np.ndarray,
                       refractory_us: np.int64, keep: np.ndarray) -> None:
    for i in range(t.shape[0]):
        last = last_kept[y[i], x[i]]
        # Compare with NEVER first: t - NEVER would overflow.
        if last == NEVER or t[i] - last >= refractory_us:
            keep[i] = True
            last_kept[y[i], x[i]] = t[i]


@njit(cache=True, nogil=True)
def _count_kernel(x: np.ndarray, y: np.ndarray, counts: np.ndarray) -> None:
    for i in range(x.shape[0]):
        counts[y[i], x[i]] += 1
