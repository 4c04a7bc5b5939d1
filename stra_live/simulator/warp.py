"""Affine warp of a texture into the camera view: bilinear, mirrored at the borders.

Mirroring (reflecting the texture at each border, period 2 * size) makes the
texture an endless plane, so the camera can wander anywhere without a black
border; continuity across the seams keeps spurious events away.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def _mirror(i: int, size: int) -> int:
    """Index ``i`` reflected into [0, size) with the edge pixel repeated (period 2 * size)."""
    i = i % (2 * size)
    if i >= size:
        i = 2 * size - 1 - i
    return i


@numba.njit(cache=True, nogil=True)
def _warp_kernel(texture: np.ndarray, matrix: np.ndarray, out: np.ndarray) -> None:
    """Fill ``out`` (H, W) with ``texture`` sampled bilinearly at ``matrix @ [x, y, 1]``."""
    height, width = out.shape
    tex_h, tex_w = texture.shape
    for y in range(height):
        for x in range(width):
            u = matrix[0, 0] * x + matrix[0, 1] * y + matrix[0, 2]
            v = matrix[1, 0] * x + matrix[1, 1] * y + matrix[1, 2]
            u0, v0 = math.floor(u), math.floor(v)
            fu, fv = u - u0, v - v0
            if 0 <= u0 < tex_w - 1 and 0 <= v0 < tex_h - 1:
                c0, c1, r0, r1 = u0, u0 + 1, v0, v0 + 1  # inside: skip the costly modulo
            else:
                c0, c1 = _mirror(u0, tex_w), _mirror(u0 + 1, tex_w)
                r0, r1 = _mirror(v0, tex_h), _mirror(v0 + 1, tex_h)
            top = texture[r0, c0] * (1.0 - fu) + texture[r0, c1] * fu
            bottom = texture[r1, c0] * (1.0 - fu) + texture[r1, c1] * fu
            out[y, x] = top * (1.0 - fv) + bottom * fv


def warp_affine(texture: np.ndarray, matrix: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Sample ``texture`` on the view grid mapped through an affine ``matrix``.

    Args:
        texture: (Ht, Wt) float32 grey image.
        matrix: (2, 3) map from view (x=column, y=row, 1) to texture (u=column, v=row).
        shape: (H, W) of the view.

    Returns:
        (H, W) float32, bilinear samples, texture mirrored outside its borders.
    """
    texture = np.ascontiguousarray(texture, dtype=np.float32)
    matrix = np.ascontiguousarray(matrix, dtype=np.float64)
    if texture.ndim != 2 or min(texture.shape) < 1:
        raise ValueError(f"texture must be a non-empty (H, W) array, got shape {texture.shape}")
    if matrix.shape != (2, 3) or not np.all(np.isfinite(matrix)):
        raise ValueError(f"matrix must be a finite (2, 3) array, got {matrix!r}")
    out = np.empty(shape, dtype=np.float32)
    _warp_kernel(texture, matrix, out)
    return out
