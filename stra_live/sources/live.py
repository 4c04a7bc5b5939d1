"""The live-source state machine shared by every live input (camera, network stream).

A live input is a :class:`~stra_live.sources.live_driver.LiveDriver` (the
project's protocol: ``poll`` into a packet assembler, ``close``, and
``LinkLostError`` when the link goes), opened by a
:data:`~stra_live.sources.live_driver.DriverOpener`. :class:`LiveSource` is
the one state machine over it, so a camera, a network stream or another
SDK's camera only differ in their driver:

* **connected**: poll every ``poll_interval_s``; yield a packet when data
  arrived (made by :class:`~stra_live.sources.live_packets.PacketAssembler`),
  an empty heartbeat packet every ``heartbeat_s`` otherwise (consumers never
  hang and can check their stop flags); no data for ``stall_timeout_s`` is a
  lost link too (a half-open TCP connection);
* **link lost**: everything already received is delivered, the status
  becomes ``disconnected`` (through ``on_status``), then either
  :class:`~stra_live.errors.SourceDisconnectedError` is raised from
  ``packets()`` (``reconnect=False``) or the machine goes to
* **reconnecting**: reopen through the opener with exponential backoff
  (``retry_interval_s`` doubling up to ``retry_max_s``), heartbeats meanwhile,
  each failure reported with the wait before the next; back to *connected*
  (time kept increasing if the input's clock restarted);
* **closed**: :meth:`LiveSource.close` from any thread; ``packets()`` returns
  within one poll (a few milliseconds), also while waiting to retry.

dv-processing's inputs (``dv.io.camera.DAVIS``, ``dv.io.NetworkReader``) are
:class:`~stra_live.sources.dv_driver.DvDriver`; :class:`LiveDvSource` is the
machine over a dv camera-like opener.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from stra_live.errors import InputError, SourceDisconnectedError
from stra_live.sources.base import Packet
from stra_live.sources.dv_driver import CameraLike, DvDriver, first_line, input_resolution
from stra_live.sources.live_config import LiveInputConfig
from stra_live.sources.live_driver import DriverOpener, LinkLostError, LiveDriver
from stra_live.sources.live_packets import PacketAssembler

__all__ = ["CameraLike", "LiveDvSource", "LiveInputConfig", "LiveSource", "Opener",
           "SourceStatus", "first_line", "input_resolution"]

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


Opener = Callable[[threading.Event], CameraLike]
"""Opens a dv camera-like input; its argument is set when the source is closing (to give
up early). Raises InputError or SourceDisconnectedError when it cannot."""


class LiveSource:
    """A Source over any live driver: the state machine of the module docstring.

    Args:
        opener: opens the driver (called once here, and again to reconnect).
        config: polling and reconnection behaviour.
        name: shown to the user; a string, or made from the opened driver.
        on_status: called (from the ``packets()`` thread, or from close()) on
            every state change; keep it cheap and thread-safe.

    Raises:
        InputError / SourceDisconnectedError: from the first ``opener`` call.
    """

    def __init__(self, opener: DriverOpener, config: LiveInputConfig, *,
                 name: str | Callable[[LiveDriver], str],
                 on_status: Callable[[SourceStatus], None] | None = None) -> None:
        self._opener = opener
        self._config = config
        self._on_status = on_status
        self._stop = threading.Event()
        self._io_lock = threading.Lock()
        self._driver: LiveDriver | None = opener(self._stop)
        self.name = name if isinstance(name, str) else name(self._driver)
        self.resolution = self._driver.resolution
        self.has_frames = self._driver.has_frames
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
            except LinkLostError as lost:
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
            driver, self._driver = self._driver, None
        if driver is not None:
            driver.close()
        if self._status.state != "closed":
            self._set_status(SourceStatus("closed", f"{self.name}: closed"))

    def _poll(self, last_data: float) -> Packet | None:
        """What the driver has, as a packet; None when nothing new. Raises LinkLostError."""
        with self._io_lock:
            driver = self._driver
            if driver is None:
                return None
            arrived = driver.poll(self._assembler)
        stall = self._config.stall_timeout_s
        if not arrived and stall is not None and time.monotonic() - last_data > stall:
            raise LinkLostError(f"no data for {stall:g} s")
        return self._assembler.take()

    def _recover(self, reason: str) -> Iterator[Packet]:
        """Report the loss, deliver the leftovers, then raise or reconnect."""
        leftovers = self._assembler.take()
        if leftovers is not None:
            yield leftovers
        with self._io_lock:
            driver, self._driver = self._driver, None
        if driver is not None:
            driver.close()
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
        """Open the driver again; None on success, else why not."""
        try:
            driver = self._opener(self._stop)
        except (InputError, SourceDisconnectedError, RuntimeError, OSError) as error:
            return first_line(error)
        if driver.resolution != self.resolution:
            driver.close()
            return (f"the input now has resolution {driver.resolution[1]}x"
                    f"{driver.resolution[0]}, the stream started at "
                    f"{self.resolution[1]}x{self.resolution[0]}")
        with self._io_lock:
            if self._stop.is_set():
                driver.close()
                return None  # closing: drop the new input, packets() returns next
            self._driver = driver
        self._assembler.begin_connection()
        return None

    def _set_status(self, status: SourceStatus) -> None:
        self._status = status
        if self._on_status is not None:
            self._on_status(status)


class LiveDvSource(LiveSource):
    """The state machine over a dv camera-like input (camera, network streams, test fakes).

    Args:
        opener: opens the dv input (called once here, and again to reconnect).
        config: polling and reconnection behaviour.
        name: shown to the user; a string, or made from the opened input.
        frames: deliver APS frames when the input has them.
        on_status: see :class:`LiveSource`.
    """

    def __init__(self, opener: Opener, config: LiveInputConfig, *,
                 name: str | Callable[[CameraLike], str], frames: bool = True,
                 on_status: Callable[[SourceStatus], None] | None = None) -> None:
        where = name if isinstance(name, str) else "input"

        def open_driver(cancel: threading.Event) -> LiveDriver:
            return DvDriver(opener(cancel), frames, where)

        def driver_name(driver: LiveDriver) -> str:
            if isinstance(name, str):
                return name
            return name(driver.device)  # type: ignore[attr-defined]

        super().__init__(open_driver, config, name=driver_name, on_status=on_status)

    @property
    def _input(self) -> CameraLike | None:
        """The dv input being read (None while disconnected); use under ``_io_lock``."""
        driver = self._driver
        return getattr(driver, "device", None) if driver is not None else None
