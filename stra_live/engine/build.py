"""Assemble a streaming engine from the live configuration."""

from __future__ import annotations

import numpy as np
import torch

from stra_live.engine.config import EngineConfig
from stra_live.engine.engine import StreamingEngine
from stra_live.engine.runtime import ModelRuntime
from stra_live.engine.speed import SpeedOptions, apply_speed_options
from stra_live.events import Frame, make_events
from stra_live.sources.base import Packet


def build_engine(config: EngineConfig, resolution: tuple[int, int], has_frames: bool = True,
                 source_name: str = "stream") -> StreamingEngine:
    """Load the network (config.checkpoint or the shipped weights), warm it up, wrap it.

    The warm-up (:func:`warm_up_engine`) runs every streamed method of the
    network and every Numba kernel of the engine once, so none of that first-
    call cost lands on the real stream's first frames.

    Raises:
        CheckpointError: the checkpoint is missing, corrupt or of another architecture.
        ValueError: CUDA requested but absent.
    """
    if config.cpu_threads:
        torch.set_num_threads(config.cpu_threads)  # process-wide: the app owns its process
    runtime = ModelRuntime.load(config.checkpoint, config.device, config.precision)
    apply_speed_options(runtime.model, SpeedOptions(config.channels_last, config.compile))
    warm_up_engine(StreamingEngine(runtime, config, resolution, has_frames, "warm-up"))
    return StreamingEngine(runtime, config, resolution, has_frames, source_name)


def warm_up_engine(engine: StreamingEngine) -> int:
    """Deblur a short synthetic stream on a throwaway engine; the number of results.

    The first call of each convolution shape sets up its kernels (and compiles,
    with ``torch.compile``), and the event buffer and the input representation
    are Numba kernels that compile (or load from Numba's cache) on first use, a
    second or more on a fresh install. Three frames take every streamed method
    (frame and event encodings, both memory roles, decode) and every kernel
    once, so none of it happens on the first frames of the real stream, which
    a live consumer would drop. The engine's runtime keeps no state of it.
    """
    height, width = engine.resolution
    count = 3000
    rng = np.random.default_rng(0)
    events = make_events(np.linspace(0, 6000, count).astype(np.int64),
                         rng.integers(0, width, count), rng.integers(0, height, count),
                         rng.choice([-1, 1], count))
    frames = tuple(Frame(np.full((height, width), 128, np.uint8), start, start, start + 1000)
                   for start in (0, 2000, 4000) if engine.has_frames)
    engine.push(Packet(events, frames, watermark=6000))
    engine.finish()
    engine.prepare("next")
    results = 0
    while engine.process("next") is not None:
        results += 1
    return results
