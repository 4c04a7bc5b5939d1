"""Smooth random camera motion: translation, rotation and zoom as sums of sinusoids.

Each degree of freedom q(t) (x and y shift in texture pixels, rotation in
radians, log zoom) is a sum of M sinusoids a_i sin(2 pi f_i t + phi_i) with
random frequencies and phases. Choosing a_i = v sqrt(2 / M) / (2 pi f_i) gives
each sinusoid the same speed amplitude and the sum a root-mean-square speed
of exactly v. Sums of sinusoids are bounded, smooth and can be evaluated at any
time, so a scene can be rendered at any rate, forever, in any order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from stra_live.simulator.config import SceneConfig


@dataclass(frozen=True)
class Pose:
    """Camera pose at one instant.

    Attributes:
        shift: (dx, dy) of the view centre from the texture centre, texture pixels.
        angle: rotation of the view, radians.
        log_zoom: log of the magnification (0 = one texture pixel per view pixel).
    """

    shift: tuple[float, float]
    angle: float
    log_zoom: float


@dataclass(frozen=True)
class CameraMotion:
    """A random smooth trajectory; evaluate it with :meth:`pose`.

    Attributes:
        amplitudes: (4, M) sinusoid amplitudes for x, y, angle and raw log zoom.
        frequencies: (4, M) sinusoid frequencies, Hz.
        phases: (4, M) sinusoid phases, radians.
        max_log_zoom: the raw log zoom z is mapped to max * tanh(z / max).
    """

    amplitudes: np.ndarray
    frequencies: np.ndarray
    phases: np.ndarray
    max_log_zoom: float

    @classmethod
    def random(cls, rng: np.random.Generator, config: SceneConfig) -> CameraMotion:
        """Draw a trajectory whose RMS speeds are the configured ones."""
        m = config.motion_components
        frequencies = rng.uniform(config.motion_min_hz, config.motion_max_hz, (4, m))
        phases = rng.uniform(0.0, 2.0 * math.pi, (4, m))
        speeds = np.array([
            config.speed_px_s / math.sqrt(2.0),  # split between x and y: RMS of the 2-D speed
            config.speed_px_s / math.sqrt(2.0),
            math.radians(config.rotation_deg_s),
            config.zoom_per_s,
        ])
        amplitudes = speeds[:, None] * math.sqrt(2.0 / m) / (2.0 * math.pi * frequencies)
        return cls(amplitudes, frequencies, phases, config.max_log_zoom)

    def pose(self, t_s: float) -> Pose:
        """The camera pose at time ``t_s`` (seconds)."""
        q = np.sum(self.amplitudes * np.sin(2.0 * math.pi * self.frequencies * t_s + self.phases),
                   axis=1)
        zoom = 0.0
        if self.max_log_zoom > 0:
            zoom = self.max_log_zoom * math.tanh(q[3] / self.max_log_zoom)
        return Pose((float(q[0]), float(q[1])), float(q[2]), float(zoom))


def view_to_texture(pose: Pose, view_shape: tuple[int, int],
                    texture_shape: tuple[int, int]) -> np.ndarray:
    """Affine map from view pixel (x, y) to texture coordinates (u, v) for ``pose``.

    The view centre lands on the texture centre plus ``pose.shift``; the view
    is rotated by ``pose.angle`` and magnified by ``exp(pose.log_zoom)``.

    Returns:
        (2, 3) float64 matrix A with [u, v] = A @ [x, y, 1] (x = column, y = row).
    """
    scale = math.exp(-pose.log_zoom)
    cos, sin = scale * math.cos(pose.angle), scale * math.sin(pose.angle)
    cy, cx = (view_shape[0] - 1) / 2.0, (view_shape[1] - 1) / 2.0
    cv = (texture_shape[0] - 1) / 2.0 + pose.shift[1]
    cu = (texture_shape[1] - 1) / 2.0 + pose.shift[0]
    return np.array([
        [cos, -sin, cu - (cos * cx - sin * cy)],
        [sin, cos, cv - (sin * cx + cos * cy)],
    ])
