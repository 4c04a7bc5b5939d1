"""AEDAT4 file source: read with :func:`~stra_live.io.aedat4.read_aedat4`, then replayed.

Packets keep the file's dv objects (:class:`~stra_live.sources.base.DvRaw`): a
shallow ``EventStore`` slice holding exactly the packet's events and the
``dv.Frame`` of each attached frame, so recording a file playback writes the
file's own data without converting it. Time-shifted passes (looping) carry
``raw=None``, since their timestamps no longer match the file's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

from stra_live.io.aedat4 import DvStreams, read_aedat4, read_dv_streams
from stra_live.sources.base import DvRaw, Packet
from stra_live.sources.recording import Pacing, RecordingSource


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
        if keep_raw:
            raw = read_dv_streams(path, frame_stream)
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
