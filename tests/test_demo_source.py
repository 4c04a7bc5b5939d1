"""The demo source: rendered once into a versioned cache, then replayed like a recording."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from stra_live.simulator.config import SceneConfig
from stra_live.sources.demo import DemoSource, cache_key, default_cache_dir
from stra_live.sources.simulated import SimulatorSource, SimulatorSourceConfig

pytestmark = pytest.mark.timeout(120)

LOOP_S = 0.5


def small(**overrides: object) -> SimulatorSourceConfig:
    scene = SceneConfig(resolution=(36, 48))
    return SimulatorSourceConfig(scene=scene, pacing="fast", **overrides)  # type: ignore[arg-type]


def test_replays_exactly_what_the_simulator_produced(tmp_path: Path) -> None:
    config = small()
    demo = DemoSource(config, loop_seconds=LOOP_S, cache_dir=tmp_path)
    replayed = []
    for packet in demo.packets():
        if packet.watermark > LOOP_S * 1e6:
            break
        replayed.append(packet)
    live = []
    for packet in SimulatorSource(config).packets():
        if packet.watermark > LOOP_S * 1e6:
            break
        live.append(packet)
    events = np.concatenate([p.events for p in replayed])
    expected = np.concatenate([p.events for p in live])
    cut = 400_000  # both streams have delivered everything before this
    assert np.array_equal(events[events["t"] < cut], expected[expected["t"] < cut])
    frames = [f for p in replayed for f in p.frames]
    truth = [f for p in live for f in p.frames]
    assert [f.timestamp for f in frames] == [f.timestamp for f in truth]
    assert np.array_equal(frames[3].image, truth[3].as_uint8())  # uint8, as a DAVIS delivers
    assert demo.fps == config.aps_fps


def test_second_open_replays_the_cache_and_loops_forward_in_time(tmp_path: Path) -> None:
    first = DemoSource(small(), loop_seconds=LOOP_S, cache_dir=tmp_path)
    stamp = (first.folder / "events.npy").stat().st_mtime_ns
    again = DemoSource(small(), loop_seconds=LOOP_S, cache_dir=tmp_path)
    assert again.folder == first.folder
    assert (again.folder / "events.npy").stat().st_mtime_ns == stamp  # not rendered twice
    timestamps = []
    for packet in again.packets():
        timestamps += [f.timestamp for f in packet.frames]
        if packet.watermark > 2.5 * LOOP_S * 1e6:
            break
    assert len(timestamps) > 2 * LOOP_S * 24 and np.all(np.diff(timestamps) > 0)


def test_cache_key_changes_with_the_scene_and_the_loop() -> None:
    base = small()
    assert cache_key(base, 1.0) == cache_key(dataclasses.replace(base, pacing="realtime"), 1.0)
    assert cache_key(base, 1.0) != cache_key(dataclasses.replace(base, seed=1), 1.0)
    assert cache_key(base, 1.0) != cache_key(base, 2.0)


def test_cache_dir_follows_the_environment(tmp_path: Path) -> None:
    assert default_cache_dir({"STRA_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert default_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "stra-live"


def test_bad_loop_length_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="loop_seconds"):
        DemoSource(small(), loop_seconds=0, cache_dir=tmp_path)
