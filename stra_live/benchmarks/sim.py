"""`stra-bench sim`: throughput of the scene renderer and the event simulator.

Three figures, each after a warm-up that excludes Numba compilation:
rendering alone, event simulation alone (on frames rendered beforehand), and
both together as the demo source and `stra-sim` run them. At 240 Hz a rate
above 240 frames per second is faster than real time.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from stra_live.simulator.config import SceneConfig, SimulatorConfig
from stra_live.simulator.esim import EventSimulator, simulator_seed
from stra_live.simulator.scene import SceneRenderer, frame_timestamp
from stra_live.simulator.textures import texture_names

WARMUP_FRAMES = 3
"""Frames run before timing, so that JIT compilation is not measured."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `stra-bench sim`."""
    parser.add_argument("--frames", type=int, default=480, help="frames timed (default 480)")
    parser.add_argument("--resolution", type=int, nargs=2, default=(180, 240),
                        metavar=("H", "W"), help="frame size (default 180 240)")
    parser.add_argument("--seed", type=int, default=0, help="scene seed (default 0)")
    parser.add_argument("--texture", choices=texture_names("all"), help="a fixed texture")


def run(args: argparse.Namespace) -> dict:
    """Time rendering, event simulation and both; print them and return the figures.

    Returns:
        ``sim_fps`` (render + events), ``render_fps``, ``event_sim_fps``
        (events alone), ``events_per_frame``, ``realtime_factor`` (sim_fps over
        the render rate), plus the resolution, frame count and texture.
    """
    scene = SceneConfig(resolution=tuple(args.resolution), texture=args.texture)
    renderer = SceneRenderer(scene, args.seed)
    first = WARMUP_FRAMES
    timestamps = [frame_timestamp(i, scene.render_hz) for i in range(first + args.frames)]
    _simulate(renderer, timestamps[:first], args.seed)  # compile the kernels

    start = time.perf_counter()
    frames = [renderer.render(t) for t in timestamps]
    render_s = time.perf_counter() - start

    simulator = _simulator(scene, args.seed)
    for t, frame in zip(timestamps[:first], frames[:first], strict=True):
        simulator.step(frame, t)
    start = time.perf_counter()
    n_events = sum(len(simulator.step(f, t)) for t, f in zip(timestamps[first:], frames[first:],
                                                              strict=True))
    events_s = time.perf_counter() - start

    start = time.perf_counter()
    _simulate(renderer, timestamps, args.seed)
    total_s = time.perf_counter() - start

    result = {
        "sim_fps": len(timestamps) / total_s,
        "render_fps": len(timestamps) / render_s,
        "event_sim_fps": args.frames / events_s,
        "events_per_frame": n_events / args.frames,
        "realtime_factor": len(timestamps) / total_s / scene.render_hz,
        "resolution": list(scene.resolution),
        "frames": args.frames,
        "texture": renderer.texture_name,
    }
    height, width = scene.resolution
    print(f"scene {renderer.texture_name!r} at {width}x{height}, {args.frames} frames")
    print(f"render only:          {result['render_fps']:9.1f} frames/s")
    print(f"event simulation only: {result['event_sim_fps']:8.1f} frames/s "
          f"({result['events_per_frame']:.0f} events/frame)")
    print(f"render + events:      {result['sim_fps']:9.1f} frames/s "
          f"({result['realtime_factor']:.1f}x real time at {scene.render_hz:g} Hz)")
    return result


def _simulator(scene: SceneConfig, seed: int) -> EventSimulator:
    return EventSimulator(scene.resolution, SimulatorConfig(), seed=simulator_seed(seed))


def _simulate(renderer: SceneRenderer, timestamps: list[int], seed: int) -> int:
    """Render and simulate ``timestamps`` with a fresh simulator; return the event count."""
    simulator = _simulator(renderer.config, seed)
    return int(np.sum([len(simulator.step(renderer.render(t), t)) for t in timestamps]))
