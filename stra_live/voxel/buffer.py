"""A bounded rolling buffer of a live event stream, answering window queries.

Packets are appended as they arrive; the buffer keeps every event no older
than ``horizon_us`` before the newest one, in a ring of preallocated column
arrays (t, x, y, p) that grows by doubling up to ``max_events``. A window
query finds its slice with two binary searches on the time column and runs
the voxel kernel on at most two contiguous pieces of the ring, so its cost
depends on the events in the window, not on the history.

Windows are closed, ``[t0, t1]``, like :func:`stra_live.voxel.grid.events_to_voxel`.
A window that starts at or before the newest dropped event would silently
miss events, so it raises ValueError; :attr:`RollingEventBuffer.horizon_start`
says where complete windows may start. Not thread-safe: one owner appends
and queries.
"""

from __future__ import annotations

import logging

import numpy as np
from numba import njit

from stra_live.errors import InputError
from stra_live.events import EVENT_DTYPE, validate_events
from stra_live.voxel.grid import accumulate_voxel, check_window

logger = logging.getLogger(__name__)

_INITIAL_CAPACITY = 1 << 16
"""Events the ring holds before its first growth."""


class RollingEventBuffer:
    """Ring buffer of recent events with voxel-grid and event-image queries.

    Args:
        resolution: sensor (height, width).
        horizon_us: events older than ``newest - horizon_us`` are dropped, >= 0.
        max_events: hard cap on buffered events; past it the oldest are dropped
            (logged once).
        source: names the stream in error messages.
    """

    def __init__(self, resolution: tuple[int, int], horizon_us: int,
                 max_events: int = 20_000_000, source: object = "event stream") -> None:
        height, width = resolution
        if height < 1 or width < 1:
            raise ValueError(f"resolution must be positive (height, width), got {resolution}")
        if horizon_us < 0:
            raise ValueError(f"horizon_us must be >= 0, got {horizon_us}")
        if max_events < 1:
            raise ValueError(f"max_events must be >= 1, got {max_events}")
        self.resolution = (int(height), int(width))
        self.horizon_us = int(horizon_us)
        self.max_events = int(max_events)
        self.source = source
        self._warned_full = False
        self._allocate(min(_INITIAL_CAPACITY, self.max_events))
        self.clear()

    def clear(self) -> None:
        """Forget every event (capacity is kept)."""
        self._start = 0
        self._size = 0
        self._last_dropped: int | None = None

    def __len__(self) -> int:
        """Number of buffered events."""
        return self._size

    @property
    def capacity(self) -> int:
        """Events the ring holds before it must grow (at most ``max_events``)."""
        return len(self._t)

    @property
    def t_first(self) -> int | None:
        """Time (us) of the oldest buffered event, None when empty."""
        return int(self._t[self._start]) if self._size else None

    @property
    def t_last(self) -> int | None:
        """Time (us) of the newest buffered event, None when empty."""
        return int(self._t[self._physical(self._size - 1)]) if self._size else None

    @property
    def horizon_start(self) -> int | None:
        """Earliest window start (us) whose events are all buffered; None = nothing dropped yet."""
        return None if self._last_dropped is None else self._last_dropped + 1

    def append(self, events: np.ndarray) -> None:
        """Add a packet of events (EVENT_DTYPE, sorted by ``t``); the packet is copied.

        Raises:
            InputError: wrong dtype, unsorted, off-sensor, polarity not +1/-1,
                or the packet starts before the newest buffered event.
        """
        self._check_packet(events)
        if len(events) == 0:
            return
        cutoff = int(events["t"][-1]) - self.horizon_us
        self._drop_oldest(self._lower_bound(cutoff, "left"))
        skip = int(np.searchsorted(events["t"], cutoff, side="left"))
        if len(events) - skip > self.max_events:
            self._warn_full()
            skip = len(events) - self.max_events
        if skip:
            self._last_dropped = int(events["t"][skip - 1])
            events = events[skip:]
        self._make_room(len(events))
        self._write(events)

    def voxel(self, t0: int, t1: int, bins: int) -> np.ndarray:
        """Voxel grid of the buffered events in ``[t0, t1]``.

        Returns:
            (bins, H, W) float32, as :func:`~stra_live.voxel.grid.events_to_voxel`.

        Raises:
            ValueError: bad ``bins`` or window, or a window reaching before
                :attr:`horizon_start`.
        """
        check_window(bins, t0, t1)
        self._check_complete(t0)
        out = np.zeros((bins, *self.resolution), dtype=np.float32)
        for piece in self._pieces(t0, t1):
            accumulate_voxel(self._t[piece], self._x[piece], self._y[piece], self._p[piece],
                             t0, t1, out, source=self.source)
        return out

    def event_count_image(self, t0: int, t1: int) -> np.ndarray:
        """(H, W) float32 signed event count (ON - OFF) per pixel over ``[t0, t1]``."""
        return self.voxel(t0, t1, 1)[0]

    def events_between(self, t0: int, t1: int) -> np.ndarray:
        """Copy of the buffered events in ``[t0, t1]`` as an (N,) EVENT_DTYPE array."""
        check_window(1, t0, t1)
        self._check_complete(t0)
        pieces = self._pieces(t0, t1)
        out = np.empty(sum(s.stop - s.start for s in pieces), dtype=EVENT_DTYPE)
        at = 0
        for piece in pieces:
            n = piece.stop - piece.start
            for name, column in (("t", self._t), ("x", self._x), ("y", self._y), ("p", self._p)):
                out[name][at:at + n] = column[piece]
            at += n
        return out

    def _check_packet(self, events: np.ndarray) -> None:
        """Raise InputError unless ``events`` may follow the buffered ones."""
        if events.dtype != EVENT_DTYPE or events.ndim != 1:
            validate_events(events, self.resolution, self.source)
            raise InputError(self.source, f"events must be a 1-D array, got shape {events.shape}")
        newest = self.t_last
        height, width = self.resolution
        # One allocation-free pass on the hot path; the slow checks below only word the error.
        if _packet_is_valid(events["t"], events["x"], events["y"], events["p"], height, width,
                            np.iinfo(np.int64).min if newest is None else newest):
            return
        if newest is not None and int(events["t"][0]) < newest:
            raise InputError(self.source, f"time went backwards: packet starts at "
                                          f"{int(events['t'][0])} us, before the newest "
                                          f"buffered event at {newest} us")
        validate_events(events, self.resolution, self.source)
        raise InputError(self.source, "event polarity must be +1 or -1")

    # Ring mechanics. Logical index i (0 = oldest) lives at physical (start + i) % capacity.

    def _allocate(self, capacity: int) -> None:
        self._t = np.empty(capacity, dtype=np.int64)
        self._x = np.empty(capacity, dtype=np.uint16)
        self._y = np.empty(capacity, dtype=np.uint16)
        self._p = np.empty(capacity, dtype=np.int8)

    def _physical(self, logical: int) -> int:
        return (self._start + logical) % self.capacity

    def _span(self, lo: int, hi: int) -> list[slice]:
        """Physical slices (one, or two across the wrap) holding logical ``[lo, hi)``."""
        if hi <= lo:
            return []
        begin = self._physical(lo)
        end = begin + (hi - lo)
        if end <= self.capacity:
            return [slice(begin, end)]
        return [slice(begin, self.capacity), slice(0, end - self.capacity)]

    def _lower_bound(self, value: int, side: str) -> int:
        """Logical index where ``value`` would be inserted (np.searchsorted semantics)."""
        pieces = self._span(0, self._size)
        index = 0
        for piece in pieces:
            column = self._t[piece]
            found = int(np.searchsorted(column, value, side=side))
            index += found
            # The pieces are sorted end to end: only a full first piece sends us on.
            if found < len(column):
                break
        return index

    def _pieces(self, t0: int, t1: int) -> list[slice]:
        return self._span(self._lower_bound(t0, "left"), self._lower_bound(t1, "right"))

    def _check_complete(self, t0: int) -> None:
        start = self.horizon_start
        if start is not None and t0 < start:
            raise ValueError(f"{self.source}: window starting at {t0} us reaches before the "
                             f"buffer horizon at {start} us; older events were dropped")

    def _drop_oldest(self, count: int) -> None:
        if count <= 0:
            return
        self._last_dropped = int(self._t[self._physical(count - 1)])
        self._start = self._physical(count)
        self._size -= count

    def _make_room(self, incoming: int) -> None:
        """Grow the ring, or drop the oldest events once ``max_events`` is reached."""
        needed = self._size + incoming
        if needed > self.capacity and self.capacity < self.max_events:
            self._grow(min(self.max_events, max(2 * self.capacity, needed)))
        overflow = needed - self.capacity
        if overflow > 0:
            self._warn_full()
            self._drop_oldest(overflow)

    def _warn_full(self) -> None:
        if not self._warned_full:
            logger.warning("%s: more than %d events within the %d us horizon; dropping "
                           "the oldest (logged once)", self.source, self.max_events,
                           self.horizon_us)
            self._warned_full = True

    def _grow(self, capacity: int) -> None:
        old = (self._t, self._x, self._y, self._p)
        pieces = self._span(0, self._size)
        self._allocate(capacity)
        for source_column, column in zip(old, (self._t, self._x, self._y, self._p), strict=True):
            at = 0
            for piece in pieces:
                n = piece.stop - piece.start
                column[at:at + n] = source_column[piece]
                at += n
        self._start = 0

    def _write(self, events: np.ndarray) -> None:
        at = 0
        for piece in self._span(self._size, self._size + len(events)):
            n = piece.stop - piece.start
            self._t[piece] = events["t"][at:at + n]
            self._x[piece] = events["x"][at:at + n]
            self._y[piece] = events["y"][at:at + n]
            self._p[piece] = events["p"][at:at + n]
            at += n
        self._size += len(events)


@njit(cache=True, nogil=True)
def _packet_is_valid(t: np.ndarray, x: np.ndarray, y: np.ndarray, p: np.ndarray,
                     height: int, width: int, t_previous: np.int64) -> bool:
    """True when times never decrease from ``t_previous`` on, all events lie on the
    sensor and every polarity is +1/-1."""
    for i in range(t.shape[0]):
        if t[i] < t_previous or x[i] >= width or y[i] >= height or (p[i] != 1 and p[i] != -1):
            return False
        t_previous = t[i]
    return True
