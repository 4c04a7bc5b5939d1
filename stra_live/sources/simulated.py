"""The demo source: an endless simulated DAVIS stream of blurry APS frames and events.

Renders a synthetic scene at the render rate (240 Hz), simulates its events,
and every ``frame_interval`` sharp frames emits one APS-like frame, the mean of
the first ``blur_frames`` sharp frames of the interval (GoPro-style blur). It
is the app's default source when no camera is plugged in, and the source the
tests use. One packet per sharp frame: its events, the APS frame whose
exposure just ended (if any), and a watermark one microsecond past the frame.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from stra_live.events import Frame, empty_events
from stra_live.simulator.blur import blurred_frame
from stra_live.simulator.config import SceneConfig, SimulatorConfig
from stra_live.simulator.esim import EventSimulator, simulator_seed
from stra_live.simulator.scene import SceneRenderer, frame_timestamp
from stra_live.sources.base import Packet


@dataclass(frozen=True)
class SimulatorSourceConfig:
    """Settings of :class:`SimulatorSource`.

    Attributes:
        scene: rendered scene (resolution, rate, textures, camera speeds).
        events: pixel model of the event simulator.
        seed: the same seed gives the same stream.
        aps_fps: APS frames per second; the frame interval is
            round(render_hz / aps_fps) sharp frames (24 fps = every 10th at 240 Hz).
        blur_frames: sharp frames averaged per APS frame (k, 7-13 as GoPro);
            at most the frame interval, since exposures cannot overlap.
        pacing: "realtime" sleeps so the stream keeps to the wall clock;
            "fast" delivers as fast as it is computed.
        scene_seconds: a new scene (texture and trajectory) starts every this
            many seconds, at an APS frame boundary; 0 keeps one scene forever.
        frame_dtype: image type of the emitted frames.
        ground_truth_frames: how many recent sharp middle frames
            :meth:`SimulatorSource.ground_truth` remembers.
    """

    scene: SceneConfig = field(default_factory=SceneConfig)
    events: SimulatorConfig = field(default_factory=SimulatorConfig)
    seed: int = 0
    aps_fps: float = 24.0
    blur_frames: int = 9
    pacing: Literal["realtime", "fast"] = "realtime"
    scene_seconds: float = 10.0
    frame_dtype: Literal["float32", "uint8"] = "float32"
    ground_truth_frames: int = 64

    def __post_init__(self) -> None:
        if not 0 < self.aps_fps <= self.scene.render_hz:
            raise ValueError(f"aps_fps must be in (0, render_hz], got {self.aps_fps}")
        if not 1 <= self.blur_frames <= self.frame_interval:
            raise ValueError(
                f"blur_frames must be in 1..{self.frame_interval} (the frame interval), "
                f"got {self.blur_frames}"
            )
        if self.scene_seconds < 0:
            raise ValueError(f"scene_seconds must be >= 0, got {self.scene_seconds}")
        if self.ground_truth_frames < 0:
            raise ValueError(f"ground_truth_frames must be >= 0, got {self.ground_truth_frames}")

    @property
    def frame_interval(self) -> int:
        """Sharp frames from one APS frame's start to the next's."""
        return max(1, round(self.scene.render_hz / self.aps_fps))

    @property
    def frames_per_scene(self) -> int | None:
        """Sharp frames per scene, a whole number of frame intervals; None = endless."""
        if self.scene_seconds == 0:
            return None
        intervals = max(1, round(self.scene_seconds * self.scene.render_hz / self.frame_interval))
        return intervals * self.frame_interval


class SimulatorSource:
    """Endless simulated stream implementing :class:`stra_live.sources.base.Source`.

    Args:
        config: scene, pixel model, APS rate and blur, pacing.

    Attributes:
        name: describes the stream.
        resolution: (height, width).
        has_frames: always True.
    """

    has_frames = True

    def __init__(self, config: SimulatorSourceConfig | None = None) -> None:
        self.config = config or SimulatorSourceConfig()
        self.name = f"simulated scene (seed {self.config.seed})"
        self.resolution = self.config.scene.resolution
        self._stop = threading.Event()
        self._truth: OrderedDict[int, np.ndarray] = OrderedDict()
        self._truth_lock = threading.Lock()

    def packets(self) -> Iterator[Packet]:
        """Yield one packet per sharp frame until :meth:`close` is called."""
        cfg = self.config
        hz, interval, k = cfg.scene.render_hz, cfg.frame_interval, cfg.blur_frames
        per_scene = cfg.frames_per_scene
        simulator = EventSimulator(
            self.resolution, cfg.events, seed=simulator_seed(cfg.seed), name=self.name
        )
        renderer: SceneRenderer | None = None
        exposure: list[tuple[int, np.ndarray]] = []
        start_wall = time.perf_counter()
        index = 0
        while not self._stop.is_set():
            t_us = frame_timestamp(index, hz)
            new_scene = renderer is None or (per_scene is not None and index % per_scene == 0)
            if new_scene:
                renderer = SceneRenderer(cfg.scene, cfg.seed, variant=index // (per_scene or 1))
            image = renderer.render(t_us)
            if new_scene:
                # Cuts restart the references: a cut in the scene is no brightness change.
                simulator.reset(image, t_us)
                events = empty_events()
            else:
                events = simulator.step(image, t_us)
            frames: tuple[Frame, ...] = ()
            if index % interval < k:
                exposure.append((t_us, image))
            if index % interval == k - 1:
                frames = (self._aps_frame(exposure),)
                exposure = []
            if cfg.pacing == "realtime" and self._stop.wait(
                max(0.0, start_wall + t_us * 1e-6 - time.perf_counter())
            ):
                return
            yield Packet(events=events, frames=frames, watermark=t_us + 1)
            index += 1

    def ground_truth(self, timestamp: int) -> np.ndarray | None:
        """The sharp middle frame of the APS frame with ``timestamp`` (us), if still remembered.

        Returns:
            (H, W) float32 in [0, 1], or None for an unknown or forgotten frame.
        """
        with self._truth_lock:
            return self._truth.get(int(timestamp))

    def close(self) -> None:
        """Stop the stream; a pacing sleep in another thread wakes at once. Safe to call twice."""
        self._stop.set()

    def _aps_frame(self, exposure: list[tuple[int, np.ndarray]]) -> Frame:
        """Blur the exposure's sharp frames into one APS frame and remember its middle frame."""
        frame = blurred_frame([image for _, image in exposure], [t for t, _ in exposure])
        if self.config.frame_dtype == "uint8":
            frame = Frame(frame.as_uint8(), frame.timestamp, frame.exposure_start,
                          frame.exposure_end)
        if self.config.ground_truth_frames > 0:
            with self._truth_lock:
                self._truth[frame.timestamp] = exposure[len(exposure) // 2][1]
                while len(self._truth) > self.config.ground_truth_frames:
                    self._truth.popitem(last=False)
        return frame
