"""The record button's sink: a :class:`~stra_live.recording.sink.RecorderSink` with Qt signals.

The pipeline calls ``write_packet(packet)`` and ``write_result(result)`` on its
worker threads; the recorder writes on its own threads and reports failures
(disk full or too slow, ffmpeg gone) and the end of the recording from there.
This adapter turns those reports into queued signals, so the window learns
about them on the GUI thread, and the stream itself never stops because of
the recorder. Stopping never waits: :meth:`RecordingSink.close` asks the
recorder to finish and returns at once; ``finished`` follows when the files
are closed.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path

from PyQt6.QtCore import QObject, Qt, pyqtSignal

from stra_live.engine.results import DeblurResult
from stra_live.recording import RecordConfig, RecordingSummary, SessionRecorder
from stra_live.recording.sink import RecorderSink
from stra_live.sources.base import Packet

log = logging.getLogger(__name__)


class RecordingSink(QObject):
    """Implements the pipeline's ResultSink for the window.

    Signals:
        failed(str): the recording stopped early (message); emitted once, on the GUI thread.
        finished(object): the final :class:`RecordingSummary`, once the files are closed.

    Args:
        folder: output folder (created if missing).
        resolution: sensor (height, width).
        mp4: also write the side-by-side MP4.
        with_frames: the stream has APS frames (else events only, no deblurred stream).
        parent: owning QObject.
        config: the ``record`` settings (compression, flush interval, limits).

    Raises:
        OSError: the folder cannot be created, or its disk is nearly full.
        InputError: the AEDAT4 file cannot be created.
    """

    failed = pyqtSignal(str)
    finished = pyqtSignal(object)
    _worker_failed = pyqtSignal(str)
    _worker_finished = pyqtSignal(object)

    def __init__(self, folder: Path, resolution: tuple[int, int], mp4: bool, with_frames: bool,
                 parent: QObject | None = None, config: RecordConfig | None = None) -> None:
        super().__init__(parent)
        self._worker_failed.connect(self.failed, Qt.ConnectionType.QueuedConnection)
        self._worker_finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._done = threading.Event()
        base = config or RecordConfig()
        settings = dataclasses.replace(base, folder=Path(folder), mp4=mp4)
        self._sink = RecorderSink(Path(folder), resolution, with_frames, settings,
                                  on_error=self._worker_failed.emit,
                                  on_finished=self._finished_on_worker,
                                  recorder_factory=SessionRecorder)  # looked up now: patchable
        self.recorder = self._sink.recorder
        self.summary: RecordingSummary | None = None
        """Set by :meth:`close` (figures so far), then replaced by the final one."""

    def write_packet(self, packet: Packet) -> None:
        """Queue a raw input packet (any thread; never raises)."""
        self._sink.write_packet(packet)

    def write_result(self, result: DeblurResult) -> None:
        """Queue a deblurred frame (any thread; events-only results carry none)."""
        self._sink.write_result(result)

    def close(self, timeout: float | None = None) -> RecordingSummary:
        """Stop recording without waiting; the figures so far (``finished`` brings the final ones).

        ``timeout`` is accepted for compatibility and ignored: the GUI thread
        never waits for the disk.
        """
        del timeout
        self._sink.request_stop()
        if self.summary is None or not self.summary.finished:
            self.summary = self.recorder.summary()
        return self.summary

    def wait_finished(self, timeout: float | None = None) -> bool:
        """Wait until the files are closed (at exit, never on a live window); False on timeout."""
        return self._done.wait(timeout)

    @property
    def paths(self) -> tuple[Path, ...]:
        """The files of this recording (AEDAT4 first, then the MP4 if any)."""
        return self._sink.paths

    def describe(self) -> str:
        """The current file, its size and the stream time it holds (``"… · 12.3 MB · 8.5 s"``)."""
        now = self.recorder.summary()
        return (f"{self.recorder.aedat4_path.name} · {now.bytes_written / 1e6:.1f} MB · "
                f"{now.duration_s:.1f} s")

    @property
    def folder(self) -> Path:
        """Where this recording's files are."""
        return self.recorder.folder

    def _finished_on_worker(self, summary: RecordingSummary) -> None:
        self._done.set()
        self._worker_finished.emit(summary)

    def _on_finished(self, summary: RecordingSummary) -> None:
        self.summary = summary
        log.info("recording finished: %s", summary)
        self.finished.emit(summary)
