"""The record button's sink: adapts a SessionRecorder to the pipeline's ResultSink.

The pipeline calls ``write_packet(packet)`` and ``write_result(result)`` on its
inference thread; the recorder wants ``write_result(timestamp, deblurred,
blurry)`` and reports failures (disk nearly full, ffmpeg gone) from its own
writer thread. This adapter translates the calls and turns the failure report
into a queued signal, so the window learns about it on the GUI thread and the
stream itself never stops because of the recorder.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PyQt6.QtCore import QObject, Qt, pyqtSignal

from stra_live.engine.results import DeblurResult
from stra_live.recording import RecordingSummary, SessionRecorder
from stra_live.sources.base import Packet

log = logging.getLogger(__name__)


class RecordingSink(QObject):
    """Implements the pipeline's ResultSink around a :class:`SessionRecorder`.

    Signals:
        failed(str): the recording stopped early (message); emitted once, on the GUI thread.

    Args:
        folder: output folder (created if missing).
        resolution: sensor (height, width).
        mp4: also write the side-by-side MP4.
        with_frames: the stream has APS frames (else events only, no deblurred stream).
        parent: owning QObject.

    Raises:
        OSError: the folder cannot be created, or its disk is nearly full.
        InputError: the AEDAT4 file cannot be created.
    """

    failed = pyqtSignal(str)
    _worker_failed = pyqtSignal(str)

    def __init__(self, folder: Path, resolution: tuple[int, int], mp4: bool, with_frames: bool,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker_failed.connect(self.failed, Qt.ConnectionType.QueuedConnection)
        self.recorder = SessionRecorder(folder, resolution, mp4, with_frames=with_frames,
                                        on_error=self._worker_failed.emit)
        self.summary: RecordingSummary | None = None
        self._reported = False

    def write_packet(self, packet: Packet) -> None:
        """Queue a raw input packet (any thread; never raises)."""
        self.recorder.write_packet(packet)

    def write_result(self, result: DeblurResult) -> None:
        """Queue a deblurred frame (any thread; events-only results carry none)."""
        if result.deblurred is None:
            return
        try:
            self.recorder.write_result(result.frame_timestamp, result.deblurred, result.blurry)
        except ValueError as error:  # a frame of another size: end the recording, not the stream
            if not self._reported:
                self._reported = True
                self._worker_failed.emit(str(error))

    def close(self, timeout: float | None = None) -> RecordingSummary:
        """Finish the files (waiting at most ``timeout`` s) and return what was written."""
        if self.summary is None:
            self.summary = self.recorder.stop(timeout)
        return self.summary

    @property
    def paths(self) -> tuple[Path, ...]:
        """The files of this recording (AEDAT4 first, then the MP4 if any)."""
        return tuple(p for p in (self.recorder.aedat4_path, self.recorder.video_path)
                     if p is not None)

    def describe(self) -> str:
        """File names for the status bar, e.g. ``"stra_...aedat4, stra_..._side_by_side.mp4"``."""
        return ", ".join(path.name for path in self.paths)
