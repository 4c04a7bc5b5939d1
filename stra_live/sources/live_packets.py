"""Turn what a live dv input delivers (event batches, frames) into ordered Packets.

Event batches and frames come through separate dv queues (or separate TCP
connections), so a live source cannot slice by time like a file replay; it
sends what arrived and promises, through ``Packet.watermark``, only what it
knows:

* events arrive in time order, so none older than the newest delivered event
  ``T`` can follow;
* an APS exposure cannot start before the previous one has ended (the sensor
  reads a frame out before exposing the next), so after a frame exposed until
  ``e`` (inclusive) no frame older than ``e + 1`` can follow;
* when frames stop coming (disabled, or a frames-less stream), a frame is
  assumed to arrive at most ``max_frame_delay_us`` of event time after its
  exposure, which bounds how far the watermark can lag.

So ``watermark = min(T, max(e + 1, T - max_frame_delay_us))`` (just ``T``
without frames), never decreasing. A frame that still arrives older than the
watermark is delivered anyway and counted in :attr:`PacketAssembler.late_frames`.

Anything that would break the stream's order (events older than those
delivered, frames older than the previous frame, coordinates off the sensor)
is dropped and counted rather than passed on. Packets keep the dv objects
they were converted from in ``Packet.raw`` (:class:`~stra_live.sources.base.DvRaw`,
for recording without converting back) as long as nothing was changed: a
dropped, re-sorted or time-shifted batch leaves only the arrays. After a reconnection
(:meth:`PacketAssembler.begin_connection`) a stream whose clock restarted (a
replayed file served again) is shifted so that time keeps increasing.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np

from stra_live.events import Frame, empty_events, from_dv_columns
from stra_live.io.aedat4 import frame_from_dv  # the project's one dv->Frame rule
from stra_live.sources.base import DvRaw, Packet

log = logging.getLogger(__name__)


class PacketAssembler:
    """Collects converted events and frames and hands them out as Packets.

    Args:
        resolution: sensor (height, width); data off it is dropped.
        has_frames: whether the stream carries APS frames (affects the watermark).
        max_frame_delay_us: see the module docstring; None = frames are never late.
        source: names the stream in log lines and errors.
    """

    def __init__(self, resolution: tuple[int, int], has_frames: bool,
                 max_frame_delay_us: int | None, source: str) -> None:
        self.resolution = resolution
        self.has_frames = has_frames
        self.max_frame_delay_us = max_frame_delay_us
        self.source = source
        self.dropped_events = 0
        self.dropped_frames = 0
        self.late_frames = 0
        self.offset_us = 0
        self._offset_pending = False
        self._events: list[np.ndarray] = []
        self._frames: list[Frame] = []
        self._raw_events: Any = None  # a dv.EventStore of this packet's batches, unchanged
        self._raw_owned = False
        self._raw_events_ok = True
        self._raw_frames: list[Any] = []
        self._raw_frames_ok = True
        self._last_event_t: int | None = None
        self._last_frame_t: int | None = None
        self._frame_bound: int | None = None
        self._watermark = 0
        self._sent_watermark = 0

    @property
    def watermark(self) -> int:
        """Microseconds; nothing older will be handed out any more."""
        return self._watermark

    def begin_connection(self) -> None:
        """A new connection starts: its first timestamp decides a shift if its clock went back."""
        self._offset_pending = True

    def add_dv_events(self, batch: Any) -> None:
        """Add a ``dv.EventStore`` (anything with ``numpy()`` giving timestamp/x/y/polarity)."""
        columns = batch.numpy()
        if len(columns) == 0:
            return
        events = from_dv_columns(columns["timestamp"], columns["x"], columns["y"],
                                 columns["polarity"])
        if self._add_events(events, owned=True):  # freshly converted: no copy needed
            self._keep_raw_events(batch)
        else:
            self._raw_events_ok = False

    def _keep_raw_events(self, batch: Any) -> None:
        if self._raw_events is None:
            self._raw_events, self._raw_owned = batch, False
            return
        if not self._raw_owned:  # never extend a store the driver handed out: copy it once
            merged = type(batch)()
            merged.add(self._raw_events)
            self._raw_events, self._raw_owned = merged, True
        self._raw_events.add(batch)

    def add_events(self, events: np.ndarray) -> None:
        """Add (N,) EVENT_DTYPE events (copied); out-of-order or off-sensor ones are dropped."""
        self._add_events(events, owned=False)
        self._raw_events_ok = False  # these have no dv objects: the packet keeps arrays only

    def _add_events(self, events: np.ndarray, owned: bool) -> bool:
        """Add events; True when they were kept exactly as given (no shift, sort or drop).

        ``owned``: the array is this assembler's to keep and change (else it is copied).
        """
        if len(events) == 0:
            return True
        if not owned:
            events = events.copy()
        shift = self._shift(int(events["t"][0]))
        if shift:
            events["t"] += shift
        unchanged = shift == 0
        if np.any(np.diff(events["t"]) < 0):
            events = events[np.argsort(events["t"], kind="stable")]
            unchanged = False
        height, width = self.resolution
        floor = max(self._watermark, self._last_event_t or 0)
        keep = (events["x"] < width) & (events["y"] < height) & (events["t"] >= floor)
        if not keep.all():
            self._drop_events(int(len(keep) - keep.sum()), floor)
            events = events[keep]
            unchanged = False
        if len(events):
            self._events.append(events)
            self._last_event_t = int(events["t"][-1])
        return unchanged

    def add_dv_frame(self, dv_frame: Any) -> None:
        """Add a ``dv.Frame`` (converted by the same rule as AEDAT4 files)."""
        if self._add_frame(frame_from_dv(dv_frame, self.source)):
            self._raw_frames.append(dv_frame)
        else:
            self._raw_frames_ok = False

    def add_frame(self, frame: Frame) -> None:
        """Add one frame; off-size or out-of-order frames are dropped, late ones counted."""
        self._add_frame(frame)
        self._raw_frames_ok = False  # no dv object: the packet keeps arrays only

    def _add_frame(self, frame: Frame) -> bool:
        """Add a frame; True when it was kept as given (not dropped, not time-shifted)."""
        shift = self._shift(frame.timestamp)
        if shift:
            frame = dataclasses.replace(frame, timestamp=frame.timestamp + shift,
                                        exposure_start=frame.exposure_start + shift,
                                        exposure_end=frame.exposure_end + shift)
        if frame.resolution != self.resolution or (
                self._last_frame_t is not None and frame.timestamp <= self._last_frame_t):
            self.dropped_frames += 1
            log.warning("%s: dropped a %dx%d frame at %d us (off-size or out of order)",
                        self.source, frame.resolution[1], frame.resolution[0], frame.timestamp)
            return False
        if frame.timestamp < self._watermark:
            self.late_frames += 1
            level = logging.WARNING if self.late_frames == 1 else logging.DEBUG
            log.log(level, "%s: frame at %d us arrived after the watermark %d us "
                    "(max_frame_delay_us too small?); delivered anyway",
                    self.source, frame.timestamp, self._watermark)
        self._frames.append(frame)
        self._last_frame_t = frame.timestamp
        self._frame_bound = frame.exposure_end + 1
        return shift == 0

    def take(self) -> Packet | None:
        """A packet of everything added since the last one; None if nothing changed."""
        self._advance()
        if not self._events and not self._frames and self._watermark == self._sent_watermark:
            return None
        if len(self._events) > 1:
            events = np.concatenate(self._events)
        else:  # one batch (the usual case at live rates): no copy
            events = self._events[0] if self._events else empty_events()
        packet = Packet(events=events, frames=tuple(self._frames), watermark=self._watermark,
                        raw=self._take_raw())
        self._events, self._frames = [], []
        self._sent_watermark = self._watermark
        return packet

    def _take_raw(self) -> DvRaw | None:
        """The dv objects of the packet being made, where they match its arrays exactly."""
        events = self._raw_events if self._raw_events_ok and self._events else None
        frames = tuple(self._raw_frames) if self._raw_frames_ok and self._frames else ()
        self._raw_events, self._raw_owned, self._raw_events_ok = None, False, True
        self._raw_frames, self._raw_frames_ok = [], True
        if events is None and not frames:
            return None
        return DvRaw(events=events, frames=frames)

    def heartbeat(self) -> Packet:
        """An empty packet repeating the current watermark (keeps consumers responsive)."""
        return Packet(events=empty_events(), frames=(), watermark=self._sent_watermark)

    def _advance(self) -> None:
        newest = self._last_event_t
        if newest is None:
            return
        candidate: int | None = newest
        if self.has_frames:
            bound = self._frame_bound
            if self.max_frame_delay_us is not None:
                lagging = newest - self.max_frame_delay_us
                bound = lagging if bound is None else max(bound, lagging)
            candidate = None if bound is None else min(newest, bound)
        if candidate is not None:
            self._watermark = max(self._watermark, candidate)

    def _shift(self, first_t: int) -> int:
        """Offset for this connection's timestamps (fixed by its first item)."""
        if self._offset_pending:
            self._offset_pending = False
            floor = max(self._watermark, self._last_event_t or 0, (self._last_frame_t or -1) + 1)
            self.offset_us = max(0, floor - first_t)
            if self.offset_us:
                log.warning("%s: the clock restarted after reconnecting; timestamps shifted "
                            "by %d us to keep time increasing", self.source, self.offset_us)
        return self.offset_us

    def _drop_events(self, count: int, floor: int) -> None:
        first = self.dropped_events == 0
        self.dropped_events += count
        log.log(logging.WARNING if first else logging.DEBUG,
                "%s: dropped %d events off the %dx%d sensor or older than %d us",
                self.source, count, self.resolution[1], self.resolution[0], floor)
