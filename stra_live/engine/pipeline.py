"""Three worker threads around a streaming engine: capture, encoding and decoding.

The capture thread pulls packets from the :class:`~stra_live.sources.base.Source`
into a bounded queue (back-pressure, never unbounded growth). The encoder
thread feeds them to the engine and encodes each complete frame ahead of time
(:meth:`StreamingEngine.prepare`); the decoder thread asks the engine for
outputs, which then mostly only decode. Network calls release the GIL, so on
two cores the encoders of frame T+1 run while frame T decodes: about 1.6x one
thread's rate, and unlike two torch threads per operator it does not collapse
when another process takes a core. Two modes:

* ``live`` (cameras, network, the window): the encoder drains the queue and
  prepares only what the newest output needs; the decoder asks for the newest
  ready frame, so when inference is slower than the camera, older frames are
  dropped and counted by the engine, not queued;
* ``lossless`` (headless over a file): the encoder pushes one packet at a time
  and prepares every frame, staying at most a few frames ahead of the
  decoder, which deblurs every frame in order; the full queue then holds the
  reader back, so nothing is dropped and memory stays bounded however fast
  the file is read.

Results, notices and errors leave through callbacks: the Qt app turns them
into signals, the headless runner writes them to disk. Nothing here imports Qt.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from stra_live.engine.results import DeblurResult, EngineStats
from stra_live.errors import InputError, SourceDisconnectedError
from stra_live.sources.base import Packet, Source

log = logging.getLogger(__name__)

_END = object()
"""Queue sentinel: the source is exhausted."""

LOSSLESS_AHEAD = 4
"""Complete frames the lossless encoder may hold ahead of the decoder."""

PipelineMode = Literal["live", "lossless"]
"""``live``: newest frame first, older ones dropped; ``lossless``: every frame, in order."""


class FrameProcessor(Protocol):
    """What the pipeline needs of an engine (see :class:`StreamingEngine`)."""

    def push(self, packet: Packet) -> None:
        """Buffer a packet's events and frames."""
        ...

    def prepare(self, policy: Literal["latest", "next"]) -> int:
        """Encode complete frames ahead of ``process`` (from the encoder thread)."""
        ...

    def backlog(self) -> int:
        """Complete frames not output yet."""
        ...

    def process(self, policy: Literal["latest", "next"], attention: bool) -> DeblurResult | None:
        """Deblur one ready frame (the newest, or the oldest for single steps), if any."""
        ...

    def finish(self) -> None:
        """The stream ended: make the frames still waiting for lookahead ready."""
        ...

    def stats(self) -> EngineStats:
        """Current figures."""
        ...


class ResultSink(Protocol):
    """Something that wants every input packet and every result (e.g. a recorder)."""

    def write_packet(self, packet: Packet) -> None:
        """Store a raw input packet."""
        ...

    def write_result(self, result: DeblurResult) -> None:
        """Store one deblurred output."""
        ...


@dataclass
class PipelineCallbacks:
    """Where the pipeline reports. Called from worker threads: keep them cheap and thread-safe.

    Attributes:
        on_result: every result (the app keeps only the latest for drawing).
        on_notice: a human-readable state change ("camera disconnected, retrying").
        on_error: a fatal problem; the pipeline stops after calling it.
        on_finished: the source ended (or the pipeline was stopped).
    """

    on_result: Callable[[DeblurResult], None]
    on_notice: Callable[[str], None] = lambda message: None
    on_error: Callable[[str], None] = lambda message: None
    on_finished: Callable[[], None] = lambda: None


class Pipeline:
    """Runs a source and an engine on two worker threads until stopped or exhausted.

    Args:
        source: where packets come from.
        engine: the streaming engine (anything with the FrameProcessor methods).
        callbacks: where results, notices and errors go.
        queue_packets: capacity of the capture -> inference queue.
        mode: ``"live"`` (newest frame first, drops counted) or ``"lossless"``
            (every frame, in order; see the module docstring).
    """

    def __init__(self, source: Source, engine: FrameProcessor, callbacks: PipelineCallbacks,
                 queue_packets: int = 256, mode: PipelineMode = "live") -> None:
        if mode not in ("live", "lossless"):
            raise ValueError(f"mode must be 'live' or 'lossless', got {mode!r}")
        self.mode = mode
        self.source = source
        self.engine = engine
        self.callbacks = callbacks
        self.attention = False
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_packets)
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._steps = 0
        self._sinks: list[ResultSink] = []
        self._lock = threading.Lock()
        self._encoder_done = threading.Event()
        self._work = threading.Event()  # the encoder made something new; the decoder may look
        self._threads = [
            threading.Thread(target=self._capture, name="stra-capture", daemon=True),
            threading.Thread(target=self._encode, name="stra-encoder", daemon=True),
            threading.Thread(target=self._infer, name="stra-inference", daemon=True),
        ]

    # --- control (any thread) -------------------------------------------------
    def start(self) -> None:
        """Start the workers."""
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the workers to stop, close the source, and wait for them."""
        self._stop.set()
        self._running.set()
        self.source.close()
        for thread in self._threads:
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(timeout)

    @property
    def paused(self) -> bool:
        """True while inference is paused."""
        return not self._running.is_set()

    def pause(self) -> None:
        """Stop producing results (capture stops too once the queue is full)."""
        self._running.clear()

    def resume(self) -> None:
        """Produce results again."""
        self._running.set()

    def step(self) -> None:
        """While paused, deblur exactly one more frame (the next one in order)."""
        with self._lock:
            self._steps += 1

    def add_sink(self, sink: ResultSink) -> None:
        """Send every further packet and result to ``sink`` too (e.g. start recording)."""
        with self._lock:
            self._sinks.append(sink)

    def remove_sink(self, sink: ResultSink) -> None:
        """Stop sending to ``sink``."""
        with self._lock:
            if sink in self._sinks:
                self._sinks.remove(sink)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the workers to end (after the source is exhausted or stop())."""
        for thread in self._threads:
            thread.join(timeout)

    # --- workers ----------------------------------------------------------------
    def _capture(self) -> None:
        try:
            for packet in self.source.packets():
                if not self._put(packet):
                    return
        except SourceDisconnectedError as error:
            self.callbacks.on_notice(f"{self.source.name}: disconnected ({error})")
        except InputError as error:
            self.callbacks.on_error(str(error))
        except Exception as error:  # a worker must never die silently
            log.exception("capture failed")
            self.callbacks.on_error(f"{self.source.name}: {type(error).__name__}: {error}")
        self._put(_END)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _reporting(self, what: str, loop: Callable[[], None]) -> None:
        """Run a worker's loop; any failure reaches ``on_error`` (a worker never dies silently)."""
        try:
            loop()
        except InputError as error:
            self.callbacks.on_error(str(error))
        except Exception as error:
            log.exception("%s failed", what)
            self.callbacks.on_error(f"inference: {type(error).__name__}: {error}")

    def _encode(self) -> None:
        try:
            self._reporting("encoding", self._encode_loop)
        finally:
            self._encoder_done.set()
            self._work.set()

    def _encode_loop(self) -> None:
        """Packets into the engine, complete frames encoded, until the source ends."""
        lossless = self.mode == "lossless"
        busy = False
        while not self._stop.is_set():
            if not self._may_push(lossless):
                self._stop.wait(0.005)
                continue
            ended = self._drain(block=not busy, limit=1 if lossless else None)
            self._work.set()
            # Live mode prepares one frame per call: push what arrived meanwhile first.
            busy = self.engine.prepare("next" if lossless else "latest") > 0
            if busy:
                self._work.set()
            if ended:
                return

    def _may_push(self, lossless: bool) -> bool:
        """Paused: only to make the next single step possible; lossless: only a few ahead."""
        with self._lock:
            wanted = self._running.is_set() or self._steps > 0
        return wanted and not (lossless and self.engine.backlog() >= LOSSLESS_AHEAD)

    def _infer(self) -> None:
        try:
            self._reporting("inference", self._decode_loop)
        finally:
            self._stop.set()  # the encoder and capture end with the decoder
            self.source.close()
            self.callbacks.on_finished()

    def _decode_loop(self) -> None:
        """Outputs (the newest, or in order when lossless or stepping) until the stream ends."""
        policy = "next" if self.mode == "lossless" else "latest"
        while not self._stop.is_set():
            if not self._running.is_set() and not self._take_step():
                self._running.wait(0.05)
                continue
            single = not self._running.is_set()
            ended = self._encoder_done.is_set()  # read before process: nothing can follow it
            self._work.clear()
            result = self.engine.process("next" if single else policy, self.attention)
            if result is None:
                if single:
                    self.step()  # nothing was ready: keep the step for the next frame
                if ended:
                    return
                self._work.wait(0.02)
                continue
            self._emit(result)

    def _emit(self, result: DeblurResult) -> None:
        self.callbacks.on_result(result)
        with self._lock:
            sinks = list(self._sinks)
        for sink in sinks:
            sink.write_result(result)

    def _take_step(self) -> bool:
        with self._lock:
            if self._steps == 0:
                return False
            self._steps -= 1
            return True

    def _drain(self, block: bool, limit: int | None = None) -> bool:
        """Push queued packets (all, or at most ``limit``) into the engine; True at the end."""
        try:
            item = self._queue.get(timeout=0.02) if block else self._queue.get_nowait()
        except queue.Empty:
            return False
        pushed = 0
        while True:
            if item is _END:
                self.engine.finish()
                return True
            with self._lock:
                sinks = list(self._sinks)
            for sink in sinks:
                sink.write_packet(item)  # type: ignore[arg-type]
            self.engine.push(item)  # type: ignore[arg-type]
            pushed += 1
            if limit is not None and pushed >= limit:
                return False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return False
