"""`stra-bench pipeline`: the real Pipeline (source -> engine -> sinks) end to end, per source.

Every scenario runs the app's default configuration (``configs/live.yaml``:
the shipped real-time network, lookahead 1, one torch thread) through the same
:class:`~stra_live.engine.pipeline.Pipeline` as the window, in live mode
(newest frame first, drops counted), for:

* ``demo``: the embedded demo scene, replayed from its render cache in real time;
* ``aedat4``: a DAVIS240C-like AEDAT4 recording this benchmark writes itself
  (240x180, 26.7 fps APS, 33 ms exposures, a few M events/s), paced like a camera;
* ``network``: the same recording served by ``dv.io.NetworkWriter`` on two
  localhost ports (events, frames) by a separate process, at its own pace;

each without and with a recording sink (AEDAT4 + side-by-side MP4, as the
record button). For each: frames offered, frames deblurred, the share,
latency p50/p95 (frame's events complete -> deblurred), events/s and CPU
seconds per thread. The last line is one JSON object, one key per scenario.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import resource
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from stra_live.benchmarks.davis_stream import DvServer, davis240_config, write_davis_recording
from stra_live.benchmarks.threads import ThreadCpuSampler
from stra_live.config import CONFIG_DIR, load_config
from stra_live.engine.build import build_engine
from stra_live.engine.config import LiveConfig
from stra_live.engine.pipeline import Pipeline, PipelineCallbacks
from stra_live.engine.results import DeblurResult
from stra_live.sources.base import Packet, Source
from stra_live.sources.demo import DemoSource, default_cache_dir
from stra_live.sources.factory import open_source

log = logging.getLogger(__name__)

SOURCES = ("demo", "aedat4", "network")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the pipeline benchmark."""
    parser.add_argument("--seconds", type=float, default=8.0,
                        help="stream length of each scenario (8)")
    parser.add_argument("--sources", nargs="+", default=list(SOURCES), choices=SOURCES,
                        help="which sources to run (all)")
    parser.add_argument("--record", choices=("both", "off", "on"), default="both",
                        help="run each source without and/or with the recording sink")
    parser.add_argument("--contrast", type=float, default=0.1,
                        help="contrast threshold of the DAVIS240C-like recording (0.1: ~1-3 M "
                             "events/s on the simulated scene)")
    parser.add_argument("--checkpoint", type=Path, default=None,
                        help="network to run instead of the app's default weights")


BURST_GAP_S = 0.005
"""Frames arriving closer than this to the previous one came in a burst (25-30 fps: 33-40 ms)."""


class _Counter:
    """A sink that counts the events and frames the engine was given, and when frames came.

    Bursts matter: frames that arrive together were delayed on the way (the
    localhost DV server's sends wait for a free core), and a live consumer
    can only show the newest of them.
    """

    def __init__(self) -> None:
        self.events = 0
        self.frames = 0
        self.first_t: int | None = None
        self.last_t: int | None = None
        self.arrivals: list[float] = []

    @property
    def burst_share(self) -> float:
        """Share of frames that arrived within :data:`BURST_GAP_S` of the one before."""
        gaps = np.diff(self.arrivals)
        return float(np.mean(gaps < BURST_GAP_S)) if len(gaps) else 0.0

    def write_packet(self, packet: Packet) -> None:
        self.events += len(packet.events)
        self.frames += len(packet.frames)
        self.arrivals.extend(time.monotonic() for _ in packet.frames)
        if len(packet.events):
            self.first_t = int(packet.events["t"][0]) if self.first_t is None else self.first_t
            self.last_t = int(packet.events["t"][-1])

    def write_result(self, result: DeblurResult) -> None:
        pass


class _Recorder:
    """The record button's sink without Qt: a SessionRecorder fed from the pipeline."""

    def __init__(self, folder: Path, source: Source) -> None:
        from stra_live.recording.recorder import SessionRecorder

        self.recorder = SessionRecorder(folder, source.resolution, record_mp4=True,
                                        with_frames=source.has_frames)

    def write_packet(self, packet: Packet) -> None:
        self.recorder.write_packet(packet)

    def write_result(self, result: DeblurResult) -> None:
        if result.deblurred is not None and result.frame_timestamp is not None:
            self.recorder.write_result(result.frame_timestamp, result.deblurred, result.blurry)


def free_port() -> int:
    """A TCP port free on localhost now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_scenario(name: str, source: Source, config: LiveConfig, record_dir: Path | None,
                 wait: Callable[[threading.Event], None]) -> dict:
    """Run one source through the app's pipeline until ``wait`` returns; its figures."""
    engine_config = dataclasses.replace(config.engine, latency_window=100_000)
    engine = build_engine(engine_config, source.resolution, source.has_frames, source.name)
    done = threading.Event()
    problems: list[str] = []
    callbacks = PipelineCallbacks(lambda result: None, on_notice=problems.append,
                                  on_error=problems.append, on_finished=done.set)
    pipeline = Pipeline(source, engine, callbacks)
    counter = _Counter()
    pipeline.add_sink(counter)
    recorder = _Recorder(record_dir, source) if record_dir is not None else None
    if recorder is not None:
        pipeline.add_sink(recorder)
    children_began = _children_cpu_s()
    with ThreadCpuSampler() as sampler:
        began, cpu_began = time.monotonic(), time.process_time()
        pipeline.start()
        wait(done)
        wall, cpu = time.monotonic() - began, time.process_time() - cpu_began
        pipeline.stop(timeout=10)
    summary = recorder.recorder.stop(30) if recorder is not None else None
    stats = engine.stats()
    span_s = ((counter.last_t - counter.first_t) / 1e6
              if counter.first_t is not None and counter.last_t is not None else 0.0)
    offered = stats.frames_in
    result = {
        "offered": offered, "deblurred": stats.frames_out,
        "share": round(stats.frames_out / offered, 3) if offered else 0.0,
        "latency_p50_ms": round(stats.latency_p50_ms, 1),
        "latency_p95_ms": round(stats.latency_p95_ms, 1),
        "events_per_s": round(counter.events / span_s) if span_s else 0,
        "frames_in_bursts": round(counter.burst_share, 3),
        "wall_s": round(wall, 2), "process_cpu_s": round(cpu, 2),
        "thread_cpu_s": {k: v for k, v in sampler.seconds.items() if k.startswith("stra-")},
        "problems": problems[:3],
    }
    if summary is not None:
        # ffmpeg (the MP4) is a child process: its CPU shows in no thread above.
        result["ffmpeg_cpu_s"] = round(_children_cpu_s() - children_began, 2)
        result["recorded_deblurred"] = summary.deblurred_written
        result["recorded_all_input"] = (summary.events_written == counter.events
                                        and summary.frames_written == counter.frames)
        result["recorder_error"] = summary.error
    print_row(name, result)
    return result


def _children_cpu_s() -> float:
    """CPU seconds of this process's finished child processes (ffmpeg, once closed)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def print_row(name: str, r: dict) -> None:
    """One human-readable line per scenario."""
    threads = ", ".join(f"{k} {v:.1f}" for k, v in r["thread_cpu_s"].items())
    recorded = ""
    if "recorded_all_input" in r:
        recorded = (f" | recorded: every event and APS frame {r['recorded_all_input']}, "
                    f"{r['recorded_deblurred']} deblurred; ffmpeg {r['ffmpeg_cpu_s']:.1f} CPU s")
    print(f"{name:>16}: {r['deblurred']:4d}/{r['offered']:4d} deblurred ({r['share']:6.1%}) | "
          f"latency p50 {r['latency_p50_ms']:6.1f} ms, p95 {r['latency_p95_ms']:6.1f} ms | "
          f"{r['events_per_s'] / 1e6:4.2f} M ev/s | {r['frames_in_bursts']:.0%} of frames in "
          f"bursts | wall {r['wall_s']:.1f} s, "
          f"CPU s: {threads}{recorded}", flush=True)


def run(args: argparse.Namespace) -> dict:
    """Run every requested scenario; return {scenario: figures}."""
    if not args.seconds > 0 or not args.contrast > 0:
        raise SystemExit("--seconds and --contrast must be > 0")
    config = load_config(LiveConfig, CONFIG_DIR / "live.yaml")
    if args.checkpoint is not None:
        config = dataclasses.replace(
            config, engine=dataclasses.replace(config.engine, checkpoint=args.checkpoint))
    records = {"both": (False, True), "off": (False,), "on": (True,)}[args.record]
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="stra-bench-pipeline-") as scratch:
        work = Path(scratch)
        recording = work / "davis240.aedat4"
        if {"aedat4", "network"} & set(args.sources):
            began = time.perf_counter()
            figures = write_davis_recording(recording, args.seconds, default_cache_dir(),
                                            davis240_config(args.contrast))
            print(f"recording: {figures} (prepared in {time.perf_counter() - began:.1f} s)")
        for kind in args.sources:
            for record in records:
                name = kind + ("+record" if record else "")
                record_dir = work / name if record else None
                results[name] = _run_kind(kind, recording, config, record_dir, args.seconds)
    return results


def _run_kind(kind: str, recording: Path, config: LiveConfig, record_dir: Path | None,
              seconds: float) -> dict:
    if kind == "demo":
        began = time.perf_counter()
        source = DemoSource()
        print(f"demo: cache {source.folder} ready in {time.perf_counter() - began:.1f} s")
        return run_scenario(kind, source, config, record_dir,
                            lambda done: done.wait(seconds))
    if kind == "aedat4":
        source = open_source(str(recording), pacing="realtime")
        return run_scenario(kind, source, config, record_dir,
                            lambda done: done.wait(seconds + 30))
    ports = (free_port(), free_port())
    server = DvServer(recording, *ports)
    try:
        source = open_source(f"tcp://127.0.0.1:{ports[0]},{ports[1]}")

        def wait(done: threading.Event) -> None:
            server.go()
            server.wait_sent(seconds + 30)
            done.wait(1.0)  # what is still in flight on localhost

        return run_scenario(kind, source, config, record_dir, wait)
    finally:
        server.close()
