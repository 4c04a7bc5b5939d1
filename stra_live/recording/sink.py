"""A :class:`SessionRecorder` as the pipeline's ``ResultSink``: no Qt, used headless and by the app.

The pipeline calls ``write_packet(packet)`` and ``write_result(result)`` on its
worker threads; the recorder wants ``write_result(timestamp, deblurred,
blurry)``. Neither call ever raises into the pipeline: a result of the wrong
size ends the recording (reported through ``on_error``), never the stream.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stra_live.recording.config import RecordConfig
from stra_live.recording.recorder import RecordingSummary, SessionRecorder
from stra_live.sources.base import Packet

log = logging.getLogger(__name__)


class RecorderSink:
    """Feeds one recording from a pipeline.

    Args:
        folder: output folder (created if missing).
        resolution: sensor (height, width).
        with_frames: the stream has APS frames (else events only, no deblurred stream).
        config: the ``record`` settings (its ``folder`` is not used: ``folder`` is).
        on_error: called once, from a recording or pipeline thread, with the
            message that stopped the recording.
        on_finished: called once, from a recording thread, with the final summary.
        recorder_factory: builds the :class:`SessionRecorder` (tests inject fakes).

    Raises:
        OSError: the folder cannot be created, or its disk is nearly full.
        InputError: the AEDAT4 file cannot be created.
    """

    def __init__(self, folder: Path, resolution: tuple[int, int], with_frames: bool,
                 config: RecordConfig | None = None,
                 on_error: Callable[[str], None] | None = None,
                 on_finished: Callable[[RecordingSummary], None] | None = None,
                 recorder_factory: Callable[..., SessionRecorder] = SessionRecorder) -> None:
        config = config or RecordConfig()
        self._on_error = on_error
        self._reported = False
        self.recorder = recorder_factory(folder, resolution, config.mp4, with_frames=with_frames,
                                         config=config, on_error=self._report,
                                         on_finished=on_finished)

    def write_packet(self, packet: Packet) -> None:
        """Queue a raw input packet (any thread; never raises)."""
        self.recorder.write_packet(packet)

    def write_result(self, result: Any) -> None:
        """Queue a deblurred frame (a ``DeblurResult``; events-only results carry none)."""
        if result.deblurred is None:
            return
        try:
            self.recorder.write_result(result.frame_timestamp, result.deblurred, result.blurry)
        except ValueError as error:  # a frame of another size: end the recording, not the stream
            self.recorder.request_stop()
            self._report(f"recording stopped: {error}")

    def request_stop(self) -> None:
        """Stop taking data; the recorder closes the files on its own threads (returns at once)."""
        self.recorder.request_stop()

    def summary(self) -> RecordingSummary:
        """Figures so far (final once ``summary().finished``); never waits."""
        return self.recorder.summary()

    @property
    def paths(self) -> tuple[Path, ...]:
        """The files of this recording (AEDAT4 first, then the MP4 if any)."""
        return self.recorder.summary().paths

    def _report(self, message: str) -> None:
        if self._reported:
            return
        self._reported = True
        if self._on_error is not None:
            self._on_error(message)
