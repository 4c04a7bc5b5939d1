"""A source seen through the window's noise filters, with a rolling event image for the view.

:class:`FilteredSource` wraps any :class:`~stra_live.sources.base.Source`: each
packet's events go through a :class:`~stra_live.voxel.noise.NoiseFilterChain`
(on the capture thread, so before the engine voxelises them), and the kept
events feed an :class:`EventAccumulator`, the event view's "accumulation
time" (DV viewer style: the signed events of the last N ms of stream time).
A packet whose events a filter changed loses its ``raw`` dv objects, so a
recorder writes what the engine saw. Everything else of the wrapped source
(playback control, restarts, frame numbers) is reached through it.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from collections.abc import Iterator
from typing import Any

import numpy as np

from stra_live.sources.base import Packet, Source
from stra_live.voxel.noise import NoiseFilterChain


class EventAccumulator:
    """Signed events per pixel over the last ``window_us`` of stream time (None = off).

    Fed on the capture thread; :meth:`snapshot` copies the image for the GUI.
    Expiry goes by packet: a packet leaves once its newest event is older than
    the window, which at 10 ms packets is well under the smallest window offered.

    Args:
        resolution: sensor (height, width).
        window_us: accumulation time in us, or None to keep nothing.
    """

    def __init__(self, resolution: tuple[int, int], window_us: int | None = None) -> None:
        self.resolution = resolution
        self._lock = threading.Lock()
        self._window_us = window_us
        self._chunks: deque[tuple[int, np.ndarray]] = deque()  # (newest t, [index; polarity])
        self._image = np.zeros(resolution[0] * resolution[1], dtype=np.float32)

    @property
    def window_us(self) -> int | None:
        """The accumulation time (None = off)."""
        return self._window_us

    def set_window(self, window_us: int | None) -> None:
        """Accumulate over ``window_us`` from now on (None = off); starts empty."""
        if window_us is not None and window_us <= 0:
            raise ValueError(f"accumulation time must be positive, got {window_us}")
        with self._lock:
            self._window_us = window_us
            self._clear_locked()

    def clear(self) -> None:
        """Forget every event (the stream restarted)."""
        with self._lock:
            self._clear_locked()

    def _clear_locked(self) -> None:
        """:meth:`clear` for a caller that holds the lock."""
        self._chunks.clear()
        self._image[:] = 0.0

    def add(self, events: np.ndarray, watermark: int) -> None:
        """Count ``events`` in and let out what is older than ``watermark - window``."""
        with self._lock:
            if self._window_us is None:
                return
            if len(events):
                index = self._index(events)
                self._image += np.bincount(index, weights=events["p"],
                                           minlength=self._image.size).astype(np.float32)
                self._chunks.append((int(events["t"][-1]), np.stack([index, events["p"]])))
            horizon = watermark - self._window_us
            while self._chunks and self._chunks[0][0] < horizon:
                _, (old, polarity) = self._chunks.popleft()
                self._image -= np.bincount(old, weights=polarity,
                                           minlength=self._image.size).astype(np.float32)

    def _index(self, events: np.ndarray) -> np.ndarray:
        return events["y"].astype(np.int64) * self.resolution[1] + events["x"]

    def snapshot(self) -> np.ndarray | None:
        """(H, W) float32 signed event count of the window, a copy; None when off."""
        with self._lock:
            if self._window_us is None:
                return None
            return self._image.reshape(self.resolution).copy()


class FilteredSource:
    """``inner``'s packets through ``chain``, feeding ``accumulator`` (see the module docstring).

    Args:
        inner: the source to read.
        chain: the noise filters (reconfigurable while streaming).
        accumulator: the event view's rolling image.
    """

    def __init__(self, inner: Source, chain: NoiseFilterChain,
                 accumulator: EventAccumulator) -> None:
        self.inner = inner
        self.chain = chain
        self.accumulator = accumulator
        self.name = inner.name
        self.resolution = inner.resolution
        self.has_frames = inner.has_frames

    def packets(self) -> Iterator[Packet]:
        """The wrapped source's packets, filtered."""
        for packet in self.inner.packets():
            events = self.chain.apply(packet.events)
            if events is not packet.events:
                packet = dataclasses.replace(packet, events=events, raw=None)
            self.accumulator.add(events, packet.watermark)
            yield packet

    def close(self) -> None:
        """Close the wrapped source."""
        self.inner.close()

    def restarted(self, start_us: int) -> FilteredSource:
        """The wrapped file source restarted at ``start_us``, with fresh filter states."""
        inner = self.inner.restarted(start_us)  # type: ignore[attr-defined]
        self.chain.reset()
        self.accumulator.clear()
        return FilteredSource(inner, self.chain, self.accumulator)

    def __getattr__(self, name: str) -> Any:
        # Playback control, frame numbers, duration...: whatever the wrapped source offers.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)
