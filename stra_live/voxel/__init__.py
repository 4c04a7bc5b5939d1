"""Event representations for the network: voxel grids, a rolling buffer, pixel filters.

* :func:`events_to_voxel` — the voxel grid of one window (conventions in
  :mod:`stra_live.voxel.grid`: closed window, bilinear in time, signed).
* :class:`RollingEventBuffer` — bounded history of a live stream, answering
  voxel / event-image / event-slice queries for any window in its horizon.
* :func:`refractory_filter`, :func:`hot_pixel_filter` — stateful per-pixel
  filters for streams.
"""

from stra_live.voxel.buffer import RollingEventBuffer
from stra_live.voxel.filters import (
    HotPixelState,
    RefractoryState,
    count_events,
    hot_pixel_filter,
    hot_pixel_mask,
    refractory_filter,
)
from stra_live.voxel.grid import accumulate_voxel, events_to_voxel

__all__ = [
    "HotPixelState",
    "RefractoryState",
    "RollingEventBuffer",
    "accumulate_voxel",
    "count_events",
    "events_to_voxel",
    "hot_pixel_filter",
    "hot_pixel_mask",
    "refractory_filter",
]
