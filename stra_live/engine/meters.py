"""Small bounded meters for the engine's status figures (rates and latency percentiles)."""

from __future__ import annotations

from collections import deque

import numpy as np


class RateMeter:
    """Counts per second over a sliding window of wall-clock time.

    Args:
        window_s: how far back the rate looks.
    """

    def __init__(self, window_s: float = 2.0) -> None:
        self.window_s = window_s
        self._samples: deque[tuple[float, int]] = deque()
        self._total = 0

    def add(self, count: int, now: float) -> None:
        """Record ``count`` items arriving at monotonic time ``now``."""
        self._samples.append((now, count))
        self._total += count
        self._expire(now)

    def rate(self, now: float) -> float:
        """Items per second over the window ending at ``now`` (0 with fewer than two samples)."""
        self._expire(now)
        if len(self._samples) < 2:
            return 0.0
        span = now - self._samples[0][0]
        if span <= 0:
            return 0.0
        # The first sample marks the start of the span; its count arrived before it.
        return (self._total - self._samples[0][1]) / span

    def _expire(self, now: float) -> None:
        while self._samples and now - self._samples[0][0] > self.window_s:
            _, count = self._samples.popleft()
            self._total -= count


class LatencyMeter:
    """Percentiles over the last ``window`` latencies (seconds in, milliseconds out)."""

    def __init__(self, window: int = 200) -> None:
        self._values: deque[float] = deque(maxlen=window)

    def add(self, seconds: float) -> None:
        """Record one latency."""
        self._values.append(seconds)

    def percentile_ms(self, q: float) -> float:
        """The q-th percentile in milliseconds (0 when empty)."""
        if not self._values:
            return 0.0
        return float(np.percentile(np.fromiter(self._values, float), q) * 1e3)
