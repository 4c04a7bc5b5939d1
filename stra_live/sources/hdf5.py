"""HQF-layout HDF5 file source, streamed lazily from disk.

The file's structure and frame metadata are checked when the source is made
(bad files raise :class:`~stra_live.errors.InputError` there); events and
images are read chunk by chunk while packets are pulled, so files larger than
memory play fine. Problems inside the event data (timestamps going backwards,
coordinates off the sensor) are found as the stream reaches them and raise
``InputError`` from ``packets()``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from stra_live.errors import InputError
from stra_live.io.hqf_reader import DEFAULT_CHUNK_EVENTS, HqfReader
from stra_live.sources.recording import (
    Pacing,
    PassData,
    ReplaySource,
    frame_rate,
    timeline_span,
)


class Hdf5Source(ReplaySource):
    """Replay an HQF file without loading it whole.

    Args:
        path: the ``.h5`` file.
        packet_us, pacing, loop, speed: as in :class:`~stra_live.sources.recording.ReplaySource`.
        use_sharp: replay ``sharp_images/`` (EFNet ground truth) instead of
            ``images/``; InputError when the file has none.
        chunk_events: events read from disk at a time.
    """

    def __init__(self, path: str | Path, packet_us: int = 10_000, pacing: Pacing = "fast",
                 loop: bool = False, speed: float = 1.0, use_sharp: bool = False,
                 chunk_events: int = DEFAULT_CHUNK_EVENTS) -> None:
        if chunk_events <= 0:
            raise ValueError(f"chunk_events must be positive, got {chunk_events}")
        with HqfReader(path) as reader:
            if use_sharp and not reader.has_sharp:
                raise InputError(path, "use_sharp asked for, but there is no 'sharp_images' group")
            windows = list(reader.frame_windows(sharp=use_sharp))
            ends = [end for _, _, end in windows]
            span = timeline_span(reader.event_span(), ends)
            resolution = reader.resolution
        super().__init__(str(path), resolution, bool(ends), span, packet_us, pacing, loop, speed,
                         fps=frame_rate(t for t, _, _ in windows))
        self.path = Path(path)
        self.use_sharp = use_sharp
        self.chunk_events = chunk_events
        self.frame_times = np.array([t for t, _, _ in windows], dtype=np.int64)

    @contextlib.contextmanager
    def _open_pass(self) -> Iterator[PassData]:
        with HqfReader(self.path) as reader:
            yield reader.event_chunks(self.chunk_events), reader.frames(sharp=self.use_sharp)
