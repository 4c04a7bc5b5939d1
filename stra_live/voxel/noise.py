"""Event noise filters as DV's viewer offers them, chained and switchable while streaming.

* Background activity (BA): an event is kept when one of its 8 neighbours had
  an event at most ``ba_window_us`` before it (real edges fire in groups;
  shot noise fires alone). Every event, kept or not, updates its pixel's
  last-event time, as in DV's ``BackgroundActivityNoiseFilter``.
* Refractory and hot pixels: :mod:`stra_live.voxel.filters`.

:class:`NoiseFilterChain` applies the enabled filters in that order
(hot pixels, refractory, background activity) to each packet before the events
reach the voxel buffer. Its settings can be replaced from another thread at
any time; the filter states then start afresh. It counts the events it saw
and kept, so the window can show the event rate before and after.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from numba import njit

from stra_live.events import validate_events
from stra_live.voxel.filters import (
    NEVER,
    HotPixelState,
    RefractoryState,
    hot_pixel_filter,
    refractory_filter,
)


@dataclass(frozen=True)
class NoiseFilterConfig:
    """Which noise filters run, and their parameters (``configs/ui.yaml``: ``noise_filter``).

    Attributes:
        background_activity: drop events with no neighbour event shortly before.
        ba_window_us: how recent a neighbour's event must be, in us (> 0).
        refractory: drop events closer than ``refractory_us`` to the last kept one per pixel.
        refractory_us: the refractory period, in us (> 0).
        hot_pixels: mask pixels that fire far more than the others.
        hot_span_us: calibration span at the start of the stream, in us (> 0).
        hot_k: a pixel is hot above ``hot_k`` x the median active count (> 1).
    """

    background_activity: bool = False
    ba_window_us: int = 2000
    refractory: bool = False
    refractory_us: int = 500
    hot_pixels: bool = False
    hot_span_us: int = 1_000_000
    hot_k: float = 10.0

    def __post_init__(self) -> None:
        for name in ("ba_window_us", "refractory_us", "hot_span_us"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if not self.hot_k > 1:
            raise ValueError(f"hot_k must be > 1, got {self.hot_k}")

    @property
    def any_enabled(self) -> bool:
        """True when at least one filter runs."""
        return self.background_activity or self.refractory or self.hot_pixels


@dataclass(frozen=True)
class BackgroundActivityState:
    """State of :func:`background_activity_filter` between packets.

    Attributes:
        last_event: (H, W) int64, time (us) of the last event per pixel,
            :data:`~stra_live.voxel.filters.NEVER` where none; read-only.
    """

    last_event: np.ndarray

    @classmethod
    def new(cls, resolution: tuple[int, int]) -> BackgroundActivityState:
        """Fresh state for a ``(height, width)`` sensor."""
        return cls(np.full(resolution, NEVER, dtype=np.int64))


def background_activity_filter(events: np.ndarray, state: BackgroundActivityState,
                               window_us: int, *, source: object = "events"
                               ) -> tuple[np.ndarray, BackgroundActivityState]:
    """Keep events supported by a neighbour event at most ``window_us`` earlier.

    Args:
        events: (N,) EVENT_DTYPE, sorted by ``t``, on the state's sensor.
        state: from :meth:`BackgroundActivityState.new` or the previous call.
        window_us: support window in us (> 0).
        source: names the stream in error messages.

    Returns:
        (kept events (M,) EVENT_DTYPE in the original order, state for the next packet).

    Raises:
        InputError: events of the wrong dtype, unsorted or off the sensor.
    """
    if window_us <= 0:
        raise ValueError(f"window_us must be positive, got {window_us}")
    validate_events(events, state.last_event.shape, source)
    last = state.last_event.copy()
    keep = np.zeros(len(events), dtype=np.bool_)
    _ba_kernel(events["t"], events["x"], events["y"], last, np.int64(window_us), keep)
    return events[keep], BackgroundActivityState(last)


@njit(cache=True, nogil=True)
def _ba_kernel(t: np.ndarray, x: np.ndarray, y: np.ndarray, last: np.ndarray,
               window_us: np.int64, keep: np.ndarray) -> None:
    height, width = last.shape
    for i in range(t.shape[0]):
        xi, yi = np.int64(x[i]), np.int64(y[i])
        for dy in range(-1, 2):
            yy = yi + dy
            if yy < 0 or yy >= height:
                continue
            for dx in range(-1, 2):
                xx = xi + dx
                if (dx == 0 and dy == 0) or xx < 0 or xx >= width:
                    continue
                seen = last[yy, xx]
                # Compare with NEVER first: t - NEVER would overflow.
                if seen != NEVER and t[i] - seen <= window_us:
                    keep[i] = True
        last[yi, xi] = t[i]


class NoiseFilterChain:
    """The enabled noise filters of one stream, reconfigurable from any thread.

    Args:
        resolution: sensor (height, width).
        config: the filters to run at first.
    """

    def __init__(self, resolution: tuple[int, int],
                 config: NoiseFilterConfig | None = None) -> None:
        self.resolution = resolution
        self._lock = threading.Lock()
        self._config = config or NoiseFilterConfig()
        self._states: dict[str, object] = {}
        self.events_in = 0
        """Events offered so far (read from any thread)."""
        self.events_out = 0
        """Events kept so far."""

    @property
    def config(self) -> NoiseFilterConfig:
        """The filters running now."""
        return self._config

    def configure(self, config: NoiseFilterConfig) -> None:
        """Run ``config`` from the next packet on; the filters' states start afresh."""
        with self._lock:
            self._config = config
            self._states = {}

    def reset(self) -> None:
        """Forget the filters' states (the stream restarted at another time)."""
        with self._lock:
            self._states = {}

    def apply(self, events: np.ndarray) -> np.ndarray:
        """The events of one packet that pass every enabled filter (the input is not changed)."""
        with self._lock:
            config, states = self._config, self._states
            kept = events
            if config.hot_pixels:
                state = states.get("hot") or HotPixelState.new(self.resolution)
                kept, states["hot"] = hot_pixel_filter(kept, state, config.hot_span_us,
                                                       config.hot_k)
            if config.refractory:
                state = states.get("refractory") or RefractoryState.new(self.resolution)
                kept, states["refractory"] = refractory_filter(kept, state, config.refractory_us)
            if config.background_activity:
                state = states.get("ba") or BackgroundActivityState.new(self.resolution)
                kept, states["ba"] = background_activity_filter(kept, state,
                                                                config.ba_window_us)
            self.events_in += len(events)
            self.events_out += len(kept)
        return kept
