"""The AEDAT4 half of a recording: raw packets and deblurred frames, events in batches.

:class:`~stra_live.recording.recorder.SessionRecorder` queues what it is
given and runs one writer thread; that thread alone calls a
:class:`SessionFile`, which turns the items into the file's three streams and
keeps the figures the recording's summary reports.

Events are gathered and written as one packet per batch, which is what lets
dv's writer compress them well; the recorder flushes a batch at the latest
``flush_interval_s`` after its first events (what a crash can lose). They go
from the packet's arrays even when it carries its dv ``EventStore``: the bytes
written are the same, and dv's only export (``EventStore.numpy()``, about 50 M
events/s, holding the GIL) is slower than packing the arrays (``stra-bench
record`` measures both). Frames that came from dv are written as they are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from stra_live.events import Frame
from stra_live.io.aedat4_writer import DEBLURRED_STREAM, Aedat4Writer
from stra_live.sources.base import Packet

log = logging.getLogger(__name__)

MAX_BATCH_EVENTS = 1 << 20
"""A batch this large is written at once, whatever its age (bounds the memory it holds)."""


class SessionFile:
    """Writes one session's AEDAT4 file; used by one thread only.

    Args:
        writer: the open file.
        resolution: sensor (height, width).
        check_space: raises OSError (ENOSPC) when the disk is nearly full;
            called before every write.

    Attributes:
        counts: events, frames and deblurred frames written, and results
            skipped for arriving out of time order.
        span: [first, last] timestamp written (empty before the first).
        closed: the file is closed (at the end, or by the recording's first failure);
            the figures stay.
    """

    def __init__(self, writer: Aedat4Writer, resolution: tuple[int, int],
                 check_space: Callable[[], None]) -> None:
        self.writer = writer
        self.resolution = resolution
        self._check_space = check_space
        self.counts = dict.fromkeys(("events", "frames", "deblurred", "skipped"), 0)
        self.span: list[int] = []
        self._last_result_t: int | None = None
        self._batch: list[Any] = []
        self._batch_count = 0
        self.batch_since = 0.0
        """Monotonic time of the oldest events waiting in the batch."""
        self.closed = False

    @property
    def has_batch(self) -> bool:
        """Events are waiting to be written."""
        return bool(self._batch)

    def write_packet(self, packet: Packet) -> None:
        """Add the packet's events to the batch and write its APS frames."""
        if len(packet.events):
            if not self._batch:
                self.batch_since = time.monotonic()
            self._batch.append(packet.events)
            self._batch_count += len(packet.events)
            if self._batch_count >= MAX_BATCH_EVENTS:
                self.flush_events()
        raw = packet.raw
        raw_frames = raw.frames if raw is not None and len(raw.frames) == len(packet.frames) \
            else (None,) * len(packet.frames)
        for frame, dv_frame in zip(packet.frames, raw_frames, strict=True):
            self._check_space()
            if dv_frame is not None and _is_grey8(dv_frame, self.resolution):
                self.writer.write_dv_frame(dv_frame)
            else:
                self.writer.write_frame(frame)
            self.counts["frames"] += 1
            self._extend_span(frame.exposure_start)

    def write_result(self, timestamp: int, deblurred: np.ndarray) -> bool:
        """Write a deblurred frame; False (and counted as skipped) if it is older than the last."""
        if self._last_result_t is not None and timestamp < self._last_result_t:
            self.counts["skipped"] += 1
            log.warning("result at %d us is older than the last recorded one; skipped",
                        timestamp)
            return False
        self._last_result_t = timestamp
        if DEBLURRED_STREAM in self.writer.frame_streams:
            self._check_space()
            self.writer.write_frame(Frame(deblurred, timestamp, timestamp, timestamp),
                                    DEBLURRED_STREAM)
            self.counts["deblurred"] += 1
        return True

    def flush_events(self) -> None:
        """Write the waiting events as one packet."""
        if not self._batch:
            return
        batch, count = self._batch, self._batch_count
        self._batch, self._batch_count = [], 0
        self._check_space()
        self.writer.write_event_batch(batch)
        self.counts["events"] += count
        self._extend_span(_event_time(batch[0], 0))
        self._extend_span(_event_time(batch[-1], -1))

    def close(self) -> None:
        """Close the file (once; it counts as closed even if closing raises)."""
        if not self.closed:
            self.closed = True
            self.writer.close()

    def _extend_span(self, t: int) -> None:
        span = self.span
        self.span = [min(span[0], t), max(span[1], t)] if span else [t, t]


def _event_time(part: Any, index: int) -> int:
    """First (index 0) or last timestamp of a batch part: an event array or a dv EventStore."""
    if isinstance(part, np.ndarray):
        return int(part["t"][index])
    return int(part.getLowestTime() if index == 0 else part.getHighestTime())


def _is_grey8(frame: Any, resolution: tuple[int, int]) -> bool:
    """A dv frame the file's frame stream takes as it is: 8-bit grey at the sensor's size."""
    image = frame.image
    return image.dtype == np.uint8 and image.shape[:2] == resolution and \
        (image.ndim == 2 or image.shape[2] == 1)
