"""Settings of live inputs (camera, network stream), free of dv-processing.

Kept apart from the drivers so that the engine's and the app's configuration
(``configs/live.yaml``) can be loaded, and the engine imported, without
loading dv-processing; :mod:`stra_live.sources.camera` and
:mod:`stra_live.sources.live` re-export these classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LiveInputConfig:
    """How a live DV input is polled and how it behaves when it goes away.

    Attributes:
        reconnect: after a disconnection keep reopening the input (and yield
            empty packets meanwhile) instead of raising SourceDisconnectedError.
        retry_interval_s: seconds before the first reopening attempt; each
            failed attempt doubles the wait (exponential backoff) up to
            ``retry_max_s``.
        retry_max_s: the longest wait between two attempts (at least ``retry_interval_s``).
        poll_interval_s: sleep when the input had nothing new (bounds the CPU
            spent polling and the reaction time of close()).
        heartbeat_s: yield an empty packet when nothing arrived for this long,
            so consumers can check their stop flags.
        max_frame_delay_us: a frame is assumed to arrive at most this long (in
            event time) after its exposure ended; bounds how far the watermark
            may lag the events when frames stop. None: wait for frames forever.
        stall_timeout_s: treat an input that delivers nothing for this long as
            disconnected (a half-open TCP link); None: never.
    """

    reconnect: bool = True
    retry_interval_s: float = 0.5
    retry_max_s: float = 8.0
    poll_interval_s: float = 0.002
    heartbeat_s: float = 0.1
    max_frame_delay_us: int | None = 500_000
    stall_timeout_s: float | None = None

    def retry_delay_s(self, failed_attempts: int) -> float:
        """Seconds to wait before the next attempt after ``failed_attempts`` failures."""
        cap = max(self.retry_max_s, self.retry_interval_s)
        return min(self.retry_interval_s * 2.0 ** min(failed_attempts, 30), cap)

    def __post_init__(self) -> None:
        for name in ("retry_interval_s", "retry_max_s", "poll_interval_s", "heartbeat_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if self.max_frame_delay_us is not None and self.max_frame_delay_us < 0:
            raise ValueError(f"max_frame_delay_us must be >= 0, got {self.max_frame_delay_us}")
        if self.stall_timeout_s is not None and not self.stall_timeout_s > 0:
            raise ValueError(f"stall_timeout_s must be > 0, got {self.stall_timeout_s}")


@dataclass(frozen=True)
class CameraConfig:
    """Settings of a live DAVIS camera (``configs/camera.yaml`` shape).

    Attributes:
        serial: open the camera with this serial number; None = the first found.
        frames: stream APS frames (False: events only).
        auto_exposure: let the camera choose the exposure (exposure_us ignored).
        exposure_us: APS exposure duration in microseconds (DAVIS setExposureDuration).
        frame_interval_us: time between two frame starts (DAVIS setFrameInterval).
        packet_interval_us: how often the driver commits event packets
            (setTimeInterval); shorter = lower latency, more overhead.
        live: polling and reconnection behaviour.
    """

    serial: str | None = None
    frames: bool = True
    auto_exposure: bool = False
    exposure_us: int = 10_000
    frame_interval_us: int = 40_000
    packet_interval_us: int = 5_000
    live: LiveInputConfig = field(default_factory=LiveInputConfig)

    def __post_init__(self) -> None:
        limits = {"exposure_us": 1_000_000, "frame_interval_us": 10_000_000,
                  "packet_interval_us": 1_000_000}
        for name, upper in limits.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= upper:
                raise ValueError(f"{name} must be an integer in 1..{upper}, got {value!r}")
