"""Assemble a streaming engine from the live configuration."""

from __future__ import annotations

import torch

from stra_live.engine.config import EngineConfig
from stra_live.engine.engine import StreamingEngine
from stra_live.engine.runtime import ModelRuntime
from stra_live.engine.speed import SpeedOptions, apply_speed_options


def build_engine(config: EngineConfig, resolution: tuple[int, int], has_frames: bool = True,
                 source_name: str = "stream") -> StreamingEngine:
    """Load the network (config.checkpoint or the shipped weights), warm it up, wrap it.

    Raises:
        CheckpointError: the checkpoint is missing, corrupt or of another architecture.
        ValueError: CUDA requested but absent.
    """
    if config.cpu_threads:
        torch.set_num_threads(config.cpu_threads)  # process-wide: the app owns its process
    runtime = ModelRuntime.load(config.checkpoint, config.device, config.precision)
    apply_speed_options(runtime.model, SpeedOptions(config.channels_last, config.compile))
    runtime.warm_up(resolution)
    return StreamingEngine(runtime, config, resolution, has_frames, source_name)
