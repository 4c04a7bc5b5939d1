"""AEDAT4 file source: read with :func:`~stra_live.io.aedat4.read_aedat4`, then replayed.

Packets keep the file's dv objects (:class:`~stra_live.sources.base.DvRaw`): a
shallow ``EventStore`` slice holding exactly the packet's events and the
``dv.Frame`` of each attached frame, so recording a file playback writes the
file's own data without converting it. Time-shifted passes (looping) carry
``raw=None``, since their timestamps no longer match the file's.

A recording is a first-class source: a file written by STRA Live's recorder
also holds the ``deblurred`` stream of the session. The source replays the
raw streams through a fresh engine as any file, and keeps the recorded
outputs in :attr:`Aedat4Source.recorded_outputs`, so the window can show the
recorded deblurring beside the fresh one (:meth:`RecordedOutputs.at`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from stra_live.io.aedat4 import DvStreams, read_aedat4, read_dv_streams
from stra_live.io.aedat4_writer import DEBLURRED_STREAM
from stra_live.sources.base import DvRaw, Packet
from stra_live.sources.recording import Pacing, RecordingSource


class RecordedOutputs:
    """The deblurred frames recorded in a session file, looked up by raw-frame timestamp.

    Args:
        timestamps: (N,) sorted int64 us: the raw frame each output was computed from.
        images: N (H, W) uint8 images.
    """

    def __init__(self, timestamps: np.ndarray, images: list[np.ndarray]) -> None:
        if len(timestamps) != len(images):
            raise ValueError(f"{len(timestamps)} timestamps for {len(images)} images")
        self.timestamps = np.asarray(timestamps, dtype=np.int64)
        self.images = images

    def __len__(self) -> int:
        return len(self.images)

    def at(self, timestamp: int, origin_us: int = 0, period_us: int = 0) -> np.ndarray | None:
        """The output recorded for the raw frame at ``timestamp``, or None if there was none.

        Args:
            timestamp: a fresh result's frame timestamp (stream time).
            origin_us, period_us: when the playback loops, its timeline start and
                pass length (later passes are shifted by whole passes).
        """
        if period_us > 0 and timestamp >= origin_us:
            timestamp = origin_us + (timestamp - origin_us) % period_us
        index = int(np.searchsorted(self.timestamps, timestamp))
        if index < len(self.timestamps) and self.timestamps[index] == timestamp:
            return self.images[index]
        return None


class Aedat4Source(RecordingSource):
    """Replay an AEDAT4 file (read whole at construction; bad files raise InputError there).

    Args:
        path: the ``.aedat4`` file.
        packet_us, pacing, loop, speed: as in :class:`RecordingSource`.
        frame_stream: frame stream to replay (default ``frames``, if any).
        keep_raw: also keep the dv objects (about twice the memory) and attach
            them to packets as ``packet.raw``.
    """

    def __init__(self, path: str | Path, packet_us: int = 10_000, pacing: Pacing = "fast",
                 loop: bool = False, speed: float = 1.0, *,
                 frame_stream: str | None = None, keep_raw: bool = True) -> None:
        recording = read_aedat4(path, frame_stream=frame_stream)
        super().__init__(recording, packet_us=packet_us, pacing=pacing, loop=loop, speed=speed)
        self.path = Path(path)
        self.frame_stream = frame_stream
        self._raw: DvStreams | None = None
        self._raw_frames: dict[int, object] = {}
        self.recorded_outputs: RecordedOutputs | None = None
        """The session's recorded deblurred frames, when the file is a STRA Live recording."""
        if keep_raw:
            raw = read_dv_streams(path, frame_stream)
            if DEBLURRED_STREAM in raw.stream_names and frame_stream != DEBLURRED_STREAM:
                outputs = read_aedat4(path, frame_stream=DEBLURRED_STREAM).frames
                self.recorded_outputs = RecordedOutputs(
                    np.array([f.timestamp for f in outputs], dtype=np.int64),
                    [f.image for f in outputs])
            if raw.events.size() == len(recording.events) and \
                    len(raw.frames) == len(recording.frames):
                self._raw = raw
                self._raw_frames = {id(frame): dv_frame for frame, dv_frame
                                    in zip(recording.frames, raw.frames, strict=True)}

    def _one_pass(self, t0: int, slices: int, shift: int, first: int = 0) -> Iterator[Packet]:
        for packet in super()._one_pass(t0, slices, shift, first):
            yield packet if shift else self._with_raw(packet)

    def _with_raw(self, packet: Packet) -> Packet:
        """``packet`` with its dv objects, or as it is when they do not match it exactly."""
        if self._raw is None:
            return packet
        start = packet.watermark - self.packet_us if len(packet.events) else packet.watermark
        events = self._raw.events.sliceTime(start, packet.watermark)
        frames = tuple(self._raw_frames.get(id(frame)) for frame in packet.frames)
        if events.size() != len(packet.events) or any(frame is None for frame in frames):
            return packet
        return dataclasses.replace(packet, raw=DvRaw(events=events, frames=frames))
