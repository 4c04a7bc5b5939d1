"""Worker -> GUI hand-off: pipeline callbacks become queued Qt signals.

The pipeline calls its callbacks on worker threads. :class:`PipelineBridge`
re-emits them as signals that are always delivered on the GUI thread (queued
connections), and can be detached so that a stopped pipeline's late results
never reach the window after a source switch. :class:`LatestSlot` keeps only
the newest result for the redraw timer and counts the ones replaced before
they were drawn.
"""

from __future__ import annotations

import threading

from PyQt6.QtCore import QObject, Qt, pyqtSignal, pyqtSlot

from stra_live.engine.pipeline import PipelineCallbacks
from stra_live.engine.results import DeblurResult


class PipelineBridge(QObject):
    """Turns one pipeline's callbacks into GUI-thread signals.

    Signals:
        result(DeblurResult): every result, on the GUI thread.
        notice(str): a state change worth showing.
        error(str): a fatal problem; the pipeline has stopped.
        finished(): the stream ended or the pipeline was stopped.
    """

    result = pyqtSignal(object)
    notice = pyqtSignal(str)
    error = pyqtSignal(str)
    finished = pyqtSignal()

    # Emitted on worker threads; queued so the relays below run on the GUI thread.
    _worker_result = pyqtSignal(object)
    _worker_notice = pyqtSignal(str)
    _worker_error = pyqtSignal(str)
    _worker_finished = pyqtSignal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._attached = True
        self._worker_done = threading.Event()
        queued = Qt.ConnectionType.QueuedConnection
        self._worker_result.connect(self._relay_result, queued)
        self._worker_notice.connect(self._relay_notice, queued)
        self._worker_error.connect(self._relay_error, queued)
        self._worker_finished.connect(self._relay_finished, queued)

    def callbacks(self) -> PipelineCallbacks:
        """Callbacks to hand to the pipeline (safe to call from any thread)."""
        return PipelineCallbacks(
            on_result=self._worker_result.emit,
            on_notice=self._worker_notice.emit,
            on_error=self._worker_error.emit,
            on_finished=self._on_worker_finished,
        )

    def _on_worker_finished(self) -> None:
        self._worker_done.set()
        self._worker_finished.emit()

    @property
    def worker_done(self) -> bool:
        """True once the pipeline's inference worker has ended (set on that thread)."""
        return self._worker_done.is_set()

    def detach(self) -> None:
        """Drop everything still in flight or emitted later (call on the GUI thread)."""
        self._attached = False

    @property
    def attached(self) -> bool:
        """False once :meth:`detach` was called."""
        return self._attached

    @pyqtSlot(object)
    def _relay_result(self, result: DeblurResult) -> None:
        if self._attached:
            self.result.emit(result)

    @pyqtSlot(str)
    def _relay_notice(self, message: str) -> None:
        if self._attached:
            self.notice.emit(message)

    @pyqtSlot(str)
    def _relay_error(self, message: str) -> None:
        if self._attached:
            self.error.emit(message)

    @pyqtSlot()
    def _relay_finished(self) -> None:
        if self._attached:
            self.finished.emit()


class LatestSlot:
    """Holds the newest result until the redraw timer takes it.

    A result replaced before it was taken counts as ``not_shown``; nothing is
    ever queued. Thread-safe, though the app only uses it on the GUI thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: DeblurResult | None = None
        self.received = 0
        self.not_shown = 0

    def put(self, result: DeblurResult) -> None:
        """Offer a new result, replacing (and counting) one not yet drawn."""
        with self._lock:
            if self._pending is not None:
                self.not_shown += 1
            self._pending = result
            self.received += 1

    def take(self) -> DeblurResult | None:
        """The newest result not yet taken, or None when nothing new arrived."""
        with self._lock:
            result, self._pending = self._pending, None
            return result

    def reset(self) -> None:
        """Forget the pending result and the counts (a new stream starts)."""
        with self._lock:
            self._pending = None
            self.received = 0
            self.not_shown = 0
