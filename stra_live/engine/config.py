"""Typed configuration of the live app and the streaming engine (``configs/live.yaml``).

``RecordConfig`` (the ``record`` section) lives with the recorder, in
:mod:`stra_live.recording.config`, and is re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from stra_live.recording.config import RecordConfig
from stra_live.sources.live_config import CameraConfig, LiveInputConfig


@dataclass(frozen=True)
class EngineConfig:
    """How the streaming engine runs STRA.

    Attributes:
        checkpoint: safetensors weights; None = the shipped weights for the
            device (real-time configuration on CPU, paper configuration on GPU).
        device: "auto" (CUDA when present, else CPU), "cpu" or "cuda".
        precision: "auto" (bf16/fp16 autocast on CUDA, fp32 on CPU), "fp32", "fp16", "bf16".
        lookahead: 1 = wait for frame T+1 before deblurring T (paper-faithful,
            one frame of latency); 0 = causal, T+1 is not used.
        memory_length: K, event sequences kept in the TMB memory (2 with
            lookahead 1 = T-1 and T+1, the paper's setting).
        horizon_ms: how much event history the rolling buffer keeps; at least a
            live source's ``max_frame_delay_us`` plus an exposure, or frames
            that arrive that late find their events gone.
        events_only_interval_ms: display interval of the event view for
            streams without APS frames.
        latency_window: results over which latency percentiles are computed.
        cpu_threads: torch CPU threads for inference (process-wide); 0 = torch's
            default. On a small CPU shared with capture, 1 avoids the collapse of
            oversubscribed OpenMP threads.
        channels_last: run the network channels-last (oneDNN's preferred layout:
            1.42x the streamed-step speed on the 2-core CPU, measured by
            `stra-bench stream`; same outputs within 1e-5).
        compile: ``torch.compile`` mode for the network's methods: "off",
            "default" or "max-autotune"; falls back to eager if compiling fails.
            Off by default: the first start compiles for minutes on a small CPU.
    """

    checkpoint: Path | None = None
    device: str = "auto"
    precision: Literal["auto", "fp32", "fp16", "bf16"] = "auto"
    lookahead: int = 1
    memory_length: int = 2
    horizon_ms: float = 1000.0
    events_only_interval_ms: float = 33.0
    latency_window: int = 200
    cpu_threads: int = 0
    channels_last: bool = True
    compile: Literal["off", "default", "max-autotune"] = "off"

    def __post_init__(self) -> None:
        if self.lookahead not in (0, 1):
            raise ValueError(f"lookahead must be 0 or 1, got {self.lookahead}")
        if not 0 <= self.memory_length <= 16:
            raise ValueError(f"memory_length must be in 0..16, got {self.memory_length}")
        if self.cpu_threads < 0:
            raise ValueError(f"cpu_threads must be >= 0, got {self.cpu_threads}")
        if self.horizon_ms <= 0:
            raise ValueError(f"horizon_ms must be positive, got {self.horizon_ms}")
        if self.compile not in ("off", "default", "max-autotune"):
            raise ValueError(f"compile must be off, default or max-autotune, got {self.compile!r}")


@dataclass(frozen=True)
class LiveConfig:
    """Everything `stra-live` needs; loaded from ``configs/live.yaml``.

    Attributes:
        source: "demo", "camera", a file path (.aedat4/.h5) or "tcp://HOST:PORT";
            "auto" = the camera when one is found, else the demo scene.
        engine: streaming engine settings.
        record: recording settings.
        camera: a live DAVIS's exposure, frame interval and reconnection.
        network: polling and reconnection (with backoff) of DV network streams.
        redraw_hz: how often the app redraws the latest result.
    """

    source: str = "auto"
    engine: EngineConfig = field(default_factory=EngineConfig)
    record: RecordConfig = field(default_factory=RecordConfig)
    camera: CameraConfig = field(default_factory=CameraConfig)
    network: LiveInputConfig = field(default_factory=LiveInputConfig)
    redraw_hz: float = 30.0
