"""`stra-bench model`: size, compute, activation memory and CPU speed of STRA.

For the paper and the real-time configuration side by side:

* parameters;
* GFLOPs at 180x320, counted as multiply-accumulates (torch's FlopCounterMode
  total / 2; 1 MAC = 1 "FLOP", the convention of the paper's table, which
  reports 1.10): once for a full forward pass (three frames and three event
  sequences encoded) and once for one streaming step;
* peak activation memory of one forward pass at 240x180 (inference);
* CPU frames per second at 240x180 (DAVIS240C), median over timed runs after
  warm-up, under ``torch.inference_mode`` with ``--threads`` threads: the
  plain forward pass, and the streaming step the engine runs per output frame
  (encode_frame once, encode_events once, memory_entry twice, decode once).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from models.config import ModelConfig
from models.profiling import count_macs, count_parameters, peak_activation_bytes
from models.stra import STRA
from models.weights import DEFAULT, default_config
from stra_live.config import load_config

DAVIS = (180, 240)
"""(height, width) of the speed and memory measurements."""

FLOPS_SIZE = (180, 320)
"""(height, width) of the GFLOPs figure, as in the paper."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `stra-bench model`."""
    parser.add_argument("--paper-config", type=Path, default=default_config("paper"),
                        help="YAML of the paper configuration (default configs/model_paper.yaml)")
    parser.add_argument("--realtime-config", type=Path, default=default_config(DEFAULT),
                        help="YAML of the real-time configuration")
    parser.add_argument("--runs", type=int, default=30,
                        help="timed runs per real-time figure (default 30)")
    parser.add_argument("--paper-runs", type=int, default=5,
                        help="timed runs per paper figure (it is ~20x slower; default 5)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")


def _inputs(config: ModelConfig, size: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Random frames (1, 3, H, W) and sparse signed-count voxels (1, 3, bins, H, W)."""
    generator = torch.Generator().manual_seed(0)
    frames = torch.rand(1, 3, *size, generator=generator)
    voxels = torch.randint(-2, 3, (1, 3, config.raw_channels, *size), generator=generator).float()
    return frames, voxels


def _stream_step(model: STRA, size: tuple[int, int],
                 attention: bool = False) -> Callable[[], torch.Tensor]:
    """One output's work in the streaming engine, the neighbours' encodings already cached.

    ``attention`` makes the decode return its attention weights (explicit path).
    """
    frames, voxels = _inputs(model.config, size)
    padded, _ = model.pad(frames)
    padded_voxels, _ = model.pad(voxels)
    cached = model.encode_frame(padded[:, :1])
    cached_events = model.encode_events(padded_voxels[:, 0])

    def step() -> torch.Tensor:
        new_frame = model.encode_frame(padded[:, 2:3])
        new_events = model.encode_events(padded_voxels[:, 2])
        memory = []
        if model.config.use_tmb:
            memory = [model.memory_entry(cached_events, "past"),
                      model.memory_entry(new_events, "future")]
        out, _ = model.decode((cached, cached, new_frame), padded[:, 1:2], cached_events, memory,
                              attention)
        return out

    return step


def _median_fps(fn: Callable[[], Any], runs: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return 1.0 / statistics.median(seconds)


def measure(config: ModelConfig, runs: int, warmup: int) -> dict[str, float]:
    """All figures of one configuration (random weights; speed does not depend on them)."""
    torch.manual_seed(0)
    model = STRA(config).eval()
    with torch.inference_mode():
        frames, voxels = _inputs(config, FLOPS_SIZE)
        # FlopCounterMode does not see the fused attention kernel; the explicit
        # path (with weights) does the same multiply-adds, so it is the one counted.
        macs = count_macs(lambda: model(frames, voxels, return_attention=True))
        stream_macs = count_macs(_stream_step(model, FLOPS_SIZE, attention=True))
        frames, voxels = _inputs(config, DAVIS)
        peak = peak_activation_bytes(lambda: model(frames, voxels, return_attention=True))
        fps = _median_fps(lambda: model(frames, voxels), runs, warmup)
        stream_fps = _median_fps(_stream_step(model, DAVIS), runs, warmup)
    return {
        "params": count_parameters(model),
        "gflops_180x320": macs / 1e9,
        "stream_gflops_180x320": stream_macs / 1e9,
        "peak_activation_mb_240x180": peak / 2**20,
        "cpu_fps_240x180": fps,
        "stream_fps_240x180": stream_fps,
    }


LABELS = {
    "params": "parameters",
    "gflops_180x320": "GFLOPs (GMACs) at 180x320, forward",
    "stream_gflops_180x320": "GFLOPs (GMACs) at 180x320, stream step",
    "peak_activation_mb_240x180": "peak activations at 240x180 (MB)",
    "cpu_fps_240x180": "CPU fps at 240x180, forward",
    "stream_fps_240x180": "CPU fps at 240x180, stream step",
}


def run(args: argparse.Namespace) -> dict:
    """Measure both configurations, print a table, return the figures.

    Returns:
        the paper configuration's figures under ``params``, ``gflops_180x320``,
        ``stream_gflops_180x320``, ``peak_activation_mb_240x180``,
        ``cpu_fps_240x180``, ``stream_fps_240x180``; the real-time one's under
        the same keys prefixed ``realtime_``; ``realtime_stream_fps_240x180_1thread``
        (on a shared CPU one thread can beat two: no waiting at thread barriers
        while another process holds a core); plus ``threads`` and ``gflops_unit``.
    """
    torch.set_num_threads(args.threads)
    paper = measure(load_config(ModelConfig, args.paper_config), args.paper_runs, args.warmup)
    realtime_config = load_config(ModelConfig, args.realtime_config)
    realtime = measure(realtime_config, args.runs, args.warmup)
    torch.set_num_threads(1)
    with torch.inference_mode():
        model = STRA(realtime_config).eval()
        one_thread = _median_fps(_stream_step(model, DAVIS), args.runs, args.warmup)
    torch.set_num_threads(args.threads)
    print(f"{'':44s}{'paper':>12s}{'realtime':>12s}")
    for key, label in LABELS.items():
        digits = 0 if key == "params" else 2
        print(f"{label:44s}{paper[key]:12.{digits}f}{realtime[key]:12.{digits}f}")
    print(f"{'CPU fps at 240x180, stream step, 1 thread':44s}{'':12s}{one_thread:12.2f}")
    print(f"(torch {torch.__version__}, {args.threads} threads; paper reports 2.36M, 1.10 GFLOPs)")
    return {
        **paper,
        **{f"realtime_{key}": value for key, value in realtime.items()},
        "realtime_stream_fps_240x180_1thread": one_thread,
        "threads": args.threads,
        "gflops_unit": "GMAC (multiply-accumulates; x2 for floating-point operations)",
    }
