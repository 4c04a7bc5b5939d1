"""Live dv inputs (camera, network stream) as a :class:`~stra_live.sources.base.Source`.

dv-processing's live inputs (``dv.io.camera.DAVIS`` and ``dv.io.NetworkReader``)
share one polling interface, :class:`CameraLike`: ``getNextEventBatch()`` and
``getNextFrame()`` never block and return None when nothing is waiting, and
``isRunning()`` turns False when the camera is unplugged or the server goes
away. :class:`LiveDvSource` is written against that interface only, so the
DAVIS camera (:mod:`stra_live.sources.camera`), the network stream
(:mod:`stra_live.sources.network`) and the tests' fake camera share it.
Packets and their watermark are made by
:class:`~stra_live.sources.live_packets.PacketAssembler`.

Disconnection: when the input stops running or a read raises, everything
already received is delivered, the status becomes ``disconnected`` (reported
through ``on_status``) and then either :class:`~stra_live.errors.SourceDisconnectedError`
is raised from ``packets()`` (``reconnect=False``) or the source reopens its
input while yielding empty packets every
``heartbeat_s``, so a consumer thread never hangs and can show the state.
Attempts back off exponentially (``retry_interval_s`` doubling up to
``retry_max_s``), each failure reported with the wait before the next.

Threading: ``packets()`` runs on one consumer thread; :meth:`LiveDvSource.close`
may be called from any other thread and makes ``packets()`` return within one
poll (a few milliseconds), also while it waits to retry.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from stra_live.errors import InputError, SourceDisconnectedError
from stra_live.sources.base import Packet
from stra_live.sources.live_config import LiveInputConfig
from stra_live.sources.live_packets import PacketAssembler

__all__ = ["CameraLike", "LiveDvSource", "LiveInputConfig", "Opener", "SourceStatus",
           "first_line", "input_resolution"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceStatus:
    """State of a live link, for the app's status bar.

    Attributes:
        state: ``connected``, ``disconnected`` (retrying or about to raise) or ``closed``.
        message: one human-readable line ("camera unplugged; reconnecting in 0.5 s").
        attempts: failed reopening attempts since the link was lost.
    """

    state: Literal["connected", "disconnected", "closed"]
    message: str
    attempts: int = 0


class CameraLike(Protocol):
    """The part of dv-processing's live-input API the sources use (camelCase as in dv)."""

    def getNextEventBatch(self) -> Any:  # noqa: N802
        """A ``dv.EventStore`` of new events, or None when none is waiting (never blocks)."""
        ...

    def getNextFrame(self) -> Any:  # noqa: N802
        """A new ``dv.Frame``, or None when none is waiting (never blocks)."""
        ...

    def isRunning(self) -> bool:  # noqa: N802
        """False once the device is unplugged or the stream has ended."""
        ...

    def isFrameStreamAvailable(self) -> bool:  # noqa: N802
        """True when the input delivers APS frames."""
        ...

    def getEventResolution(self) -> tuple[int, int] | None:  # noqa: N802
        """Event sensor (width, height), or None."""
        ...

    def getCameraName(self) -> str:  # noqa: N802
        """Camera model and serial number, e.g. ``DAVIS240C_02460013``."""
        ...


Opener = Callable[[threading.Event], CameraLike]
"""Opens the input; its argument is set when the source is closing (to give up early).
Raises InputError or SourceDisconnectedError when it cannot."""


class _InputLostError(Exception):
    """Internal: the input went away; the message says why."""


class LiveDvSource:
    """A Source over a camera-like dv input, with disconnection reporting and reconnection.

    Args:
        opener: opens the input (called once here, and again to reconnect).
        config: polling and reconnection behaviour.
        name: shown to the user; a string, or made from the opened input.
        frames: deliver APS frames when the input has them.
        on_status: called (from the ``packets()`` thread, or from close()) on
            every state change; keep it cheap and thread-safe.

    Raises:
        InputError / SourceDisconnectedError: from the first ``opener`` call.
    """

    def __init__(self, opener: Opener, config: LiveInputConfig, *,
                 name: str | Callable[[CameraLike], str], frames: bool = True,
                 on_status: Callable[[SourceStatus], None] | None = None) -> None:
        self._opener = opener
        self._config = config
        self._on_status = on_status
        self._stop = threading.Event()
        self._io_lock = threading.Lock()
        self._input: CameraLike | None = opener(self._stop)
        self.name = name if isinstance(name, str) else name(self._input)
        self.resolution = input_resolution(self._input, self.name)
        self.has_frames = bool(frames and self._input.isFrameStreamAvailable())
        self._assembler = PacketAssembler(self.resolution, self.has_frames,
                                          config.max_frame_delay_us, self.name)
        self._status = SourceStatus("connected", f"{self.name}: connected")

    @property
    def status(self) -> SourceStatus:
        """The latest state of the link."""
        return self._status

    @property
    def assembler(self) -> PacketAssembler:
        """Counters of dropped or late data (see :class:`PacketAssembler`)."""
        return self._assembler

    def packets(self) -> Iterator[Packet]:
        """Yield packets as they arrive until close(); see the module docstring for failures.

        Raises:
            SourceDisconnectedError: the input went away and ``reconnect`` is off.
        """
        cfg = self._config
        last_yield = last_data = time.monotonic()
        while not self._stop.is_set():
            try:
                packet = self._poll(last_data)
            except _InputLostError as lost:
                yield from self._recover(str(lost))
                last_yield = last_data = time.monotonic()
                continue
            now = time.monotonic()
            if packet is not None:
                last_yield = last_data = now
                yield packet
            elif now - last_yield >= cfg.heartbeat_s:
                last_yield = now
                yield self._assembler.heartbeat()
            else:
                self._stop.wait(cfg.poll_interval_s)

    def close(self) -> None:
        """Stop ``packets()`` and release the input; from any thread. Safe to call twice."""
        self._stop.set()
        with self._io_lock:
            self._input = None
        if self._status.state != "closed":
            self._set_status(SourceStatus("closed", f"{self.name}: closed"))

    def _poll(self, last_data: float) -> Packet | None:
        """Drain what the input has; None when nothing new. Raises _InputLostError."""
        batches: list[Any] = []
        frames: list[Any] = []
        failure: Exception | None = None
        with self._io_lock:
            camera = self._input
            if camera is None:
                return None
            try:
                _drain(camera, self.has_frames, batches, frames)
                running = bool(camera.isRunning())
                if not running:  # what arrived before the cut is still delivered
                    _drain(camera, self.has_frames, batches, frames)
            except (RuntimeError, OSError) as error:  # what dv raises on USB/socket failures
                failure, running = error, False
        for batch in batches:
            self._assembler.add_dv_events(batch)
        for frame in frames:
            self._assembler.add_dv_frame(frame)
        if failure is not None:
            raise _InputLostError(f"reading failed: {first_line(failure)}") from failure
        if not running:
            raise _InputLostError("the input stopped (unplugged, or the stream ended)")
        stall = self._config.stall_timeout_s
        idle = time.monotonic() - last_data
        if not batches and not frames and stall is not None and idle > stall:
            raise _InputLostError(f"no data for {stall:g} s")
        return self._assembler.take()

    def _recover(self, reason: str) -> Iterator[Packet]:
        """Report the loss, deliver the leftovers, then raise or reconnect."""
        leftovers = self._assembler.take()
        if leftovers is not None:
            yield leftovers
        with self._io_lock:
            self._input = None
        if self._stop.is_set():
            return
        cfg = self._config
        if not cfg.reconnect:
            self._set_status(SourceStatus("disconnected", f"{self.name}: {reason}"))
            raise SourceDisconnectedError(f"{self.name}: {reason}")
        message = f"{self.name}: {reason}; reconnecting in {cfg.retry_delay_s(0):g} s"
        log.warning("%s", message)
        self._set_status(SourceStatus("disconnected", message))
        yield from self._reconnect(reason)

    def _reconnect(self, reason: str) -> Iterator[Packet]:
        cfg = self._config
        attempts = 0
        next_try = time.monotonic() + cfg.retry_delay_s(0)
        while not self._stop.is_set():
            wait = next_try - time.monotonic()
            if wait > 0:
                if self._stop.wait(min(wait, cfg.heartbeat_s)):
                    return
                yield self._assembler.heartbeat()
                continue
            problem = self._try_open()
            if problem is None:
                log.info("%s: reconnected after %d failed attempts", self.name, attempts)
                self._set_status(SourceStatus("connected", f"{self.name}: reconnected",
                                              attempts))
                return
            attempts += 1
            delay = cfg.retry_delay_s(attempts)  # exponential backoff, capped
            next_try = time.monotonic() + delay
            self._set_status(SourceStatus(
                "disconnected", f"{self.name}: {reason}; retry {attempts} failed ({problem}); "
                f"next in {delay:g} s", attempts))

    def _try_open(self) -> str | None:
        """Open the input again; None on success, else why not."""
        try:
            camera = self._opener(self._stop)
            resolution = input_resolution(camera, self.name)
        except (InputError, SourceDisconnectedError, RuntimeError, OSError) as error:
            return first_line(error)
        if resolution != self.resolution:
            return (f"the input now has resolution {resolution[1]}x{resolution[0]}, "
                    f"the stream started at {self.resolution[1]}x{self.resolution[0]}")
        with self._io_lock:
            if self._stop.is_set():
                return None  # closing: drop the new input, packets() returns next
            self._input = camera
        self._assembler.begin_connection()
        return None

    def _set_status(self, status: SourceStatus) -> None:
        self._status = status
        if self._on_status is not None:
            self._on_status(status)


def input_resolution(camera: CameraLike, name: str) -> tuple[int, int]:
    """Sensor (height, width) of a dv input (dv reports (width, height))."""
    size = camera.getEventResolution()
    if size is None:
        raise InputError(name, "the input has no event stream (or does not say its resolution)")
    return int(size[1]), int(size[0])


def _drain(camera: CameraLike, frames: bool, batches_out: list[Any],
           frames_out: list[Any]) -> None:
    """Append what the input has waiting, per stream in arrival order (bounded per call)."""
    for _ in range(256):
        batch = camera.getNextEventBatch()
        if batch is None:
            break
        batches_out.append(batch)
    for _ in range(64 if frames else 0):
        frame = camera.getNextFrame()
        if frame is None:
            break
        frames_out.append(frame)


def first_line(error: BaseException) -> str:
    """The readable part of an exception message (dv appends a stack trace)."""
    text = str(error).split("Stacktrace:")[0].strip()
    return text.splitlines()[0] if text else type(error).__name__
