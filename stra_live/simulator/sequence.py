"""A finite simulated recording: sharp frames at the render rate and their events.

Used by `stra-sim` (HQF files for training and evaluation) and the benchmark.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from stra_live.events import Frame, empty_events
from stra_live.simulator.config import SimConfig
from stra_live.simulator.esim import EventSimulator, simulator_seed
from stra_live.simulator.profiles import recording_setup
from stra_live.simulator.scene import SceneRenderer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SimulatedSequence:
    """Sharp frames and events of one simulated scene.

    Attributes:
        images: (N, H, W) uint8 sharp frames (rounded from the float renders
            the events were simulated from).
        timestamps: (N,) int64 microseconds, increasing; the first is 0.
        events: EVENT_DTYPE, sorted by t, all within (timestamps[0], timestamps[-1]].
        texture: name of the texture in view.
    """

    images: np.ndarray
    timestamps: np.ndarray
    events: np.ndarray
    texture: str

    @property
    def resolution(self) -> tuple[int, int]:
        """(height, width) of the frames."""
        return int(self.images.shape[1]), int(self.images.shape[2])

    def frames(self) -> list[Frame]:
        """The sharp frames as instantaneous :class:`Frame` objects (exposure = one instant)."""
        return [
            Frame(image, timestamp=int(t), exposure_start=int(t), exposure_end=int(t))
            for image, t in zip(self.images, self.timestamps, strict=True)
        ]


def simulate_sequence(config: SimConfig, seconds: float, seed: int) -> SimulatedSequence:
    """Render ``seconds`` of a random scene at the render rate and simulate its events.

    Args:
        config: scene and pixel model.
        seconds: duration; round(seconds * render_hz) frames, at least 2.
        seed: the same seed gives the same sequence, bit for bit (with the
            "realistic" profile it also picks the sensor and the speed).
    """
    count = max(2, round(seconds * config.scene.render_hz))
    scene, sensor = recording_setup(config, seed)
    renderer = SceneRenderer(scene, seed)
    simulator = EventSimulator(scene.resolution, sensor, seed=simulator_seed(seed), name="stra-sim")
    images = np.empty((count, *config.scene.resolution), dtype=np.uint8)
    timestamps = np.empty(count, dtype=np.int64)
    chunks = [empty_events()]
    for index, (t_us, frame) in enumerate(renderer.frames(0, count)):
        chunks.append(simulator.step(frame, t_us))
        images[index] = np.rint(frame * 255.0)
        timestamps[index] = t_us
    events = np.concatenate(chunks)
    log.info("simulated %d frames of %r, %d events", count, renderer.texture_name, len(events))
    return SimulatedSequence(images, timestamps, events, renderer.texture_name)
