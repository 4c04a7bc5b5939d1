"""A DV network stream (``dv.io.NetworkReader``) as a :class:`~stra_live.sources.base.Source`.

A DV TCP server (DV's "Network TCP server" output, or ``dv.io.NetworkWriter``)
serves exactly one stream per port: events, or frames, or IMU... So a stream
with frames comes through two ports, ``NetworkSource(host, port, frames_port)``;
the kind of each port is read from its stream header, in any order. Events
are required (STRA needs them); frames are optional.

dv's ``NetworkReader`` reads the stream header inside its constructor while
holding Python's GIL, so a server that accepts the connection but never
sends would freeze the whole process. Each port is therefore probed first
with a plain socket: connect, then wait (with ``timeout_s``) for the first
bytes of a DV header (a size-prefixed flatbuffer with identifier ``IOHE``).
Host names are resolved here because dv only takes numeric addresses.

Once streaming, :class:`~stra_live.sources.live.LiveDvSource` polls the
readers; a server that goes away makes ``isRunning()`` False within about
0.2 s (measured on localhost), which ends in SourceDisconnectedError, or in
reconnection attempts with ``live.reconnect``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import dv_processing as dv

from stra_live.errors import InputError
from stra_live.sources.live import (
    CameraLike,
    LiveDvSource,
    LiveInputConfig,
    SourceStatus,
    first_line,
)
from stra_live.sources.tcp_spec import parse_tcp_spec

HEADER_ID = b"IOHE"
"""Flatbuffer identifier of dv's IOHeader, bytes 8-11 of what a DV server sends first."""

__all__ = ["NETWORK_LIVE", "NetworkSource", "NetworkStreams", "open_dv_stream", "parse_tcp_spec",
           "probe_dv_server", "resolve"]

NETWORK_LIVE = LiveInputConfig(reconnect=False)
"""Default behaviour: a server that goes away ends the stream with SourceDisconnectedError."""


class NetworkStreams:
    """One DV stream of events and, optionally, one of frames, seen as a single camera-like input.

    Args:
        events: reader of the event stream.
        frames: reader of the frame stream, or None.
    """

    def __init__(self, events: Any, frames: Any | None = None) -> None:
        self._events = events
        self._frames = frames

    def getNextEventBatch(self) -> Any:  # noqa: N802
        """Next ``dv.EventStore`` or None (never blocks)."""
        return self._events.getNextEventBatch()

    def getNextFrame(self) -> Any:  # noqa: N802
        """Next ``dv.Frame`` or None (never blocks)."""
        return None if self._frames is None else self._frames.getNextFrame()

    def isRunning(self) -> bool:  # noqa: N802
        """False once any of the connections is closed."""
        readers = [self._events] + ([self._frames] if self._frames is not None else [])
        return all(reader.isRunning() for reader in readers)

    def isFrameStreamAvailable(self) -> bool:  # noqa: N802
        """True when a frames port was connected."""
        return self._frames is not None

    def getEventResolution(self) -> tuple[int, int] | None:  # noqa: N802
        """(width, height) of the event stream."""
        return self._events.getEventResolution()

    def getCameraName(self) -> str:  # noqa: N802
        """The camera named in the event stream's header."""
        return str(self._events.getCameraName())


class NetworkSource(LiveDvSource):
    """Events (and frames) from a DV TCP server.

    Args:
        host: server name or address.
        port: a port serving events or frames.
        frames_port: the other port (frames or events), if any.
        timeout_s: limit for connecting and for the server's first bytes.
        live: polling, reconnection; default: no reconnection.
        on_status: see :class:`~stra_live.sources.live.LiveDvSource`.

    Raises:
        InputError: no server, not a DV stream, no event stream, mismatched ports.
    """

    def __init__(self, host: str, port: int, frames_port: int | None = None, *,
                 timeout_s: float = 2.0, live: LiveInputConfig = NETWORK_LIVE,
                 on_status: Callable[[SourceStatus], None] | None = None) -> None:
        ports = [port] + ([frames_port] if frames_port is not None else [])
        name = f"tcp://{host}:{','.join(str(p) for p in ports)}"

        def opener(cancel: threading.Event) -> CameraLike:
            return open_dv_stream(host, ports, timeout_s, cancel)

        super().__init__(opener, live, name=name, on_status=on_status)


def open_dv_stream(host: str, ports: list[int], timeout_s: float,
                   cancel: threading.Event | None = None) -> NetworkStreams:
    """Connect to every port of a DV server and pair the event and frame streams.

    Raises:
        InputError: naming ``tcp://host:port`` and the problem.
    """
    address = resolve(host, ports[0])
    readers: dict[str, Any] = {}
    for port in ports:
        where = f"tcp://{host}:{port}"
        probe_dv_server(address, port, timeout_s, where, cancel)
        try:
            reader = dv.io.NetworkReader(address, port)
        except RuntimeError as error:
            raise InputError(where, f"cannot read the DV stream: {first_line(error)}") from error
        kind = ("events" if reader.isEventStreamAvailable()
                else "frames" if reader.isFrameStreamAvailable() else None)
        if kind is None:
            raise InputError(where, "serves neither events nor frames")
        if kind in readers:
            raise InputError(where, f"serves {kind} again; give one events and one frames port")
        readers[kind] = reader
    if "events" not in readers:
        raise InputError(f"tcp://{host}:{ports[0]}", "serves frames only; STRA needs the "
                         "events too: give the events port as well (tcp://HOST:PORT,PORT)")
    streams = NetworkStreams(readers["events"], readers.get("frames"))
    frame_size = readers["frames"].getFrameResolution() if "frames" in readers else None
    if frame_size is not None and tuple(frame_size) != tuple(streams.getEventResolution() or ()):
        raise InputError(f"tcp://{host}", f"frames are {tuple(frame_size)} but events are "
                         f"{tuple(streams.getEventResolution() or ())} (width, height)")
    return streams


def probe_dv_server(address: str, port: int, timeout_s: float, where: str,
                    cancel: threading.Event | None = None) -> None:
    """Check that a DV server answers on ``port`` before dv's blocking reader connects.

    Raises:
        InputError: refused, timed out, closed, or not a DV stream header.
    """
    try:
        probe = socket.create_connection((address, port), timeout=timeout_s)
    except OSError as error:
        raise InputError(where, f"cannot connect: {error.strerror or error}") from error
    with probe:
        probe.settimeout(0.05)
        deadline = time.monotonic() + timeout_s
        head = b""
        while len(head) < len(HEADER_ID) + 8 and time.monotonic() < deadline:
            if cancel is not None and cancel.is_set():
                raise InputError(where, "cancelled")
            try:
                head = probe.recv(len(HEADER_ID) + 8, socket.MSG_PEEK)
            except TimeoutError:
                continue
            except OSError as error:
                raise InputError(where, f"connection failed: {error.strerror or error}") from error
            if not head:
                raise InputError(where, "the server closed the connection without sending a "
                                        "DV stream")
    if len(head) < len(HEADER_ID) + 8:
        raise InputError(where, f"accepted the connection but sent no DV stream header "
                                f"within {timeout_s:g} s")
    if head[8:12] != HEADER_ID:
        raise InputError(where, f"does not speak the DV network protocol (it sent {head!r})")


def resolve(host: str, port: int) -> str:
    """Numeric address of ``host`` (IPv4 preferred), as dv's reader needs.

    Raises:
        InputError: the name does not resolve.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise InputError(f"tcp://{host}:{port}", f"unknown host: {error.strerror or error}") \
            from error
    infos.sort(key=lambda info: info[0] != socket.AF_INET)
    return str(infos[0][4][0])
