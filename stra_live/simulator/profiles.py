"""Sensor profiles: the pixel model and scene speed one simulated recording uses.

"ideal" keeps the configured pixel model (one mean threshold, EDI's own
model of the sensor). "realistic" draws, per recording and from the
recording's seed alone, a sensor from :class:`SensorRanges`: unknown and
asymmetric thresholds with per-pixel mismatch, photoreceptor lag, leak and
shot noise, hot pixels, refractory period, and a scene speed. The draw is
reproducible (same seed, same sensor) and independent of the scene's and the
simulator's own random streams.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from stra_live.simulator.config import SceneConfig, SensorRanges, SimConfig, SimulatorConfig

_PROFILE_STREAM = 0x5E45
"""Salt separating the profile draw from the scene and simulator streams of a seed."""


def recording_setup(config: SimConfig, seed: int) -> tuple[SceneConfig, SimulatorConfig]:
    """The scene and pixel model of recording ``seed`` under ``config.profile``."""
    if config.profile == "ideal":
        return config.scene, config.events
    rng = np.random.default_rng(np.random.SeedSequence([seed, _PROFILE_STREAM]))
    events = draw_sensor(rng, config.realistic, config.events)
    factor = _log_uniform(rng, config.realistic.speed_factor)
    scene = dataclasses.replace(
        config.scene,
        speed_px_s=config.scene.speed_px_s * factor,
        rotation_deg_s=config.scene.rotation_deg_s * factor,
        zoom_per_s=config.scene.zoom_per_s * factor,
    )
    return scene, events


def draw_sensor(rng: np.random.Generator, ranges: SensorRanges,
                base: SimulatorConfig) -> SimulatorConfig:
    """One realistic sensor: ``base`` with every randomised field drawn from ``ranges``."""
    on = float(rng.uniform(*ranges.threshold))
    off = on * _log_uniform(rng, ranges.off_on_ratio)
    return dataclasses.replace(
        base,
        pos_threshold=on,
        neg_threshold=max(off, base.min_threshold),
        threshold_sigma=float(rng.uniform(*ranges.threshold_sigma)),
        leak_rate_hz=_log_uniform(rng, ranges.leak_rate_hz),
        shot_noise_rate_hz=_log_uniform(rng, ranges.shot_noise_rate_hz),
        refractory_us=round(float(rng.uniform(*ranges.refractory_us))),
        photoreceptor_cutoff_hz=_log_uniform(rng, ranges.photoreceptor_cutoff_hz),
        hot_pixel_fraction=float(rng.uniform(*ranges.hot_pixel_fraction)),
        hot_pixel_rate_hz=_log_uniform(rng, ranges.hot_pixel_rate_hz),
    )


def _log_uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    """Log-uniform in [low, high]; uniform when low is 0 (a log scale has no 0)."""
    low, high = bounds
    if low <= 0:
        return float(rng.uniform(low, high))
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))
