"""Fast time-window lookups in a large sorted event array, without copying its timestamps.

``np.searchsorted(events["t"], ...)`` on a structured array first copies the
strided ``t`` column into a contiguous array: O(N) per lookup, about 20 ms
for a one-second simulated sequence, which dominated sample preparation.
:class:`EventIndex` keeps every ``STRIDE``-th timestamp (a small contiguous
array), finds the block holding a bound there, and searches only that block.
"""

from __future__ import annotations

import numpy as np

STRIDE = 1024
"""Events per block of the coarse index."""


class EventIndex:
    """Closed-window queries ``t_start <= t <= t_end`` on events sorted by ``t``.

    Build one per event array and query it many times (training samples);
    :func:`stra_live.evaluation.protocol.window_events` builds one per call,
    which still costs only O(N / STRIDE).

    Args:
        events: (N,) EVENT_DTYPE, sorted by ``t``; kept by reference, never modified.
    """

    def __init__(self, events: np.ndarray) -> None:
        self.events = events
        self._coarse = np.ascontiguousarray(events["t"][::STRIDE])

    def bound(self, t: int, side: str) -> int:
        """``np.searchsorted(events["t"], t, side)`` without touching the whole column."""
        # Block b: coarse[b - 1] is on the near side of t, coarse[b] (if any) on the
        # far side, so the answer lies in ((b - 1) * STRIDE, b * STRIDE].
        block = int(np.searchsorted(self._coarse, t, side))
        lo = max(0, (block - 1) * STRIDE)
        hi = min(len(self.events), block * STRIDE)
        segment = np.ascontiguousarray(self.events["t"][lo:hi])
        return lo + int(np.searchsorted(segment, t, side))

    def window(self, t_start: int, t_end: int) -> np.ndarray:
        """The events with ``t_start <= t <= t_end``, as a read-only view (no copy)."""
        lo = self.bound(t_start, "left")
        hi = max(lo, self.bound(t_end, "right"))
        view = self.events[lo:hi]
        view.flags.writeable = False
        return view
