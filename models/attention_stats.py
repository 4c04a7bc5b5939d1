"""How concentrated an attention weight map is: peak over uniform, entropy relative to uniform.

A softmax over ``N`` keys that ignored its query would give every key ``1 / N``
(the *uniform* level). Two figures say how far a map is from that:

* ``max_over_uniform`` = ``max(w) * N``: 1 for a uniform map, ``N`` for a map
  that puts all its weight on one key;
* ``relative_entropy`` = ``H(w) / log(N)`` with ``H(w) = -sum w log w``
  (``0 log 0 = 0``): 1 for a uniform map, 0 for a one-hot one.

Pure NumPy, no Qt and no torch: the app's inspector and ``stra-eval`` share it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SUM_TOLERANCE = 1e-3
"""How far from 1 the weights may sum (float32 softmax rounding) before they are refused."""


@dataclass(frozen=True)
class AttentionStats:
    """Concentration of one attention map over ``keys`` positions.

    Attributes:
        keys: N, the number of positions attended over.
        uniform: 1 / N, the weight every key would get from a uniform map.
        max_over_uniform: the largest weight divided by ``uniform``, in [1, N].
        relative_entropy: the map's entropy divided by log N, in [0, 1]
            (1 when N == 1, where the map is necessarily uniform).
    """

    keys: int
    uniform: float
    max_over_uniform: float
    relative_entropy: float


def attention_stats(weights: np.ndarray) -> AttentionStats:
    """Concentration figures of an attention weight map (see the module docstring).

    Args:
        weights: non-negative weights of one softmax, any shape (an (h, w) map
            over the attention grid, or the (K, h, w) maps of one query over K
            memory entries, whose single softmax spans all entries); they must
            sum to 1 within :data:`SUM_TOLERANCE`.

    Returns:
        The map's :class:`AttentionStats`; N is ``weights.size``.

    Raises:
        ValueError: an empty map, negative or non-finite weights, or weights
            that do not sum to 1 (naming the sum).
    """
    values = np.asarray(weights, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("attention weights are empty")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError("attention weights must be finite and non-negative")
    total = float(values.sum())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ValueError(f"attention weights must sum to 1, got {total:.6f}")
    values = values / total  # remove float32 rounding before the logarithms
    peak, relative = row_figures(values[None])
    return AttentionStats(keys=values.size, uniform=1.0 / values.size,
                          max_over_uniform=float(peak[0]), relative_entropy=float(relative[0]))


def row_figures(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Max over uniform and relative entropy of many maps at once, without checks.

    Args:
        rows: (M, N) weights, one map of N keys per row, each summing to 1
            (e.g. every query of one frame's SFB weights).

    Returns:
        (M,) max_over_uniform and (M,) relative_entropy, as in :class:`AttentionStats`.
    """
    values = np.asarray(rows, dtype=np.float64)
    keys = values.shape[1]
    peak = values.max(axis=1) * keys
    if keys == 1:
        return peak, np.ones(len(values))
    logs = np.log(np.where(values > 0, values, 1.0))  # 0 log 0 = 0
    relative = -(values * logs).sum(axis=1) / np.log(keys)
    return peak, np.clip(relative, 0.0, 1.0)
