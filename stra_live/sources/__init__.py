"""Sources of events and frames: files, the simulator, cameras, network streams."""

from stra_live.sources.base import Packet, Source

__all__ = ["Packet", "Source"]
