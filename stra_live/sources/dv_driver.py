"""dv-processing's live inputs (DAVIS camera, ``dv.io.NetworkReader``) as a :class:`LiveDriver`.

Both share one polling interface, :class:`CameraLike`: ``getNextEventBatch()``
and ``getNextFrame()`` never block and return None when nothing is waiting,
and ``isRunning()`` turns False when the camera is unplugged or the server
goes away. :class:`DvDriver` turns that into the project's driver protocol
(:mod:`stra_live.sources.live_driver`), handing the dv objects to the packet
assembler, which keeps them in ``Packet.raw`` for recording.
"""

from __future__ import annotations

from typing import Any, Protocol

from stra_live.errors import InputError
from stra_live.sources.live_driver import LinkLostError
from stra_live.sources.live_packets import PacketAssembler

MAX_BATCHES_PER_POLL = 256
"""Event batches taken in one poll (bounds one poll's work)."""

MAX_FRAMES_PER_POLL = 64
"""Frames taken in one poll."""


class CameraLike(Protocol):
    """The part of dv-processing's live-input API the driver uses (camelCase as in dv)."""

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


class DvDriver:
    """A :class:`~stra_live.sources.live_driver.LiveDriver` over a dv camera-like input.

    Args:
        device: the opened dv input (``dv.io.camera`` device, network streams, a test fake).
        frames: deliver APS frames when the input has them.
        where: names the input in errors.

    Raises:
        InputError: the input has no event stream.
    """

    def __init__(self, device: CameraLike, frames: bool = True, where: str = "input") -> None:
        self.device: CameraLike | None = device
        self.name = str(device.getCameraName())
        self.resolution = input_resolution(device, where)
        self.has_frames = bool(frames and device.isFrameStreamAvailable())

    def poll(self, assembler: PacketAssembler) -> bool:
        """Hand what the input has to ``assembler`` (see :class:`LiveDriver`)."""
        device = self.device
        if device is None:
            return False
        batches: list[Any] = []
        frames: list[Any] = []
        try:
            _drain(device, self.has_frames, batches, frames)
            running = bool(device.isRunning())
            if not running:  # what arrived before the cut is still delivered
                _drain(device, self.has_frames, batches, frames)
            failure = None
        except (RuntimeError, OSError) as error:  # what dv raises on USB/socket failures
            failure, running = error, False
        for batch in batches:
            assembler.add_dv_events(batch)
        for frame in frames:
            assembler.add_dv_frame(frame)
        if failure is not None:
            raise LinkLostError(f"reading failed: {first_line(failure)}") from failure
        if not running:
            raise LinkLostError("the input stopped (unplugged, or the stream ended)")
        return bool(batches or frames)

    def close(self) -> None:
        """Drop the device (dv closes it when the last reference goes)."""
        self.device = None


def input_resolution(camera: CameraLike, name: str) -> tuple[int, int]:
    """Sensor (height, width) of a dv input (dv reports (width, height))."""
    size = camera.getEventResolution()
    if size is None:
        raise InputError(name, "the input has no event stream (or does not say its resolution)")
    return int(size[1]), int(size[0])


def _drain(camera: CameraLike, frames: bool, batches_out: list[Any],
           frames_out: list[Any]) -> None:
    """Append what the input has waiting, per stream in arrival order (bounded per call)."""
    for _ in range(MAX_BATCHES_PER_POLL):
        batch = camera.getNextEventBatch()
        if batch is None:
            break
        batches_out.append(batch)
    for _ in range(MAX_FRAMES_PER_POLL if frames else 0):
        frame = camera.getNextFrame()
        if frame is None:
            break
        frames_out.append(frame)


def first_line(error: BaseException) -> str:
    """The readable part of an exception message (dv appends a stack trace)."""
    text = str(error).split("Stacktrace:")[0].strip()
    return text.splitlines()[0] if text else type(error).__name__
