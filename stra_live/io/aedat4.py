"""Read and write AEDAT4 (iniVation DV) recordings with dv-processing.

Conventions:

* dv's frame ``timestamp`` is the start of the exposure and ``exposure`` its
  length; a frame read here has ``timestamp = exposure_start = dv timestamp``
  and ``exposure_end = timestamp + exposure - 1`` (inclusive last
  microsecond; an exposure of 0 gives ``exposure_end = exposure_start``).
* Files without a frame stream (DVXplorer, events-only writers) read fine
  with ``frames = ()``. Colour frames are converted to grey.
* A truncated file (cut while copying, disk full) is recovered: the packets
  before the cut are returned and a warning is logged, unless ``strict``.
  Empty files, random bytes, files cut inside the header and corrupt packets
  raise :class:`~stra_live.errors.InputError`.
* dv-processing 2.0.4 can spin forever on a corrupt compressed packet, so by
  default decoding runs in a watched child process (:mod:`stra_live.io.isolated`).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import dv_processing as dv
import numpy as np

from stra_live.errors import InputError
from stra_live.events import Frame, empty_events, from_dv_columns, validate_events
from stra_live.io.aedat4_header import copy_without_data_table, header_problem
from stra_live.io.aedat4_writer import APS_STREAM, EVENT_STREAM, Aedat4Writer, dv_message
from stra_live.io.isolated import Progress, call_isolated
from stra_live.io.recording import Recording, validate_frames

__all__ = ["Aedat4Writer", "DvStreams", "decode_aedat4", "read_aedat4", "read_dv_streams",
           "write_aedat4"]

log = logging.getLogger(__name__)

_GREY_WEIGHTS = np.array([0.114, 0.587, 0.299])  # dv/OpenCV colour frames are BGR


def read_aedat4(path: str | Path, *, frame_stream: str | None = None, strict: bool = False,
                isolate: bool = True, stall_timeout_s: float = 10.0) -> Recording:
    """Read a whole AEDAT4 file into a validated :class:`Recording`.

    Args:
        path: the ``.aedat4`` file.
        frame_stream: frame stream to read (e.g. ``"deblurred"``); by default
            ``frames`` if present, else the first frame stream, else none.
        strict: raise on a truncated file instead of recovering its start.
        isolate: decode in a child process (about 0.3 s extra), so that a
            corrupt packet that makes dv-processing loop forever raises
            InputError after ``stall_timeout_s`` instead of hanging.
        stall_timeout_s: with ``isolate``, seconds without progress before giving up.

    Raises:
        InputError: naming ``path`` when it is missing, empty, not AEDAT4,
            corrupt, or (with ``strict``) truncated.
    """
    if not Path(path).is_file():
        raise InputError(path, "no such file")
    problem = header_problem(path)
    if problem is not None:
        raise InputError(path, problem)
    args = (str(path), frame_stream, strict)
    if isolate:
        recording, warning = call_isolated(decode_aedat4, args, path, stall_timeout_s)
    else:
        recording, warning = decode_aedat4(*args)
    if warning:
        log.warning("%s: %s", path, warning)
    return recording


def decode_aedat4(path: str, frame_stream: str | None, strict: bool,
                  progress: Progress | None = None) -> tuple[Recording, str | None]:
    """Decode ``path`` with dv-processing in this process; (recording, warning or None).

    The engine of :func:`read_aedat4` (which runs it isolated by default);
    ``progress`` is called after every packet.
    """
    try:
        reader = dv.io.MonoCameraRecording(path)
    except RuntimeError as error:
        if strict:
            raise InputError(path, f"not a readable AEDAT4 file: {dv_message(error)}") from error
        return _recover_truncated(path, error, frame_stream, progress)
    return _read_all(reader, path, frame_stream, False, progress), None


@dataclass(frozen=True)
class DvStreams:
    """A file's events and frames as dv-processing objects, unconverted.

    Attributes:
        events: one ``dv.EventStore`` holding every event (its packets shared, not copied).
        frames: the ``dv.Frame`` objects of the frame stream, in file order.
        stream_names: every stream in the file (e.g. ``deblurred`` in a session recording).
    """

    events: Any
    frames: tuple[Any, ...]
    stream_names: tuple[str, ...] = ()


def read_dv_streams(path: str | Path, frame_stream: str | None = None) -> DvStreams:
    """Read ``path`` into dv objects in this process, for sources that keep raw data.

    Call it only on a file that :func:`read_aedat4` has already decoded: decoding
    the same bytes again cannot hit the corrupt-packet loop that the isolated
    read guards against. A truncated file is read up to its cut, as there.
    Stream choice is :func:`read_aedat4`'s.
    """
    with tempfile.TemporaryDirectory(prefix="stra_aedat4_") as folder:
        try:
            reader = dv.io.MonoCameraRecording(str(path))
        except RuntimeError as error:
            copy = Path(folder) / "recovered.aedat4"
            if not copy_without_data_table(path, copy):
                problem = f"not a readable AEDAT4 file: {dv_message(error)}"
                raise InputError(path, problem) from error
            reader = dv.io.MonoCameraRecording(str(copy))
        streams = _dv_streams(reader, str(path), frame_stream)
        del reader  # release a recovery copy before its folder is removed
    return streams


def _dv_streams(reader: dv.io.MonoCameraRecording, source: str,
                frame_stream: str | None) -> DvStreams:
    names = list(reader.getStreamNames())
    event_name = _pick(names, EVENT_STREAM, reader.isStreamOfEventType)
    frame_name = frame_stream or _pick(names, APS_STREAM, reader.isStreamOfFrameType)
    store = dv.EventStore()
    if event_name is not None:
        for batch in _packets(lambda: reader.getNextEventBatch(event_name), "event", source,
                              True, _no_progress):
            store.add(batch)
    frames: tuple[Any, ...] = ()
    if frame_name is not None:
        frames = tuple(_packets(lambda: reader.getNextFrame(frame_name), "frame", source, True,
                                _no_progress))
    return DvStreams(events=store, frames=frames, stream_names=tuple(names))


def write_aedat4(path: str | Path, events: np.ndarray | Recording, frames: Sequence[Frame] = (),
                 resolution: tuple[int, int] | None = None) -> None:
    """Write a recording, or events + frames + resolution, to an AEDAT4 file.

    ``write_aedat4(path, recording)`` or ``write_aedat4(path, events, frames,
    resolution)``. Events and frames are interleaved in time order so that a
    reader (or a truncated copy) sees each frame after the events before it.
    """
    if isinstance(events, Recording):
        if frames or resolution is not None:
            raise TypeError("pass either a Recording or events, frames and resolution")
        events, frames, resolution = events.events, events.frames, events.resolution
    if resolution is None:
        raise TypeError("write_aedat4 needs the sensor resolution")
    validate_events(events, resolution, path)
    validate_frames(frames, resolution, path)
    cuts = np.searchsorted(events["t"], [f.exposure_start for f in frames], side="left")
    with Aedat4Writer(path, resolution, with_frames=bool(frames)) as writer:
        done = 0
        for frame, cut in zip(frames, cuts, strict=True):
            writer.write_events(events[done:cut])
            writer.write_frame(frame)
            done = int(cut)
        writer.write_events(events[done:])


def _recover_truncated(path: str, error: RuntimeError, frame_stream: str | None,
                       progress: Progress | None) -> tuple[Recording, str]:
    problem = f"not a readable AEDAT4 file: {dv_message(error)}"
    with tempfile.TemporaryDirectory(prefix="stra_aedat4_") as folder:
        copy = Path(folder) / "recovered.aedat4"
        if not copy_without_data_table(path, copy):
            raise InputError(path, problem) from error
        try:
            reader = dv.io.MonoCameraRecording(str(copy))
        except RuntimeError:
            raise InputError(path, problem) from error
        recording = _read_all(reader, path, frame_stream, True, progress)
        del reader  # release the copy before its folder is removed
    warning = (f"file is truncated ({dv_message(error)}); recovered {len(recording.events)} "
               f"events and {len(recording.frames)} frames before the cut")
    return recording, warning


def _read_all(reader: dv.io.MonoCameraRecording, source: str, frame_stream: str | None,
              tolerant: bool, progress: Progress | None) -> Recording:
    names = list(reader.getStreamNames())
    event_name = _pick(names, EVENT_STREAM, reader.isStreamOfEventType)
    frame_name = frame_stream or _pick(names, APS_STREAM, reader.isStreamOfFrameType)
    if frame_stream is not None and not (frame_stream in names
                                         and reader.isStreamOfFrameType(frame_stream)):
        raise InputError(source, f"no frame stream {frame_stream!r} (streams: {names})")
    if event_name is not None:
        size = reader.getEventResolution(event_name)
    elif frame_name is not None:
        size = reader.getFrameResolution(frame_name)
    else:
        raise InputError(source, f"no event or frame stream (streams: {names})")
    if size is None:
        raise InputError(source, "the file does not say its sensor resolution")
    resolution = (int(size[1]), int(size[0]))  # dv gives (width, height)
    tick = progress or _no_progress
    events, frames = empty_events(), ()
    if event_name is not None:
        events = _read_events(reader, event_name, source, tolerant, tick)
    if frame_name is not None:
        frames = _read_frames(reader, frame_name, source, tolerant, tick)
    validate_events(events, resolution, source)
    validate_frames(frames, resolution, source, frame_name or "frames")
    return Recording(source=source, resolution=resolution, events=events, frames=frames)


def _pick(names: list[str], preferred: str, is_kind: Callable[[str], bool]) -> str | None:
    if preferred in names and is_kind(preferred):
        return preferred
    return next((name for name in names if is_kind(name)), None)


def _no_progress() -> None:
    pass


def _packets(read_next: Callable[[], Any], what: str, source: str, tolerant: bool,
             progress: Progress) -> Iterator[Any]:
    """Yield dv packets until the stream ends; a corrupt one ends it (tolerant) or raises."""
    while True:
        try:
            packet = read_next()
        except RuntimeError as error:
            if not tolerant:
                raise InputError(source, f"corrupt {what} packet: {dv_message(error)}") from error
            return
        if packet is None:
            return
        progress()
        yield packet


def _read_events(reader: dv.io.MonoCameraRecording, name: str, source: str, tolerant: bool,
                 progress: Progress) -> np.ndarray:
    batches = []
    for batch in _packets(lambda: reader.getNextEventBatch(name), "event", source, tolerant,
                          progress):
        columns = batch.numpy()
        batches.append(from_dv_columns(columns["timestamp"], columns["x"], columns["y"],
                                       columns["polarity"]))
    return np.concatenate(batches) if batches else empty_events()


def _read_frames(reader: dv.io.MonoCameraRecording, name: str, source: str, tolerant: bool,
                 progress: Progress) -> tuple[Frame, ...]:
    return tuple(frame_from_dv(frame, source) for frame in
                 _packets(lambda: reader.getNextFrame(name), "frame", source, tolerant, progress))


def frame_from_dv(frame: dv.Frame, source: str) -> Frame:
    """Convert one dv-processing frame to a :class:`Frame` (grey uint8, inclusive exposure end).

    The single dv -> Frame rule, shared by file reading and live sources.

    Raises:
        InputError: a pixel format other than 8-bit grey or colour.
    """
    image = np.array(frame.image, copy=True)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    elif image.ndim == 3 and image.shape[2] in (3, 4):
        grey = image[:, :, :3].astype(np.float64) @ _GREY_WEIGHTS
        image = np.clip(np.rint(grey), 0, 255).astype(image.dtype)
    if image.dtype != np.uint8 or image.ndim != 2:
        raise InputError(source, f"unsupported frame format {image.dtype} {image.shape}")
    exposure_us = int(frame.exposure // timedelta(microseconds=1))
    start = int(frame.timestamp)
    end = start + max(exposure_us, 1) - 1
    return Frame(image=image, timestamp=start, exposure_start=start, exposure_end=end)
