"""Tests of the demo SimulatorSource: stream guarantees, blur, determinism, pacing, close()."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest

from stra_live.simulator.config import SceneConfig, SimulatorConfig
from stra_live.simulator.scene import SceneRenderer, frame_timestamp
from stra_live.sources.base import Packet, Source
from stra_live.sources.simulated import SimulatorSource, SimulatorSourceConfig

SCENE = SceneConfig(resolution=(12, 16))


def fast(**overrides: object) -> SimulatorSourceConfig:
    return SimulatorSourceConfig(**{"scene": SCENE, "pacing": "fast", "seed": 5, **overrides})


def take(source: SimulatorSource, n: int) -> list[Packet]:
    packets = list(itertools.islice(source.packets(), n))
    source.close()
    return packets


def test_is_a_source_with_frames() -> None:
    source = SimulatorSource(fast())
    assert isinstance(source, Source)
    assert source.has_frames and source.resolution == (12, 16)


def test_stream_keeps_the_source_guarantees() -> None:
    packets = take(SimulatorSource(fast()), 60)
    last_event, last_watermark = -1, 0
    for packet in packets:
        t = packet.events["t"]
        assert np.all(np.diff(t) >= 0)
        if len(t):
            assert t[0] >= last_watermark and t[0] >= last_event
            assert t[-1] < packet.watermark
            last_event = int(t[-1])
        for frame in packet.frames:
            assert frame.exposure_end < packet.watermark  # all its events delivered
        assert packet.watermark > last_watermark
        last_watermark = packet.watermark
    assert sum(len(p.events) for p in packets) > 0


def test_aps_frames_are_the_mean_of_k_sharp_frames_every_interval() -> None:
    config = fast(aps_fps=24.0, blur_frames=7)
    packets = take(SimulatorSource(config), 30)
    frames = [(i, f) for i, p in enumerate(packets) for f in p.frames]
    assert [i for i, _ in frames] == [6, 16, 26]  # interval 10, exposure = its first 7 frames
    renderer = SceneRenderer(SCENE, seed=5)
    for index, frame in frames:
        stamps = [frame_timestamp(j, 240.0) for j in range(index - 6, index + 1)]
        assert (frame.exposure_start, frame.exposure_end) == (stamps[0], stamps[-1])
        assert frame.timestamp == stamps[0] and frame.image.dtype == np.float32
        expected = np.mean([renderer.render(t) for t in stamps], axis=0)
        assert np.allclose(frame.image, expected, atol=1e-6)


def test_ground_truth_is_the_sharp_middle_frame_of_each_aps_frame() -> None:
    source = SimulatorSource(fast(blur_frames=9, ground_truth_frames=2))
    frames = [f for p in take(source, 40) for f in p.frames]
    renderer = SceneRenderer(SCENE, seed=5)
    for frame in frames[-2:]:
        middle = frame_timestamp(round(frame.timestamp * 240 / 1e6) + 4, 240.0)
        assert np.array_equal(source.ground_truth(frame.timestamp), renderer.render(middle))
    assert source.ground_truth(frames[0].timestamp) is None  # forgotten beyond 2


def test_same_seed_same_stream() -> None:
    a, b = take(SimulatorSource(fast()), 25), take(SimulatorSource(fast()), 25)
    c = take(SimulatorSource(fast(seed=6)), 25)
    for pa, pb in zip(a, b, strict=True):
        assert np.array_equal(pa.events, pb.events) and pa.watermark == pb.watermark
        assert [f.image.tobytes() for f in pa.frames] == [f.image.tobytes() for f in pb.frames]
    assert any(not np.array_equal(pa.events, pc.events) for pa, pc in zip(a, c, strict=True))


def test_a_new_scene_starts_without_an_event_burst() -> None:
    quiet = SimulatorConfig(leak_rate_hz=0.0, shot_noise_rate_hz=0.0)
    scene = SceneConfig(resolution=(24, 32), texture="checkerboard")
    config = fast(scene=scene, events=quiet, scene_seconds=10 / 240)  # new scene every 10 frames
    assert config.frames_per_scene == 10
    packets = take(SimulatorSource(config), 21)
    assert len(packets[10].events) == 0 and len(packets[20].events) == 0
    assert len(packets[11].events) > 0


def test_uint8_frames() -> None:
    frames = [f for p in take(SimulatorSource(fast(frame_dtype="uint8")), 10) for f in p.frames]
    assert frames and all(f.image.dtype == np.uint8 for f in frames)


@pytest.mark.timeout(20)
def test_realtime_stream_keeps_to_the_wall_clock_and_close_stops_it() -> None:
    source = SimulatorSource(fast(pacing="realtime"))
    seen: list[tuple[float, int]] = []
    start = time.perf_counter()

    def consume() -> None:
        for packet in source.packets():
            seen.append((time.perf_counter() - start, packet.watermark))

    worker = threading.Thread(target=consume)
    worker.start()
    time.sleep(0.3)
    source.close()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert seen
    for elapsed, watermark in seen:  # never ahead of the wall clock
        assert (watermark - 1) * 1e-6 <= elapsed + 1e-3
    source.close()  # twice is fine


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="blur_frames"):
        SimulatorSourceConfig(aps_fps=30.0, blur_frames=9)  # interval 8 < 9
    with pytest.raises(ValueError, match="aps_fps"):
        SimulatorSourceConfig(aps_fps=0.0)
