"""Pure NumPy helpers that turn engine outputs into displayable arrays.

Nothing here touches Qt, so every conversion is tested on hand-computed
arrays. Colours follow the usual event-camera convention: ON (brighter) events
red, OFF (darker) events blue.
"""

from __future__ import annotations

import numpy as np

ON_RGB = np.array([230, 25, 25], dtype=np.float32)
"""Colour of ON (positive) events."""

OFF_RGB = np.array([25, 60, 230], dtype=np.float32)
"""Colour of OFF (negative) events."""


def _event_strength(event_image: np.ndarray, saturation: float) -> np.ndarray:
    """(H, W) float32 in [0, 1]: |signed count| / saturation, clipped."""
    if saturation <= 0:
        raise ValueError(f"saturation must be positive, got {saturation}")
    return np.clip(np.abs(event_image.astype(np.float32)) / saturation, 0.0, 1.0)


def event_overlay_rgba(event_image: np.ndarray, saturation: float = 3.0,
                       opacity: float = 0.9) -> np.ndarray:
    """Colour a signed event-count image as a transparent overlay.

    Args:
        event_image: (H, W) signed event count per pixel (ON > 0, OFF < 0).
        saturation: |count| at which a pixel reaches full opacity.
        opacity: alpha of a saturated pixel, in [0, 1].

    Returns:
        (H, W, 4) uint8 RGBA: red where ON, blue where OFF, fully transparent
        where the count is zero.
    """
    strength = _event_strength(event_image, saturation)
    rgba = np.zeros((*event_image.shape, 4), dtype=np.uint8)
    rgba[..., :3] = np.where((event_image > 0)[..., None], ON_RGB, OFF_RGB).astype(np.uint8)
    rgba[..., 3] = np.rint(strength * float(np.clip(opacity, 0.0, 1.0)) * 255.0).astype(np.uint8)
    return rgba


def event_view_rgb(event_image: np.ndarray, saturation: float = 3.0) -> np.ndarray:
    """Render a signed event-count image on a white background.

    Args:
        event_image: (H, W) signed event count per pixel.
        saturation: |count| at which a pixel is drawn in the full event colour.

    Returns:
        (H, W, 3) uint8 RGB: white without events, blending to red (ON) or
        blue (OFF) as the count grows.
    """
    strength = _event_strength(event_image, saturation)[..., None]
    colour = np.where((event_image > 0)[..., None], ON_RGB, OFF_RGB)
    rgb = 255.0 * (1.0 - strength) + colour * strength
    return np.rint(rgb).astype(np.uint8)


def upsample_map(grid_map: np.ndarray, scale: int, shape: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour upsample a coarse attention map onto the image grid.

    Grid cell ``(gy, gx)`` covers pixels ``[gy*scale, (gy+1)*scale) x
    [gx*scale, (gx+1)*scale)``; the grid may extend past the image (the network
    pads bottom/right), so the result is cropped to ``shape``.

    Args:
        grid_map: (grid_h, grid_w) values.
        scale: image pixels per grid cell.
        shape: (H, W) of the image, with H <= grid_h*scale and W <= grid_w*scale.

    Returns:
        (H, W) float32.
    """
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    height, width = shape
    if height > grid_map.shape[0] * scale or width > grid_map.shape[1] * scale:
        raise ValueError(
            f"a {grid_map.shape} grid at scale {scale} does not cover an image of {shape}"
        )
    full = np.repeat(np.repeat(grid_map.astype(np.float32), scale, axis=0), scale, axis=1)
    return np.ascontiguousarray(full[:height, :width])


def heat_levels(values: np.ndarray) -> tuple[float, float]:
    """Colour-scale range (min, max) of attention weights, so that weak contrasts stay visible.

    An empty or constant array gives (value, value + 1e-12), a valid non-empty range.
    """
    if values.size == 0:
        return (0.0, 1.0)
    low, high = float(np.min(values)), float(np.max(values))
    return (low, high) if high > low else (low, low + 1e-12)


def memory_labels(memory_timestamps: tuple[int, ...] | list[int], current: int) -> list[str]:
    """Label memory entries by their frame offset and time relative to the current frame.

    Entries before the current frame are numbered T-1, T-2, ... from the
    nearest back; entries after it T+1, T+2, ...; an entry at the same time is T.

    Args:
        memory_timestamps: exposure-centre times (us) of the entries, any order.
        current: exposure-centre time (us) of the current frame.

    Returns:
        One label per entry, in the input order, e.g. ``"T-1 (-33 ms)"``.
    """
    past = sorted((t for t in memory_timestamps if t < current), reverse=True)
    future = sorted(t for t in memory_timestamps if t > current)
    labels = []
    for t in memory_timestamps:
        delta_ms = (t - current) / 1000.0
        if t < current:
            name = f"T-{past.index(t) + 1}"
        elif t > current:
            name = f"T+{future.index(t) + 1}"
        else:
            name = "T"
        labels.append(f"{name} ({delta_ms:+.0f} ms)" if t != current else f"{name} (0 ms)")
    return labels
