"""The `Source` protocol every input (file, simulator, camera, network) implements.

A source yields :class:`Packet` objects in time order. Consumers (the rolling
voxel buffer, the streaming engine) rely on three guarantees:

* events inside a packet are sorted by time, and the first event of a packet
  is not older than the last event of the previous one;
* frames arrive in order of ``timestamp``, at the latest in the packet in
  which their exposure ends;
* ``packet.watermark`` promises that no later packet holds an event or frame
  older than it, so a frame whose ``exposure_end`` is below the watermark has
  all its events buffered.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from stra_live.events import Frame, empty_events


@dataclass(frozen=True)
class DvRaw:
    """The dv-processing objects a packet's arrays were converted from, kept for recording.

    A recorder writes these to AEDAT4 as they are, instead of rebuilding dv
    objects event by event from the NumPy arrays. A source sets them only
    when they hold exactly the packet's data; anything that changes the data
    (a filter, a time shift when looping) must drop them (``raw=None``).

    Attributes:
        events: a ``dv.EventStore`` with the same events as ``Packet.events``
            (same order and timestamps), or None when only the arrays exist.
        frames: one ``dv.Frame`` per entry of ``Packet.frames``, in the same
            order; empty when the frames exist only as arrays.
    """

    events: Any = None
    frames: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Packet:
    """A slice of a stream: events (EVENT_DTYPE, sorted) and the frames that arrived with it.

    Attributes:
        events: events of this slice, sorted by ``t``.
        frames: APS frames that arrived with this slice, in timestamp order (file
            sources attach a frame to the slice in which its exposure ends).
        watermark: microseconds; everything older has now been delivered.
        raw: the dv-processing objects (``EventStore`` / ``Frame``) the arrays
            came from, for sources that read dv data (camera, AEDAT4 file,
            network); None when the packet exists only as NumPy (simulator,
            filtered or time-shifted data). See :class:`DvRaw`.
    """

    events: np.ndarray = field(default_factory=empty_events)
    frames: tuple[Frame, ...] = ()
    watermark: int = 0
    raw: DvRaw | None = None


@runtime_checkable
class Source(Protocol):
    """Anything that streams packets of events and frames.

    Attributes:
        name: human-readable description (file path, camera serial, URL).
        resolution: sensor (height, width).
        has_frames: False for events-only streams (e.g. a DVXplorer).
    """

    name: str
    resolution: tuple[int, int]
    has_frames: bool

    def packets(self) -> Iterator[Packet]:
        """Yield packets in time order until the stream ends (or forever, if live)."""
        ...

    def close(self) -> None:
        """Release the file, device or socket. Safe to call twice."""
        ...
