"""The realistic sensor: photoreceptor lag, hot pixels, and the per-recording profile draw."""

from __future__ import annotations

import dataclasses

import numpy as np

from stra_live.simulator.config import SensorRanges, SimConfig, SimulatorConfig
from stra_live.simulator.esim import EventSimulator
from stra_live.simulator.profiles import recording_setup

QUIET = SimulatorConfig(threshold_sigma=0.0, leak_rate_hz=0.0, shot_noise_rate_hz=0.0,
                        refractory_us=0)


def first_event_time(config: SimulatorConfig, low: float, high: float) -> int:
    """Time (us) of the first event of a pixel going from ``low`` (t=0) to ``high`` (t>=1000)."""
    simulator = EventSimulator((1, 1), config, seed=0)
    simulator.step(np.full((1, 1), low, np.float32), 0)
    for t in range(1000, 40_000, 1000):  # 1 kHz samples of the new level
        events = simulator.step(np.full((1, 1), high, np.float32), t)
        if len(events):
            return int(events["t"][0])
    raise AssertionError("no event within 40 ms")


def test_photoreceptor_lowpass_delays_dark_pixels_more_than_bright_ones() -> None:
    lagging = dataclasses.replace(QUIET, photoreceptor_cutoff_hz=100.0)
    # The same log step (x1.5) once in the dark and once in bright light.
    dark, bright = first_event_time(lagging, 0.1, 0.15), first_event_time(lagging, 0.6, 0.9)
    ideal = first_event_time(QUIET, 0.1, 0.15)
    assert ideal == first_event_time(QUIET, 0.6, 0.9)  # without lag only the log step counts
    assert ideal < bright < dark
    assert dark - ideal > 2 * (bright - ideal)


def test_hot_pixels_fire_at_their_rate_with_a_fixed_polarity_on_a_still_scene() -> None:
    config = dataclasses.replace(QUIET, hot_pixel_fraction=0.01, hot_pixel_rate_hz=100.0)
    simulator = EventSimulator((40, 50), config, seed=1)
    still = np.full((40, 50), 0.5, np.float32)
    simulator.step(still, 0)
    events = np.concatenate([simulator.step(still, t) for t in range(10_000, 1_000_010, 10_000)])
    pixels = np.unique(events["y"].astype(int) * 50 + events["x"])
    assert len(pixels) == 20  # 1% of 2000 pixels, and nothing else fires on a still scene
    rate = len(events) / 20 / 1.0
    assert 70 < rate < 130  # 100 Hz on average (rates drawn in 0.5-1.5x)
    for pixel in pixels:
        mine = events["p"][(events["y"].astype(int) * 50 + events["x"]) == pixel]
        assert len(np.unique(mine)) == 1


def test_realistic_profile_draws_a_reproducible_sensor_inside_the_ranges() -> None:
    config = SimConfig(profile="realistic")
    ranges = SensorRanges()
    sensors = [recording_setup(config, seed)[1] for seed in range(20)]
    assert recording_setup(config, 3) == recording_setup(config, 3)
    assert len({s.pos_threshold for s in sensors}) == 20
    for sensor in sensors:
        assert ranges.threshold[0] <= sensor.pos_threshold <= ranges.threshold[1]
        ratio = sensor.neg_threshold / sensor.pos_threshold
        assert ranges.off_on_ratio[0] - 1e-9 <= ratio <= ranges.off_on_ratio[1] + 1e-9
        assert sensor.photoreceptor_cutoff_hz > 0
    speeds = {recording_setup(config, seed)[0].speed_px_s for seed in range(20)}
    assert min(speeds) < 400 < max(speeds)


def test_ideal_profile_is_the_configured_sensor_untouched() -> None:
    config = SimConfig()
    assert recording_setup(config, 5) == (config.scene, config.events)
