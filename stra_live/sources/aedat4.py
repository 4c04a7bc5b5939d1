"""AEDAT4 file source: read with :func:`~stra_live.io.aedat4.read_aedat4`, then replayed."""

from __future__ import annotations

from pathlib import Path

from stra_live.io.aedat4 import read_aedat4
from stra_live.sources.recording import Pacing, RecordingSource


class Aedat4Source(RecordingSource):
    """Replay an AEDAT4 file (read whole at construction; bad files raise InputError there).

    Args:
        path: the ``.aedat4`` file.
        packet_us, pacing, loop, speed: as in :class:`RecordingSource`.
        frame_stream: frame stream to replay (default ``frames``, if any).
    """

    def __init__(self, path: str | Path, packet_us: int = 10_000, pacing: Pacing = "fast",
                 loop: bool = False, speed: float = 1.0, *,
                 frame_stream: str | None = None) -> None:
        recording = read_aedat4(path, frame_stream=frame_stream)
        super().__init__(recording, packet_us=packet_us, pacing=pacing, loop=loop, speed=speed)
