"""Streaming AEDAT4 writer on top of dv-processing's ``MonoCameraWriter``.

Frames are stored the dv way: ``timestamp`` = first microsecond of the
exposure and ``exposure`` = its length, so a :class:`Frame` is written with
timestamp ``exposure_start`` and exposure ``exposure_end - exposure_start + 1``
(the end is inclusive). ``Frame.timestamp`` itself is not stored when it
differs from ``exposure_start``.

Besides the APS ``frames`` stream the writer can hold further frame streams
(e.g. ``deblurred``), each written and read back by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import dv_processing as dv
import numpy as np

from stra_live.errors import InputError
from stra_live.events import Frame, validate_events

APS_STREAM = "frames"
"""Name of the APS frame stream (dv-processing's default)."""

EVENT_STREAM = "events"
"""Name of the event stream (dv-processing's default)."""


def dv_message(error: BaseException) -> str:
    """The readable part of a dv-processing exception (its stack trace dropped)."""
    lines = str(error).split("Stacktrace:")[0].strip().splitlines()
    for line in reversed(lines):
        if line.strip():
            return line.strip()
    return type(error).__name__


class Aedat4Writer:
    """Write events and frames to an AEDAT4 file as they come.

    Args:
        path: file to create (replaced if it exists).
        resolution: sensor (height, width).
        with_frames: add the APS ``frames`` stream.
        extra_frame_streams: names of further frame streams, e.g. ``("deblurred",)``.
        camera_name: camera name stored in the file.

    The file is complete only after :meth:`close` (or leaving the ``with``
    block); a writer that is never closed leaves a file that
    :func:`stra_live.io.aedat4.read_aedat4` can still recover.
    """

    def __init__(self, path: str | Path, resolution: tuple[int, int], with_frames: bool = True,
                 extra_frame_streams: Sequence[str] = (), camera_name: str = "STRA Live") -> None:
        self.path = str(path)
        self.resolution = (int(resolution[0]), int(resolution[1]))
        names = ([APS_STREAM] if with_frames else []) + list(extra_frame_streams)
        if len(set(names)) != len(names) or EVENT_STREAM in names:
            raise ValueError(f"frame stream names must be unique and not {EVENT_STREAM!r}: "
                             f"{names}")
        size = (self.resolution[1], self.resolution[0])  # dv takes (width, height)
        config = dv.io.MonoCameraWriter.Config(camera_name)
        config.addEventStream(size)
        for name in names:
            config.addFrameStream(size, name)
        try:
            self._writer: dv.io.MonoCameraWriter | None = dv.io.MonoCameraWriter(self.path, config)
        except RuntimeError as error:
            raise InputError(path, f"cannot create AEDAT4 file: {dv_message(error)}") from error
        self._last_event_t: int | None = None
        self._last_frame_t = dict.fromkeys(names, -(1 << 62))

    @property
    def frame_streams(self) -> tuple[str, ...]:
        """Names of the frame streams this writer holds."""
        return tuple(self._last_frame_t)

    def __enter__(self) -> Aedat4Writer:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def write_events(self, events: np.ndarray) -> None:
        """Append (N,) EVENT_DTYPE events, sorted and not older than those already written."""
        writer = self._open_writer()
        validate_events(events, self.resolution, self.path)
        if len(events) == 0:
            return
        first = int(events["t"][0])
        if self._last_event_t is not None and first < self._last_event_t:
            raise InputError(self.path, f"events out of order: {first} us after "
                                        f"{self._last_event_t} us was written")
        store = dv.EventStore()
        push = store.push_back
        for t, x, y, p in zip(events["t"].tolist(), events["x"].tolist(),
                              events["y"].tolist(), (events["p"] > 0).tolist(), strict=True):
            push(t, x, y, p)
        writer.writeEvents(store)
        self._last_event_t = int(events["t"][-1])

    def write_frame(self, frame: Frame, stream: str = APS_STREAM) -> None:
        """Append one frame to ``stream``; float images are stored as uint8."""
        writer = self._open_writer()
        if stream not in self._last_frame_t:
            raise ValueError(f"no frame stream {stream!r}; this writer has {self.frame_streams}")
        if frame.image.ndim != 2 or frame.resolution != self.resolution:
            raise InputError(self.path, f"{stream} frame has shape {frame.image.shape}, "
                                        f"expected {self.resolution}")
        if frame.exposure_end < frame.exposure_start:
            raise InputError(self.path, f"{stream} frame exposure ends before it starts")
        if frame.exposure_start < self._last_frame_t[stream]:
            raise InputError(self.path, f"{stream} frames out of order: {frame.exposure_start} "
                                        f"us after {self._last_frame_t[stream]} us")
        exposure = frame.exposure_end - frame.exposure_start + 1
        source = dv.FrameSource.SENSOR if stream == APS_STREAM else dv.FrameSource.RECONSTRUCTION
        image = np.ascontiguousarray(frame.as_uint8())
        writer.writeFrame(dv.Frame(frame.exposure_start, exposure, 0, 0, image, source), stream)
        self._last_frame_t[stream] = frame.exposure_start

    def close(self) -> None:
        """Finish the file (dv writes its packet index on destruction). Safe to call twice."""
        # MonoCameraWriter has no close(): dropping the only reference flushes and finalises.
        self._writer = None

    def _open_writer(self) -> dv.io.MonoCameraWriter:
        if self._writer is None:
            raise ValueError(f"{self.path}: writer already closed")
        return self._writer
