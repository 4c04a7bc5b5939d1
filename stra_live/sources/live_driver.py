"""The project's own live-input driver protocol: what the live-source state machine needs.

A driver is one opened live input (a camera, a network stream). The state
machine in :mod:`stra_live.sources.live` opens it through a
:data:`DriverOpener`, polls it, and on :class:`LinkLostError` reports the
loss and reopens it with backoff; heartbeats, stall detection and the
watermark are the machine's, not the driver's. So another camera SDK is one
small class with ``poll`` and ``close`` (dv-processing's camera and network
reader are :class:`~stra_live.sources.dv_driver.DvDriver`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from stra_live.sources.live_packets import PacketAssembler


class LinkLostError(Exception):
    """The live input went away (unplugged, server gone, read failed); the message says why."""


class LiveDriver(Protocol):
    """One opened live input.

    Attributes:
        name: the device's own name (model and serial, or the server's camera).
        resolution: sensor (height, width).
        has_frames: whether it delivers APS frames.
    """

    name: str
    resolution: tuple[int, int]
    has_frames: bool

    def poll(self, assembler: PacketAssembler) -> bool:
        """Hand everything waiting to ``assembler``; True when anything arrived. Never blocks.

        Raises:
            LinkLostError: the link is gone (what arrived before the cut is handed over first).
        """
        ...

    def close(self) -> None:
        """Release the device or socket. Safe to call twice."""
        ...


DriverOpener = Callable[[threading.Event], LiveDriver]
"""Opens a driver; its argument is set when the source is closing (to give up early).
Raises InputError or SourceDisconnectedError when it cannot."""
