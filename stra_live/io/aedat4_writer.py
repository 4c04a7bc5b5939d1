"""Streaming AEDAT4 writer that encodes with NumPy and writes straight to the file.

Why not dv-processing's ``MonoCameraWriter``: its Python API builds an
``EventStore`` only event by event (``push_back``, about 0.5-0.9 M events/s),
it buffers in C++ with no flush, and it aborts the whole process on a full
disk. faery (Rust) writes AEDAT4 events from NumPy but cannot create frames
from Python. This writer builds the packets itself (:mod:`stra_live.io.aedat4_packets`):
events are one NumPy copy into dv's 16-byte layout (raw ``dv.EventStore``
data is that layout already), compressed with LZ4 as dv does, and written
with ``os.write``: there is no user-space buffer, so once a ``write_*`` call
returns its data is in the operating system and survives a ``kill -9``.

Files read back with dv-processing and with :func:`stra_live.io.aedat4.read_aedat4`.
A file is indexed (its data table written) by :meth:`Aedat4Writer.close`;
before that, and after a crash, its header says "no index" and readers scan
the packets. A failed write (disk full) truncates the file back to its last
complete packet, so what is on disk stays readable, then raises ``OSError``.

Frames are stored the dv way: ``timestamp`` = first microsecond of the
exposure and ``exposure`` = its length, so a :class:`Frame` is written with
timestamp ``exposure_start`` and exposure ``exposure_end - exposure_start + 1``
(the end is inclusive). Besides the APS ``frames`` stream the writer can hold
further frame streams (e.g. ``deblurred``), each written and read back by name.
"""

from __future__ import annotations

import contextlib
import os
import struct
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from stra_live.errors import InputError
from stra_live.events import Frame, validate_events
from stra_live.io import aedat4_packets as packets

APS_STREAM = "frames"
"""Name of the APS frame stream (dv-processing's default)."""

EVENT_STREAM = "events"
"""Name of the event stream (dv-processing's default)."""

DEBLURRED_STREAM = "deblurred"
"""Name of the frame stream holding a session recording's deblurred frames."""

MAX_PACKET_EVENTS = 1 << 20
"""Events per AEDAT4 packet at most (16 MiB before compression)."""

WriteFn = Callable[[int, bytes | memoryview], int]
"""``os.write``-like: (file descriptor, data) -> bytes written; replaceable for tests."""


def _time(events: np.ndarray) -> str:
    """Name of the timestamp field: ``t`` (EVENT_DTYPE) or ``timestamp`` (dv layout)."""
    return "t" if "t" in events.dtype.names else "timestamp"


def dv_message(error: BaseException) -> str:
    """The readable part of a dv-processing exception (its stack trace dropped)."""
    lines = str(error).split("Stacktrace:")[0].strip().splitlines()
    for line in reversed(lines):
        if line.strip():
            return line.strip()
    return type(error).__name__


class Aedat4Writer:
    """Write events and frames to an AEDAT4 file as they come (see the module docstring).

    Args:
        path: file to create (replaced if it exists).
        resolution: sensor (height, width).
        with_frames: add the APS ``frames`` stream.
        extra_frame_streams: names of further frame streams, e.g. ``("deblurred",)``.
        camera_name: camera name stored in the file.
        compression: ``"lz4"`` (dv's default) or ``"none"``.
        compress_threads: threads that compress the LZ4 blocks of a packet in
            parallel (1 = on the calling thread).
        thread_setup: run first in each compression thread (the recorder
            lowers their priority with it).
        write: replaces ``os.write`` (tests inject a full or slow disk).

    Raises:
        InputError: the file cannot be created.
    """

    def __init__(self, path: str | Path, resolution: tuple[int, int], with_frames: bool = True,
                 extra_frame_streams: Sequence[str] = (), camera_name: str = "STRA Live",
                 compression: str = "lz4", *, compress_threads: int = 2,
                 thread_setup: Callable[[], None] | None = None,
                 write: WriteFn = os.write) -> None:
        self.path = str(path)
        self.resolution = (int(resolution[0]), int(resolution[1]))
        names = ([APS_STREAM] if with_frames else []) + list(extra_frame_streams)
        if len(set(names)) != len(names) or EVENT_STREAM in names:
            raise ValueError(f"frame stream names must be unique and not {EVENT_STREAM!r}: "
                             f"{names}")
        if compression not in packets.COMPRESSION_CODES:
            raise ValueError(f"compression must be one of {sorted(packets.COMPRESSION_CODES)}, "
                             f"got {compression!r}")
        self.compression = compression
        self._write = write
        streams = [(EVENT_STREAM, "EVTS")] + [(name, "FRME") for name in names]
        self._ids = {name: i for i, (name, _) in enumerate(streams)}
        size = (self.resolution[1], self.resolution[0])  # dv takes (width, height)
        head, self._table_field = packets.header_bytes(
            packets.description_xml(streams, size, camera_name), compression)
        try:
            self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        except OSError as error:
            raise InputError(path, f"cannot create AEDAT4 file: {error.strerror}") from error
        self._position = 0
        self.io_seconds = 0.0
        """Seconds spent inside file writes (tells a slow disk from a busy CPU)."""
        self._index: list[packets.PacketIndex] = []
        self._pool = (ThreadPoolExecutor(compress_threads, thread_name_prefix="stra-lz4",
                                         initializer=thread_setup)
                      if compress_threads > 1 and compression != "none" else None)
        self._last_event_t: int | None = None
        self._last_frame_t = dict.fromkeys(names, -(1 << 62))
        try:
            self._write_all(head)
        except OSError:
            self._abandon()
            raise
        self._position = len(head)

    @property
    def frame_streams(self) -> tuple[str, ...]:
        """Names of the frame streams this writer holds."""
        return tuple(self._last_frame_t)

    @property
    def bytes_written(self) -> int:
        """Size of the file so far."""
        return self._position

    def __enter__(self) -> Aedat4Writer:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def write_events(self, events: np.ndarray) -> None:
        """Append (N,) EVENT_DTYPE events, sorted and not older than those already written."""
        self.write_event_batch([events])

    def write_dv_events(self, store: Any) -> None:
        """Append a ``dv.EventStore`` as it is (its memory layout is the file's: no conversion)."""
        self.write_event_batch([store])

    def write_event_batch(self, parts: Sequence[Any]) -> None:
        """Append consecutive event arrays (EVENT_DTYPE) and/or ``dv.EventStore``s as one packet.

        Fewer, larger packets compress better and cost fewer writes; packets
        are split at :data:`MAX_PACKET_EVENTS`.

        Raises:
            InputError: events unsorted, off the sensor or older than those already written.
        """
        self._open_fd()
        arrays = [array for array in map(self._checked, parts) if len(array)]
        if not arrays:
            return
        spans = [(int(array[_time(array)][0]), int(array[_time(array)][-1])) for array in arrays]
        previous = self._last_event_t
        for first, last in spans:
            if previous is not None and first < previous:
                raise InputError(self.path, f"events out of order: {first} us after "
                                            f"{previous} us was written")
            previous = last
        batch: list[np.ndarray] = []
        count, t_first, t_last = 0, spans[0][0], spans[0][1]
        for array, (first, last) in zip(arrays, spans, strict=True):
            if count and count + len(array) > MAX_PACKET_EVENTS:
                self._write_packet(EVENT_STREAM, packets.event_payload(batch), count, t_first,
                                   t_last)
                batch, count, t_first = [], 0, first
            batch.append(array)
            count += len(array)
            t_last = last
        self._write_packet(EVENT_STREAM, packets.event_payload(batch), count, t_first, t_last)
        self._last_event_t = previous

    def _checked(self, part: Any) -> np.ndarray:
        """An EVENT_DTYPE array validated, or a dv.EventStore's events in dv layout."""
        if isinstance(part, np.ndarray):
            validate_events(part, self.resolution, self.path)
            return part
        if part.isEmpty():
            return np.empty(0, dtype=packets.DV_EVENT_DTYPE)
        events = part.numpy()
        if events.dtype.itemsize != packets.DV_EVENT_DTYPE.itemsize:
            raise InputError(self.path, f"unexpected dv event layout {events.dtype}")
        height, width = self.resolution
        if int(events["x"].max()) >= width or int(events["y"].max()) >= height:
            raise InputError(self.path, f"dv events off the {width}x{height} sensor")
        return events

    def write_frame(self, frame: Frame, stream: str = APS_STREAM) -> None:
        """Append one frame to ``stream``; float images are stored as uint8."""
        if frame.image.ndim != 2 or frame.resolution != self.resolution:
            raise InputError(self.path, f"{stream} frame has shape {frame.image.shape}, "
                                        f"expected {self.resolution}")
        if frame.exposure_end < frame.exposure_start:
            raise InputError(self.path, f"{stream} frame exposure ends before it starts")
        exposure = frame.exposure_end - frame.exposure_start + 1
        self._write_image(frame.as_uint8(), frame.exposure_start, exposure, stream)

    def write_dv_frame(self, frame: Any, stream: str = APS_STREAM) -> None:
        """Append a ``dv.Frame`` (8-bit grey) as it is: timestamp, exposure and pixels."""
        image = np.asarray(frame.image)
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[:, :, 0]
        if image.dtype != np.uint8 or image.shape != self.resolution:
            raise InputError(self.path, f"{stream} dv frame is {image.dtype} {image.shape}, "
                                        f"expected uint8 {self.resolution}")
        exposure = int(frame.exposure // timedelta(microseconds=1))
        self._write_image(image, int(frame.timestamp), exposure, stream)

    def close(self) -> None:
        """Write the packet index, finish the file and close it. Safe to call twice.

        Raises:
            OSError: the index could not be written (the packets stay readable).
        """
        if self._fd is None:
            return
        try:
            table = packets.compress(packets.data_table_payload(self._index), self.compression)
            table_at = self._position
            self._write_all(table)
            os.pwrite(self._fd, struct.pack("<q", table_at), self._table_field)
        except OSError:
            self._abandon()
            raise
        os.close(self._fd)
        self._fd = None
        self._stop_pool()

    def _stop_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    def _write_image(self, image: np.ndarray, timestamp: int, exposure: int, stream: str) -> None:
        self._open_fd()
        if stream not in self._last_frame_t:
            raise ValueError(f"no frame stream {stream!r}; this writer has {self.frame_streams}")
        if timestamp < self._last_frame_t[stream]:
            raise InputError(self.path, f"{stream} frames out of order: {timestamp} us after "
                                        f"{self._last_frame_t[stream]} us")
        source = (packets.FRAME_SOURCE_SENSOR if stream == APS_STREAM
                  else packets.FRAME_SOURCE_RECONSTRUCTION)
        payload = packets.frame_payload(image, timestamp, exposure, source)
        self._write_packet(stream, payload, 1, timestamp, timestamp)
        self._last_frame_t[stream] = timestamp

    def _write_packet(self, stream: str, payload: bytes | np.ndarray, elements: int,
                      t_start: int, t_end: int) -> None:
        """Write one packet whole, or truncate back to the last whole one and raise."""
        body = packets.compress(memoryview(payload), self.compression, self._pool)
        stream_id = self._ids[stream]
        try:
            self._write_all(struct.pack("<ii", stream_id, len(body)) + body)
        except OSError:
            self._abandon()
            raise
        # dv indexes a packet by the offset of its payload, just past the 8-byte header.
        self._index.append(packets.PacketIndex(self._position + 8, stream_id, len(body),
                                               elements, t_start, t_end))
        self._position += 8 + len(body)

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        started = time.perf_counter()
        try:
            while view:
                written = self._write(self._open_fd(), view)
                view = view[written:]
        finally:
            self.io_seconds += time.perf_counter() - started

    def _abandon(self) -> None:
        """After a failed write: cut the file at its last whole packet and close it."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        # Truncating frees space and needs none, so it works on a full disk; if it fails
        # anyway, readers still stop at the incomplete packet.
        with contextlib.suppress(OSError):
            os.ftruncate(fd, self._position)
        os.close(fd)
        self._stop_pool()

    def _open_fd(self) -> int:
        if self._fd is None:
            raise ValueError(f"{self.path}: writer already closed")
        return self._fd
