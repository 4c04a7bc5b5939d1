"""Slow, obviously correct NumPy voxel grid: the yardstick for the Numba kernel.

Used by the tests and by ``stra-bench voxel``; not part of the package API
(the runtime uses :func:`stra_live.voxel.grid.events_to_voxel`). It follows
the conventions of :mod:`stra_live.voxel.grid` and does no input validation.
"""

from __future__ import annotations

import numpy as np


def _events_to_voxel_numpy(events: np.ndarray, bins: int, height: int, width: int,
                           t_start: int, t_end: int) -> np.ndarray:
    """Voxel grid of ``events`` (EVENT_DTYPE) in ``[t_start, t_end]`` with ``np.add.at``.

    Returns:
        (bins, height, width) float32.
    """
    inside = (events["t"] >= t_start) & (events["t"] <= t_end)
    t = events["t"][inside]
    x = events["x"][inside].astype(np.intp)
    y = events["y"][inside].astype(np.intp)
    p = events["p"][inside].astype(np.float64)
    if t_end > t_start:
        tn = (bins - 1) * (t - t_start).astype(np.float64) / float(t_end - t_start)
    else:
        tn = np.zeros(len(t))
    lower = np.floor(tn).astype(np.intp)
    frac = tn - lower
    at_last = lower >= bins - 1
    lower[at_last] = bins - 1
    frac[at_last] = 0.0
    voxel = np.zeros((bins, height, width), dtype=np.float64)
    np.add.at(voxel, (lower, y, x), p * (1.0 - frac))
    upper = np.minimum(lower + 1, bins - 1)
    np.add.at(voxel, (upper, y, x), p * frac)
    return voxel.astype(np.float32)
