"""The record button's sink: a SessionRecorder made safe to feed from the pipeline's worker.

The pipeline calls ``write_packet``/``write_result`` on its inference thread.
A write error (disk full, say) must not stop the stream, so this adapter
catches it, stops writing, and reports it once through a queued signal; the
window then stops the recording and shows the message.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, Qt, pyqtSignal

from stra_live.engine.results import DeblurResult
from stra_live.sources.base import Packet

log = logging.getLogger(__name__)


class RecordingSink(QObject):
    """Implements the pipeline's ResultSink around a ``SessionRecorder``.

    Signals:
        failed(str): the recorder hit an error; emitted once, on the GUI thread.

    Args:
        folder: output folder (created if missing).
        resolution: sensor (height, width).
        mp4: also write the side-by-side MP4.
        parent: owning QObject.

    Raises:
        OSError: the folder cannot be created or the files opened.
    """

    failed = pyqtSignal(str)
    _worker_failed = pyqtSignal(str)

    def __init__(self, folder: Path, resolution: tuple[int, int], mp4: bool,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        from stra_live.recording import SessionRecorder

        self._lock = threading.Lock()
        self._recorder: Any = SessionRecorder(Path(folder), resolution, record_mp4=mp4)
        self._open = True
        self.summary: Any = None
        self._worker_failed.connect(self.failed, Qt.ConnectionType.QueuedConnection)

    def write_packet(self, packet: Packet) -> None:
        """Store a raw input packet (worker thread)."""
        self._write(self._recorder.write_packet, packet)

    def write_result(self, result: DeblurResult) -> None:
        """Store one deblurred output (worker thread)."""
        self._write(self._recorder.write_result, result)

    def _write(self, method: Any, item: object) -> None:
        with self._lock:
            if not self._open:
                return  # a write that raced with close(): the recording is already final
            try:
                method(item)
            except Exception as error:  # any failure ends the recording, never the stream
                log.exception("recording failed")
                self._open = False
                self._worker_failed.emit(f"{type(error).__name__}: {error}")

    def close(self) -> Any:
        """Finish the files (GUI thread); returns the recorder's summary."""
        with self._lock:
            self._open = False
            if self.summary is None:
                self.summary = self._recorder.stop()
        return self.summary

    def describe(self) -> str:
        """The files written so far, for the status bar."""
        paths = getattr(self.summary, "paths", None) or getattr(self._recorder, "paths", ())
        return ", ".join(Path(p).name for p in paths) if paths else ""
