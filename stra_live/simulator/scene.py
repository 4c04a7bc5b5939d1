"""Synthetic scenes: a camera moving over a texture, rendered as sharp high-rate frames.

A :class:`SceneRenderer` is a pure function of time: the frame at any
timestamp depends only on the configuration, the seed and that timestamp, so
scenes render in any order and forever.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from stra_live.simulator.config import SceneConfig
from stra_live.simulator.motion import CameraMotion, view_to_texture
from stra_live.simulator.textures import SPLIT_SALT, load_texture, texture_names
from stra_live.simulator.warp import warp_affine


def frame_timestamp(index: int, render_hz: float) -> int:
    """Timestamp (us) of sharp frame ``index`` at ``render_hz``: round(index * 1e6 / hz)."""
    return round(index * 1e6 / render_hz)


class SceneRenderer:
    """Render sharp frames of one random scene (texture + camera trajectory).

    Args:
        config: resolution, rate, texture subset and camera speeds.
        seed: picks the texture (unless ``config.texture`` is set), generates
            procedural textures, and draws the trajectory.
        variant: a second seed, for a run of different scenes under one seed
            (the demo source switches to variant 1, 2, ... as it goes).

    Attributes:
        texture_name: name of the texture in view.
    """

    def __init__(self, config: SceneConfig | None = None, seed: int = 0, variant: int = 0) -> None:
        self.config = config or SceneConfig()
        rng = np.random.default_rng([seed, SPLIT_SALT[self.config.textures], variant])
        names = texture_names(self.config.textures)
        self.texture_name = self.config.texture or names[int(rng.integers(len(names)))]
        # Twice the view's longer side: a texture that small pictures fill even when zoomed out.
        self._texture = load_texture(
            self.texture_name, rng, min_side=2 * max(self.config.resolution)
        )
        self._motion = CameraMotion.random(rng, self.config)

    @property
    def resolution(self) -> tuple[int, int]:
        """(height, width) of the rendered frames."""
        return self.config.resolution

    def render(self, t_us: int) -> np.ndarray:
        """The sharp frame seen at ``t_us``: (H, W) float32 in [0, 1]."""
        pose = self._motion.pose(t_us * 1e-6)
        matrix = view_to_texture(pose, self.config.resolution, self._texture.shape)
        return warp_affine(self._texture, matrix, self.config.resolution)

    def frames(self, start: int = 0, count: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """Yield (timestamp us, frame) for frame indices start, start + 1, ... (``count`` of them,
        or forever when None), at ``config.render_hz``."""
        index = start
        while count is None or index < start + count:
            t_us = frame_timestamp(index, self.config.render_hz)
            yield t_us, self.render(t_us)
            index += 1
