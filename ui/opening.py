"""Opening a stream off the GUI thread: the source and the engine are built in a worker.

Opening a source can take seconds (reading a whole AEDAT4 file in a watched
subprocess, probing a network server, discovering a camera) and so can loading
a checkpoint. :class:`StreamOpener` runs that work on a plain worker thread and
hands the outcome back to the GUI thread through a queued signal. Only the
newest request counts: an outcome that arrives after a newer request (or after
:meth:`StreamOpener.cancel`) is stale, so what it built is closed and dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from PyQt6.QtCore import QObject, Qt, pyqtSignal, pyqtSlot

from stra_live.engine.config import EngineConfig
from stra_live.sources.base import Source
from ui.bridge import PipelineBridge

log = logging.getLogger(__name__)

NoticeCallback = Callable[[str], None]
"""Receives one-line link-state messages; may be called from any thread."""

SourceOpener = Callable[[str, NoticeCallback], Source]
"""(spec, on_notice) -> opened source (``stra_live.sources.factory.open_source``)."""

EngineBuilder = Callable[[EngineConfig, tuple[int, int], bool, str], Any]
"""(config, resolution, has_frames, source name) -> engine (``build_engine``)."""

OpenKind = Literal["source", "checkpoint"]
""""source": switch to a new source; "checkpoint": new weights, the same source reopened."""

EXPECTED_ERRORS = (ValueError, OSError)
"""Bad input (InputError, CheckpointError are ValueErrors) or a device/socket that fails."""


@dataclass(frozen=True)
class Geometry:
    """What an engine needs to know about its source.

    Attributes:
        resolution: sensor (height, width).
        has_frames: False for events-only streams.
        name: the source's human-readable name.
    """

    resolution: tuple[int, int]
    has_frames: bool
    name: str


@dataclass(frozen=True)
class OpenRequest:
    """One request to (re)open the stream.

    Attributes:
        ticket: increasing number; only the newest ticket is ever applied.
        kind: what the request changes (see :data:`OpenKind`).
        spec: the source spec to open.
        config: the engine configuration to build with.
        geometry: the running source's geometry, for a checkpoint change: the
            weights are then checked before the (possibly slow) reopen.
    """

    ticket: int
    kind: OpenKind
    spec: str
    config: EngineConfig
    geometry: Geometry | None = None

    @property
    def label(self) -> str:
        """What is being opened, for the status bar: the spec or the checkpoint path."""
        return str(self.config.checkpoint) if self.kind == "checkpoint" else self.spec


@dataclass(frozen=True)
class OpenOutcome:
    """What a worker built for a request: a source and an engine, or an error.

    Attributes:
        request: the request this answers.
        bridge: the pipeline bridge the source reports its link state through.
        source: the opened source (None on error).
        engine: the built engine (None on error).
        error: a one-line message, or None on success.
    """

    request: OpenRequest
    bridge: PipelineBridge
    source: Source | None = None
    engine: Any = None
    error: str | None = None

    def discard(self) -> None:
        """Release what was built: close the source, stop relaying the bridge's signals."""
        self.bridge.detach()
        if self.source is not None:
            try:
                self.source.close()
            except Exception:  # a source that fails to close is only logged
                log.warning("closing the discarded source %s failed", self.request.spec,
                            exc_info=True)


def one_line(error: BaseException) -> str:
    """The error's message on one line; unexpected types are named."""
    text = " ".join(str(error).split())
    return text if isinstance(error, EXPECTED_ERRORS) else f"{type(error).__name__}: {text}"


def build_stream(request: OpenRequest, opener: SourceOpener, builder: EngineBuilder,
                 on_notice: NoticeCallback) -> tuple[Source, Any]:
    """Open the source and build the engine for ``request`` (slow: not on the GUI thread).

    Raises:
        ValueError: a spec of no known form.
        InputError: unreadable file, no camera, wrong checkpoint (CheckpointError).
        OSError: a device or socket that cannot be opened.
    """
    shape = request.geometry
    engine = None
    if shape is not None:  # a wrong checkpoint fails before the source is reopened
        engine = builder(request.config, shape.resolution, shape.has_frames, shape.name)
    source = opener(request.spec, on_notice)
    try:
        if shape is None or (shape.resolution, shape.has_frames) != (source.resolution,
                                                                     source.has_frames):
            engine = builder(request.config, source.resolution, source.has_frames, source.name)
    except BaseException:
        source.close()
        raise
    return source, engine


class StreamOpener(QObject):
    """Runs open requests on worker threads; the newest one wins.

    Signals:
        done(OpenOutcome): the newest request's outcome, on the GUI thread.

    Args:
        opener: opens a source from a spec.
        builder: builds an engine.
    """

    done = pyqtSignal(object)
    _worker_done = pyqtSignal(object)  # emitted on a worker thread, queued to the GUI thread

    def __init__(self, opener: SourceOpener, builder: EngineBuilder,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._opener = opener
        self._builder = builder
        self._lock = threading.Lock()
        self._ticket = 0
        self._pending: OpenRequest | None = None
        self._threads: list[threading.Thread] = []
        self._undelivered: dict[int, OpenOutcome] = {}
        self._worker_done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def pending(self) -> OpenRequest | None:
        """The newest request while its worker has not answered yet."""
        return self._pending

    @property
    def in_flight(self) -> int:
        """Worker threads still running (stale ones included)."""
        self._threads = [thread for thread in self._threads if thread.is_alive()]
        return len(self._threads)

    def request(self, kind: OpenKind, spec: str, config: EngineConfig,
                geometry: Geometry | None = None) -> OpenRequest:
        """A new request with the next ticket; any earlier pending one becomes stale."""
        with self._lock:
            self._ticket += 1
            request = OpenRequest(self._ticket, kind, spec, config, geometry)
        self._pending = None
        return request

    def start(self, request: OpenRequest, bridge: PipelineBridge) -> None:
        """Build ``request`` on a worker thread; :attr:`done` reports it unless it goes stale."""
        on_notice = bridge.callbacks().on_notice
        thread = threading.Thread(target=self._work, args=(request, bridge, on_notice),
                                  name=f"open-{request.ticket}", daemon=True)
        self._pending = request
        self._threads = [*(t for t in self._threads if t.is_alive()), thread]
        thread.start()

    def run_now(self, request: OpenRequest, bridge: PipelineBridge) -> tuple[Source, Any]:
        """Build ``request`` on this thread (start-up, scripts); errors propagate."""
        return build_stream(request, self._opener, self._builder, bridge.callbacks().on_notice)

    def cancel(self) -> None:
        """Make every request so far stale: nothing more is reported."""
        with self._lock:
            self._ticket += 1
        self._pending = None

    def _work(self, request: OpenRequest, bridge: PipelineBridge,
              on_notice: NoticeCallback) -> None:
        try:
            source, engine = build_stream(request, self._opener, self._builder, on_notice)
            outcome = OpenOutcome(request, bridge, source, engine)
        except Exception as error:  # every failure goes back as a message
            if not isinstance(error, EXPECTED_ERRORS):
                log.exception("opening %s failed", request.label)
            outcome = OpenOutcome(request, bridge, error=one_line(error))
        with self._lock:
            self._undelivered[request.ticket] = outcome
        self._worker_done.emit(outcome)

    def _is_current(self, request: OpenRequest) -> bool:
        with self._lock:
            return request.ticket == self._ticket

    @pyqtSlot(object)
    def _deliver(self, outcome: OpenOutcome) -> None:
        with self._lock:
            if self._undelivered.pop(outcome.request.ticket, None) is None:
                return  # already discarded by join()
        if not self._is_current(outcome.request):
            log.info("dropping the outcome of a superseded open of %s", outcome.request.label)
            outcome.discard()
            return
        self._pending = None
        self.done.emit(outcome)

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for the workers; close stale outcomes never delivered.

        Returns True when every worker has ended.
        """
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            stale = [ticket for ticket in self._undelivered if ticket != self._ticket]
            outcomes = [self._undelivered.pop(ticket) for ticket in stale]
        for outcome in outcomes:
            outcome.discard()
        return self.in_flight == 0
