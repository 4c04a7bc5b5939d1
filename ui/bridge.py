"""Worker -> GUI hand-off: pipeline callbacks become queued Qt signals.

The pipeline calls its callbacks on worker threads. :class:`PipelineBridge`
re-emits them as signals that are always delivered on the GUI thread (queued
connections), and can be detached so that a stopped pipeline's late results
never reach the window after a source switch.

Results do not travel as one queued signal each (a busy GUI thread would let
those pile up in Qt's event queue, each holding images and attention maps):
the worker puts each result into a bounded latest-value :class:`LatestSlot`
and posts one argument-less wake-up only when the slot was empty, so at most
one result and one event are in flight whatever the GUI does; a result
replaced before the GUI took it is counted in ``slot.not_shown``. The window
keeps a second slot for its redraw timer.
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
    _worker_result = pyqtSignal()
    _worker_notice = pyqtSignal(str)
    _worker_error = pyqtSignal(str)
    _worker_finished = pyqtSignal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._attached = True
        self._worker_done = threading.Event()
        self.slot = LatestSlot()
        queued = Qt.ConnectionType.QueuedConnection
        self._worker_result.connect(self._relay_result, queued)
        self._worker_notice.connect(self._relay_notice, queued)
        self._worker_error.connect(self._relay_error, queued)
        self._worker_finished.connect(self._relay_finished, queued)

    def callbacks(self) -> PipelineCallbacks:
        """Callbacks to hand to the pipeline (safe to call from any thread)."""
        return PipelineCallbacks(
            on_result=self._on_worker_result,
            on_notice=self._worker_notice.emit,
            on_error=self._worker_error.emit,
            on_finished=self._on_worker_finished,
        )

    def _on_worker_result(self, result: DeblurResult) -> None:
        if self.slot.put(result):  # the slot was empty: wake the GUI thread (once)
            self._worker_result.emit()

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

    @pyqtSlot()
    def _relay_result(self) -> None:
        result = self.slot.take()
        if result is not None and self._attached:
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
    ever queued. Thread-safe: the bridge puts from the inference thread and
    takes on the GUI thread; the window's redraw slot lives on the GUI thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: DeblurResult | None = None
        self.received = 0
        self.not_shown = 0

    def put(self, result: DeblurResult) -> bool:
        """Offer a new result, replacing (and counting) one not yet taken.

        Returns:
            True when the slot was empty (the consumer needs waking), False
            when a pending result was replaced.
        """
        with self._lock:
            replaced = self._pending is not None
            if replaced:
                self.not_shown += 1
            self._pending = result
            self.received += 1
            return not replaced

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
