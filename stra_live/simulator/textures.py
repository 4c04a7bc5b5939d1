"""Texture images for the synthetic scenes: scikit-image's bundled pictures and procedural ones.

The split between training and test scenes is fixed here and never depends
on a seed:

* natural pictures (scikit-image's ``skimage.data``) are split by name into
  :data:`TRAIN_PICTURES` and :data:`TEST_PICTURES`, no name in both;
* procedural textures (:data:`PROCEDURAL`) belong to both splits, but are
  generated from a random stream salted with the split (see
  :data:`SPLIT_SALT`), so a train scene and a test scene never share a
  generated image even with the same seed.

Every texture is a float32 (H, W) grey image in [0, 1].
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import skimage.data
from scipy import ndimage
from skimage.color import rgb2gray
from skimage.transform import rescale

TextureSplit = Literal["train", "test", "all"]
"""Which texture subset a scene draws from."""

TRAIN_PICTURES = (
    "astronaut", "brick", "grass", "text", "moon", "coins", "rocket", "clock",
    "immunohistochemistry",
)
"""skimage.data pictures of the training split."""

TEST_PICTURES = ("camera", "coffee", "gravel", "page", "chelsea", "cell")
"""skimage.data pictures of the test split (disjoint from the training ones)."""

PROCEDURAL_SIZE = 512
"""Side of a procedural texture, in pixels."""

SPLIT_SALT = {"all": 0, "train": 1, "test": 2}
"""Mixed into the scene seed, so the procedural textures of each split differ."""


def _shapes(rng: np.random.Generator) -> np.ndarray:
    """Random filled rectangles and discs of random grey levels on a grey background."""
    size = PROCEDURAL_SIZE
    image = np.full((size, size), rng.uniform(0.2, 0.8), dtype=np.float32)
    rows, cols = np.ogrid[:size, :size]
    for _ in range(60):
        cy, cx = rng.uniform(0, size, 2)
        if rng.random() < 0.5:
            hy, hx = rng.uniform(5, 60, 2)
            mask = (np.abs(rows - cy) <= hy) & (np.abs(cols - cx) <= hx)
        else:
            mask = (rows - cy) ** 2 + (cols - cx) ** 2 <= rng.uniform(5, 50) ** 2
        image[mask] = rng.uniform(0.05, 0.95)
    return image


def _checkerboard(rng: np.random.Generator) -> np.ndarray:
    """A checkerboard with a random cell size and two random grey levels."""
    cell = int(rng.integers(12, 41))
    dark, light = rng.uniform(0.05, 0.4), rng.uniform(0.6, 0.95)
    index = np.arange(PROCEDURAL_SIZE) // cell
    board = (index[:, None] + index[None, :]) % 2 == 1
    return np.where(board, light, dark).astype(np.float32)


def _edge_noise(rng: np.random.Generator) -> np.ndarray:
    """Piecewise-flat blobs with sharp edges (quantised smooth noise) plus fine grain."""
    size = PROCEDURAL_SIZE
    smooth = ndimage.gaussian_filter(rng.standard_normal((size, size)), sigma=10)
    levels = int(rng.integers(3, 7))
    edges = np.quantile(smooth, np.linspace(0, 1, levels + 1)[1:-1])
    greys = rng.uniform(0.1, 0.9, levels)
    image = greys[np.digitize(smooth, edges)]
    grain = ndimage.gaussian_filter(rng.standard_normal((size, size)), sigma=0.8)
    return np.clip(image + 0.04 * grain, 0.0, 1.0).astype(np.float32)


PROCEDURAL: dict[str, Callable[[np.random.Generator], np.ndarray]] = {
    "shapes": _shapes,
    "checkerboard": _checkerboard,
    "edge_noise": _edge_noise,
}
"""Procedural texture name -> generator (a pure function of the random stream)."""


def texture_names(split: TextureSplit = "all") -> tuple[str, ...]:
    """Texture names of a split: its pictures, then the procedural textures."""
    pictures = {
        "train": TRAIN_PICTURES, "test": TEST_PICTURES, "all": TRAIN_PICTURES + TEST_PICTURES,
    }
    if split not in pictures:
        raise ValueError(f"textures must be one of {sorted(pictures)}, got {split!r}")
    return pictures[split] + tuple(PROCEDURAL)


def load_texture(name: str, rng: np.random.Generator, min_side: int = 0) -> np.ndarray:
    """Load or generate texture ``name`` as a grey image.

    Args:
        name: one of :func:`texture_names` ("all").
        rng: random stream of procedural textures (unused for pictures).
        min_side: the texture is upscaled (bilinear) until its shorter side
            is at least this, so that small pictures still fill the view.

    Returns:
        (H, W) float32 in [0, 1], C-contiguous.
    """
    if name in PROCEDURAL:
        image = PROCEDURAL[name](rng)
    elif name in TRAIN_PICTURES + TEST_PICTURES:
        image = _picture(name)
    else:
        raise ValueError(f"unknown texture {name!r}; known: {', '.join(texture_names('all'))}")
    shorter = min(image.shape)
    if shorter < min_side:
        image = rescale(image, min_side / shorter, order=1, anti_aliasing=False)
    return np.ascontiguousarray(np.clip(image, 0.0, 1.0), dtype=np.float32)


def _picture(name: str) -> np.ndarray:
    """A skimage.data picture as grey float in [0, 1]."""
    image = getattr(skimage.data, name)()
    if image.ndim == 3:
        return rgb2gray(image[..., :3])
    if image.dtype == np.uint8:
        return image / 255.0
    return image.astype(np.float64)
