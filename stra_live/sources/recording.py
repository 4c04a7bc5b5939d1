"""Replay a finite recording as a :class:`~stra_live.sources.base.Source`.

Slicing rule (the one place it is defined): the timeline starts at ``t0``,
the earliest of the first event and the first frame's ``exposure_end``, and
is cut into consecutive slices ``[t0 + k*packet_us, t0 + (k+1)*packet_us)``.
Packet ``k`` holds the events of slice ``k`` and has ``watermark`` = the
slice's (exclusive) end, so watermarks rise by exactly ``packet_us``; empty
slices still yield a packet, which keeps the watermark moving.

A frame is attached to the packet whose slice contains its ``exposure_end``
(raised, if needed, to the previous frame's, so frames never overtake each
other): when the consumer receives a frame, every event of its exposure has
been delivered, in this packet or an earlier one. For frames the watermark
promise is thus about ``exposure_end``, not ``timestamp``.

``pacing="realtime"`` releases packet ``k`` when ``(watermark - t0) / speed``
has passed on a monotonic clock since the stream started; deadlines are
absolute, so sleeping late never accumulates drift. ``loop=True`` replays the
recording forever, each pass shifted by the pass length (a whole number of
slices) so that time keeps increasing. :meth:`ReplaySource.close`, from any
thread, makes ``packets()`` return at its next packet or at once if it is
waiting for a deadline.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Literal, Self

import numpy as np

from stra_live.events import Frame, empty_events, validate_events
from stra_live.io.recording import Recording, validate_frames
from stra_live.sources.base import Packet
from stra_live.sources.playback import PlaybackControl

Pacing = Literal["fast", "realtime"]
"""``fast``: as fast as the consumer pulls; ``realtime``: at the recording's rate."""

PassData = tuple[Iterable[np.ndarray], Iterable[Frame]]
"""One pass over a recording: event chunks (EVENT_DTYPE, in order) and frames (in order)."""


def frame_rate(timestamps: Iterable[int]) -> float | None:
    """Mean frames per second of a sequence of frame timestamps (us); None for fewer than two."""
    times = list(timestamps)
    if len(times) < 2 or times[-1] <= times[0]:
        return None
    return (len(times) - 1) * 1e6 / (times[-1] - times[0])


def timeline_span(event_span: tuple[int, int] | None,
                  frame_ends: Iterable[int]) -> tuple[int, int] | None:
    """(t0, t_last) in microseconds covering all events and frame exposure ends, or None."""
    ends = list(frame_ends)
    firsts = ([event_span[0]] if event_span else []) + ends[:1]
    lasts = ([event_span[1]] if event_span else []) + ([max(ends)] if ends else [])
    if not firsts:
        return None
    return min(firsts), max(lasts)


class ReplaySource:
    """Base of file sources: slices one pass of data into paced, optionally looped packets.

    Subclasses give the name, resolution, whether frames exist, the
    :func:`timeline_span`, and implement :meth:`_open_pass`.

    Args:
        packet_us: slice length in microseconds (> 0).
        pacing: ``"fast"`` or ``"realtime"``.
        loop: replay forever, shifting timestamps so time keeps increasing.
        speed: realtime playback rate (2.0 = twice as fast); ignored when fast.
        fps: the recording's APS frame rate (see :func:`frame_rate`), None without frames.
    """

    def __init__(self, name: str, resolution: tuple[int, int], has_frames: bool,
                 span: tuple[int, int] | None, packet_us: int = 10_000,
                 pacing: Pacing = "fast", loop: bool = False, speed: float = 1.0,
                 fps: float | None = None) -> None:
        if isinstance(packet_us, bool) or not isinstance(packet_us, int) or packet_us <= 0:
            raise ValueError(f"packet_us must be a positive integer, got {packet_us!r}")
        if pacing not in ("fast", "realtime"):
            raise ValueError(f"pacing must be 'fast' or 'realtime', got {pacing!r}")
        if not (np.isfinite(speed) and speed > 0):
            raise ValueError(f"speed must be a positive number, got {speed!r}")
        self.name = name
        self.resolution = (int(resolution[0]), int(resolution[1]))
        self.has_frames = has_frames
        self.packet_us = packet_us
        self.pacing = pacing
        self.loop = loop
        self.speed = float(speed)
        self.fps = fps
        self._span = span
        self._closed = threading.Event()
        self.frame_times = np.empty(0, dtype=np.int64)
        """Sorted APS frame timestamps (us, file time); subclasses fill it."""
        self.playback: PlaybackControl | None = None
        """Live speed / loop / pause (the window's playback bar); None = the fixed settings."""
        self.start_us = 0
        """File time (us after the timeline start) the stream begins at (see :meth:`restarted`)."""

    @property
    def start_time_us(self) -> int:
        """File time (us) where the timeline starts (0 for an empty file)."""
        return self._span[0] if self._span is not None else 0

    @property
    def duration_us(self) -> int:
        """Length of one pass over the file, in us (0 for an empty file)."""
        if self._span is None:
            return 0
        return ((self._span[1] - self._span[0]) // self.packet_us + 1) * self.packet_us

    def frame_number(self, timestamp: int) -> int:
        """0-based number in the file of the frame with ``timestamp`` (stream time, any pass)."""
        if self._span is None or not len(self.frame_times):
            return 0
        t0 = self._span[0]
        file_time = t0 + (timestamp - t0) % self.duration_us
        index = int(np.searchsorted(self.frame_times, file_time, side="right")) - 1
        return min(max(index, 0), len(self.frame_times) - 1)

    def restarted(self, start_us: int) -> Self:
        """A fresh, unopened copy of this source that begins ``start_us`` after the file's start.

        The copy shares the data and the :attr:`playback` control; the stream
        it yields starts at the slice holding ``start_us`` (clamped to the file).
        """
        clone = copy.copy(self)
        clone._closed = threading.Event()
        clone.start_us = min(max(int(start_us), 0), max(self.duration_us - self.packet_us, 0))
        return clone

    def packets(self) -> Iterator[Packet]:
        """Yield the packets of the recording (forever when looping) until :meth:`close`."""
        if self._span is None:
            return
        if self.playback is not None:
            yield from self._controlled_packets(self.playback)
            return
        t0, t_last = self._span
        slices = (t_last - t0) // self.packet_us + 1
        pass_us = slices * self.packet_us
        started = time.monotonic()
        shift = 0
        while not self._closed.is_set():
            for packet in self._one_pass(t0, slices, shift):
                if self.pacing == "realtime":
                    due = started + (packet.watermark - t0) / (1e6 * self.speed)
                    delay = due - time.monotonic()
                    if delay > 0 and self._closed.wait(delay):
                        return
                if self._closed.is_set():
                    return
                yield packet
            if not self.loop:
                return
            shift += pass_us

    def _controlled_packets(self, control: PlaybackControl) -> Iterator[Packet]:
        """:meth:`packets` under a live :class:`PlaybackControl`, from :attr:`start_us`."""
        assert self._span is not None
        t0, t_last = self._span
        slices = (t_last - t0) // self.packet_us + 1
        first = self.start_us // self.packet_us
        shift = 0
        while not self._closed.is_set():
            for packet in self._one_pass(t0, slices, shift, first):
                begin = t0 + first * self.packet_us
                if first and packet.frames and packet.frames[0].exposure_start < begin:
                    # A frame exposed before the restart's first slice lacks some events.
                    kept = tuple(f for f in packet.frames if f.exposure_start >= begin)
                    packet = dataclasses.replace(packet, frames=kept, raw=None)
                position = packet.watermark - shift - t0
                if not control.release(packet.watermark, len(packet.frames), position,
                                       self._closed):
                    return
                yield packet
            if not control.loop:
                return
            shift += slices * self.packet_us
            first = 0

    def close(self) -> None:
        """Stop ``packets()`` (from any thread) and release resources. Safe to call twice."""
        self._closed.set()

    def _open_pass(self) -> contextlib.AbstractContextManager[PassData]:
        """Open one pass over the data; the context closes files when the pass ends."""
        raise NotImplementedError

    def _one_pass(self, t0: int, slices: int, shift: int, first: int = 0) -> Iterator[Packet]:
        with self._open_pass() as (chunks, frames):
            events = _EventCursor(chunks)
            pending = _FrameCursor(frames)
            for k in range(slices):
                end = t0 + (k + 1) * self.packet_us
                batch = events.take_before(end)
                attached = pending.take_ending_before(end)
                if k < first:
                    continue  # before a restart's start: read past, not sent
                if shift:
                    batch["t"] += shift
                    attached = tuple(_shifted(frame, shift) for frame in attached)
                yield Packet(events=batch, frames=attached, watermark=end + shift)


class RecordingSource(ReplaySource):
    """Replay an in-memory :class:`Recording` (see the module docstring for the rules).

    Args:
        recording: validated on construction (sorted events, frames in order).
        packet_us, pacing, loop, speed: as in :class:`ReplaySource`.
    """

    def __init__(self, recording: Recording, packet_us: int = 10_000, pacing: Pacing = "fast",
                 loop: bool = False, speed: float = 1.0) -> None:
        validate_events(recording.events, recording.resolution, recording.source)
        validate_frames(recording.frames, recording.resolution, recording.source)
        events = recording.events
        event_span = (int(events["t"][0]), int(events["t"][-1])) if len(events) else None
        span = timeline_span(event_span, (frame.exposure_end for frame in recording.frames))
        super().__init__(recording.source, recording.resolution, bool(recording.frames), span,
                         packet_us, pacing, loop, speed,
                         fps=frame_rate(frame.timestamp for frame in recording.frames))
        self.recording = recording
        self.frame_times = np.array([frame.timestamp for frame in recording.frames],
                                    dtype=np.int64)

    @contextlib.contextmanager
    def _open_pass(self) -> Iterator[PassData]:
        yield [self.recording.events], self.recording.frames


class _EventCursor:
    """Hands out events of consecutive, increasing time slices from a stream of sorted chunks."""

    def __init__(self, chunks: Iterable[np.ndarray]) -> None:
        self._chunks = iter(chunks)
        self._chunk = empty_events()
        # Contiguous copy: searchsorted on the strided field view would copy it on every call.
        self._times = np.empty(0, dtype=np.int64)
        self._position = 0

    def take_before(self, end: int) -> np.ndarray:
        """A fresh (n,) EVENT_DTYPE copy of the next events with ``t < end``."""
        parts = []
        while True:
            cut = max(int(np.searchsorted(self._times, end, side="left")), self._position)
            parts.append(self._chunk[self._position:cut])
            self._position = cut
            if cut < len(self._chunk):
                break
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._chunk, self._times, self._position = chunk, np.ascontiguousarray(chunk["t"]), 0
        return np.concatenate(parts)


class _FrameCursor:
    """Hands out frames whose (running-maximum) exposure end falls before a time."""

    def __init__(self, frames: Iterable[Frame]) -> None:
        self._frames = iter(frames)
        self._next = next(self._frames, None)
        self._latest_end: int | None = None

    def take_ending_before(self, end: int) -> tuple[Frame, ...]:
        """The next frames whose exposure ends before ``end``, in order."""
        taken = []
        while self._next is not None:
            frame_end = self._next.exposure_end
            if self._latest_end is not None:
                frame_end = max(frame_end, self._latest_end)
            if frame_end >= end:
                break
            self._latest_end = frame_end
            taken.append(self._next)
            self._next = next(self._frames, None)
        return tuple(taken)


def _shifted(frame: Frame, shift: int) -> Frame:
    return dataclasses.replace(frame, timestamp=frame.timestamp + shift,
                               exposure_start=frame.exposure_start + shift,
                               exposure_end=frame.exposure_end + shift)
