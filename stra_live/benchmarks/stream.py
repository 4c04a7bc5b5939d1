"""`stra-bench stream`: the streaming engine against naive per-window recomputation.

Both run the same network on the same pre-simulated 240x180 stream (the demo
scene: APS frames with their events). The streaming engine pushes packets and
deblurs every frame once its T+1 has arrived, reusing each encoding; the naive
path voxelises the three windows and runs the whole offline network for every
output. Latency is the engine's: from the packet that made a frame ready to
its deblurred output (lookahead 1 adds one frame interval of waiting on a live
camera, which a pre-recorded stream does not show).

``--options`` also times the default network's streamed step under each
inference speed option (channels-last, ``torch.compile``; see
:mod:`stra_live.engine.speed`) beside eager, in the same run, with the cost
of compiling on a cold and on a warm cache.

"two workers" runs the same stream through the app's :class:`Pipeline` in
lossless mode: an encoder thread pushes packets and encodes each frame while
the decoder thread deblurs the previous one (what the app does).

Torch runs with the app's CPU thread count (``engine.cpu_threads`` in
configs/live.yaml) unless ``--threads`` says otherwise. The two paths take
turns for ``--rounds`` rounds and each keeps its best round, so a burst of load
from another process on a shared machine hits both alike rather than one.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from models.checkpoint import load_checkpoint
from models.config import ModelConfig
from models.stra import STRA
from models.weights import DEFAULT, KINDS, default_config, default_weights
from stra_live.config import CONFIG_DIR, load_config
from stra_live.engine.config import EngineConfig, LiveConfig
from stra_live.engine.engine import StreamingEngine
from stra_live.engine.pipeline import Pipeline, PipelineCallbacks
from stra_live.engine.runtime import ModelRuntime
from stra_live.engine.speed import SpeedOptions, apply_speed_options
from stra_live.events import Frame
from stra_live.sources.base import Packet
from stra_live.sources.simulated import SimulatorSource, SimulatorSourceConfig
from stra_live.voxel.buffer import RollingEventBuffer
from stra_live.voxel.window import event_span, window_grids_of

log = logging.getLogger(__name__)

OPTION_SETS = {
    "channels-last": SpeedOptions(channels_last=True),
    "compile": SpeedOptions(compile="default"),
    "compile+channels-last": SpeedOptions(channels_last=True, compile="default"),
    "compile-max-autotune": SpeedOptions(compile="max-autotune"),
}
"""``--options`` names -> what they apply (eager is always timed as the reference)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the stream benchmark."""
    parser.add_argument("--frames", type=int, default=60, help="APS frames to deblur (60)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: the app's, engine.cpu_threads in "
                             "configs/live.yaml)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds of streaming and naive; the best of each is kept")
    parser.add_argument("--options", nargs="*", default=["channels-last", "compile",
                                                         "compile+channels-last"],
                        choices=sorted(OPTION_SETS),
                        help="speed options timed beside eager on the default network "
                             "(none: skip)")
    parser.add_argument("--kinds", nargs="+", default=["realtime", DEFAULT, "paper"],
                        type=network_kind,
                        help=f"networks: a shipped kind ({', '.join(KINDS)}) or a "
                             ".safetensors file; the first is the headline and the "
                             "reference of the step-cost ratios")
    parser.add_argument("--app-options", action="store_true",
                        help="run the networks with the app's speed options "
                             "(engine.channels_last and engine.compile in configs/live.yaml) "
                             "instead of eager")


def run(args: argparse.Namespace) -> dict:
    """Print per-configuration figures; return the headline configuration's JSON dict."""
    if args.rounds < 1 or args.frames < 1:
        raise SystemExit("--rounds and --frames must be >= 1")
    engine_config = load_config(LiveConfig, CONFIG_DIR / "live.yaml").engine
    threads = engine_config.cpu_threads if args.threads is None else args.threads
    if threads:
        torch.set_num_threads(threads)
    packets = record_stream(args.frames + 1)
    print(f"stream: {args.frames + 1} APS frames at 240x180, "
          f"{sum(len(p.events) for p in packets)} events, torch threads "
          f"{torch.get_num_threads()}, best of {args.rounds} alternating rounds")
    labels = [Path(k).stem if k.endswith(".safetensors") else k for k in args.kinds]
    speed = (SpeedOptions(engine_config.channels_last, engine_config.compile)
             if args.app_options else SpeedOptions())
    print(f"  networks run {speed.label}")
    runtimes = [ModelRuntime(apply_speed_options(load_network(kind), speed), torch.device("cpu"))
                for kind in args.kinds]
    best = {label: {"stream": (0.0, 0.0, 0.0), "naive": 0.0, "two": 0.0} for label in labels}
    # Round by round over every network, so a burst of load from another process on a
    # shared machine hits all of them alike and their ratio stays fair.
    for _ in range(args.rounds):
        for label, runtime in zip(labels, runtimes, strict=True):
            figures = best[label]
            streamed = measure_streaming(runtime, packets)
            if streamed[0] > figures["stream"][0]:
                figures["stream"] = streamed
            figures["naive"] = max(figures["naive"], measure_naive(runtime, packets))
            figures["two"] = max(figures["two"], measure_two_workers(runtime, packets))
    results = {}
    for label in labels:
        (stream_fps, p50, p95), naive_fps, two_fps = (best[label][key]
                                                      for key in ("stream", "naive", "two"))
        results[label] = {
            "stream_fps": round(stream_fps, 2), "naive_fps": round(naive_fps, 2),
            "speedup": round(stream_fps / naive_fps, 2),
            "latency_p50_ms": round(p50, 1), "latency_p95_ms": round(p95, 1),
            "two_workers_fps": round(two_fps, 2),
            "two_workers_speedup": round(two_fps / naive_fps, 2),
        }
        print(f"{label:>9}: streaming {stream_fps:6.1f} fps | naive {naive_fps:6.1f} fps | "
              f"speedup {stream_fps / naive_fps:4.2f}x | "
              f"latency p50 {p50:.1f} ms, p95 {p95:.1f} ms | "
              f"two workers {two_fps:6.1f} fps ({two_fps / naive_fps:4.2f}x naive)")
    for label in labels[1:]:
        ratio = results[labels[0]]["stream_fps"] / results[label]["stream_fps"]
        two = results[labels[0]]["two_workers_fps"] / results[label]["two_workers_fps"]
        results[label]["step_cost_ratio"] = round(ratio, 3)
        print(f"{label:>9}: streamed step costs {ratio:.2f}x {labels[0]}'s "
              f"({two:.2f}x with two workers)")
    headline = dict(results[labels[0]])
    headline["configuration"] = labels[0]
    headline["threads"] = torch.get_num_threads()
    if args.options:
        headline["options"] = measure_options(packets, args.options, args.rounds)
    for label in labels[1:]:
        headline.update({f"{label}_{key}": value for key, value in results[label].items()})
    return headline


def network_kind(value: str) -> str:
    """argparse type of ``--kinds``: a shipped kind or an existing checkpoint file."""
    if value in KINDS or (value.endswith(".safetensors") and Path(value).is_file()):
        return value
    raise argparse.ArgumentTypeError(
        f"{value!r} is neither a shipped kind ({', '.join(KINDS)}) nor an existing "
        ".safetensors file")


def load_network(kind: str) -> STRA:
    """The shipped weights of ``kind`` (or a checkpoint file), or the kind's architecture
    with random weights if its file is absent.

    Speed does not depend on the weights, so the benchmark runs before training too.
    """
    if kind.endswith(".safetensors"):
        return load_checkpoint(kind)[0]
    path = default_weights(kind)  # type: ignore[arg-type]
    if Path(path).exists():
        model, _, _ = load_checkpoint(path)
        return model
    print(f"{kind}: no shipped weights at {path}; timing random weights of that architecture")
    return STRA(load_config(ModelConfig, default_config(kind)))  # type: ignore[arg-type]


def record_stream(frames: int) -> list[Packet]:
    """Packets of the demo scene holding ``frames`` APS frames (simulated before timing)."""
    source = SimulatorSource(SimulatorSourceConfig(pacing="fast", seed=1))
    packets: list[Packet] = []
    seen = 0
    for packet in source.packets():
        packets.append(packet)
        seen += len(packet.frames)
        if seen > frames:  # one more packet after the last frame carries its watermark
            break
    source.close()
    return packets


def measure_streaming(runtime: ModelRuntime, packets: list[Packet]) -> tuple[float, float, float]:
    """Frames per second and latency p50/p95 (ms) of the engine over the stream."""
    resolution = runtime_resolution(packets)
    warm = StreamingEngine(runtime, EngineConfig(), resolution)
    for packet in packets[: len(packets) // 4]:
        warm.push(packet)
        warm.process("next")
    engine = StreamingEngine(runtime, EngineConfig(latency_window=10_000), resolution)
    start = time.perf_counter()
    outputs = 0
    rss = []
    for i, packet in enumerate(packets):
        engine.push(packet)
        while engine.process("next") is not None:
            outputs += 1
        if i in (len(packets) // 2, len(packets) - 1):
            rss.append(resident_mb())
    elapsed = time.perf_counter() - start
    stats = engine.stats()
    print(f"  resident memory {rss[0]:.0f} MB half-way, {rss[1]:.0f} MB at the end")
    return outputs / elapsed, stats.latency_p50_ms, stats.latency_p95_ms


class _Replay:
    """Prepared packets as a :class:`~stra_live.sources.base.Source`."""

    has_frames = True

    def __init__(self, packets: list[Packet]) -> None:
        self.name = "benchmark stream"
        self.resolution = runtime_resolution(packets)
        self._packets = packets

    def packets(self) -> Iterator[Packet]:
        """The prepared packets, once."""
        yield from self._packets

    def close(self) -> None:
        """Nothing to release."""


def measure_two_workers(runtime: ModelRuntime, packets: list[Packet]) -> float:
    """Frames per second of the app's pipeline (encoder || decoder threads), every frame."""
    source = _Replay(packets)
    warm_up(runtime, packets)
    engine = StreamingEngine(runtime, EngineConfig(), source.resolution)
    outputs: list[int] = []
    done = threading.Event()
    pipeline = Pipeline(source, engine, PipelineCallbacks(
        lambda result: outputs.append(result.index), on_finished=done.set), mode="lossless")
    start = time.perf_counter()
    pipeline.start()
    done.wait()
    elapsed = time.perf_counter() - start
    pipeline.stop()
    return len(outputs) / elapsed


def resident_mb() -> float:
    """Resident set size of this process in MB (Linux; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure_naive(runtime: ModelRuntime, packets: list[Packet]) -> float:
    """Frames per second when every output recomputes its three frames and windows."""
    resolution = runtime_resolution(packets)
    representation = runtime.config.representation
    buffer = RollingEventBuffer(resolution, horizon_us=2_000_000)
    frames: list[Frame] = []
    outputs = 0
    runtime.forward(np.zeros((3, *resolution), np.float32),
                    np.zeros((3, representation.raw_channels, *resolution), np.float32))  # warm-up
    start = time.perf_counter()
    for packet in packets:
        buffer.append(packet.events)
        frames.extend(packet.frames)
        complete = [f for f in frames if event_span(representation, f.exposure_start,
                                                    f.exposure_end)[1] < packet.watermark]
        while outputs + 2 <= len(complete):
            triplet = [complete[max(outputs - 1, 0)], complete[outputs], complete[outputs + 1]]
            images = np.stack([f.as_float() for f in triplet])
            voxels = np.stack([
                window_grids_of(representation,
                                buffer.events_between(*event_span(
                                    representation, f.exposure_start, f.exposure_end)),
                                f.exposure_start, f.exposure_end, resolution)
                for f in triplet])
            runtime.forward(images, voxels)
            outputs += 1
    return outputs / (time.perf_counter() - start)


def runtime_resolution(packets: list[Packet]) -> tuple[int, int]:
    """(height, width) of the first frame in the packets."""
    first = next(itertools.chain.from_iterable(p.frames for p in packets))
    return first.resolution


def measure_options(packets: list[Packet], names: list[str], rounds: int) -> dict:
    """Streamed-step fps of the default network under each option, beside eager (one run).

    The options take turns round by round (best round kept). Compiling is timed
    twice: on first use, and again after resetting dynamo, when inductor's
    caches are warm (what a later start of the app pays).
    """
    runtimes = {"eager": ModelRuntime(load_network(DEFAULT), torch.device("cpu"))}
    startup: dict[str, dict] = {}
    for name in names:
        options = OPTION_SETS[name]
        model = apply_speed_options(load_network(DEFAULT), options)
        runtimes[name] = ModelRuntime(model, torch.device("cpu"))
        startup[name] = {"first_s": round(warm_up(runtimes[name], packets), 1)}
        if options.compile != "off":
            torch._dynamo.reset()
            startup[name]["cached_s"] = round(warm_up(runtimes[name], packets), 1)
    best = dict.fromkeys(runtimes, 0.0)
    for _ in range(rounds):
        for name, runtime in runtimes.items():
            best[name] = max(best[name], measure_streaming(runtime, packets)[0])
    figures = {}
    for name, fps in best.items():
        figures[name] = {"stream_fps": round(fps, 2), "vs_eager": round(fps / best["eager"], 2),
                         **startup.get(name, {})}
        costs = ", ".join(f"{k} {v} s" for k, v in startup.get(name, {}).items())
        print(f"  option {name:>22}: streamed step {fps:6.1f} fps | "
              f"{fps / best['eager']:4.2f}x eager" + (f" | start-up {costs}" if costs else ""))
    return figures


def warm_up(runtime: ModelRuntime, packets: list[Packet]) -> float:
    """Seconds until the engine has deblurred a few frames (compiles, if compiling)."""
    began = time.perf_counter()
    engine = StreamingEngine(runtime, EngineConfig(), runtime_resolution(packets))
    outputs = 0
    for packet in packets:
        engine.push(packet)
        while engine.process("next") is not None:
            outputs += 1
        if outputs >= 4:
            break
    return time.perf_counter() - began
