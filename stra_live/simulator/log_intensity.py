"""Photoreceptor response: intensity in [0, 1] -> log intensity, linear near black.

A DVS pixel responds to the logarithm of the photocurrent, but the log of a
near-black value is dominated by noise (and is -inf at 0). Like v2e's
``lin_log`` (Hu et al. 2021) the response is linear below a cutoff ``c`` and
logarithmic above. v2e joins the two with the chord through the origin on a
0-255 scale; on the [0, 1] scale used here that chord would fall (log c < 0),
so this module uses the tangent of the log at ``c`` instead:

    y = log(x)                 for x >  c
    y = log(c) + (x - c) / c   for x <= c

It is continuous with a continuous slope at ``c``, increasing everywhere, and
finite at 0 (``log(c) - 1``).
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def lin_log_scalar(x: float, cutoff: float) -> float:
    """lin_log of one intensity (see the module docstring); for use inside kernels."""
    if x > cutoff:
        return math.log(x)
    return math.log(cutoff) + (x - cutoff) / cutoff


def lin_log(image: np.ndarray, cutoff: float = 20.0 / 255.0) -> np.ndarray:
    """Map intensities in [0, 1] to the pixel's log response.

    Args:
        image: any shape, float, intensities in [0, 1].
        cutoff: intensity below which the response is linear, in (0, 1).

    Returns:
        float64 array of the same shape.
    """
    x = np.asarray(image, dtype=np.float64)
    linear = math.log(cutoff) + (x - cutoff) / cutoff
    # np.maximum keeps log away from 0 in the branch np.where discards.
    return np.where(x > cutoff, np.log(np.maximum(x, cutoff)), linear)
