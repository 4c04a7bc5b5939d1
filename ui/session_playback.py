"""The session's file playback and stream filters: seek, step back, speed, loop, noise filters.

:class:`PlaybackMixin` is part of :class:`~ui.session.LiveSession` (kept in its
own module for size). Every source is wrapped in a
:class:`~stra_live.sources.filtered.FilteredSource`; a file source also gets
a shared :class:`~stra_live.sources.playback.PlaybackControl`. A seek
restarts the file at the sought time with a fresh engine around the same
loaded network (:class:`~stra_live.engine.engine.StreamingEngine` over the
running engine's runtime), so the engine's memory starts afresh there, as at
the start of a file, and nothing from before the seek is deblurred after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stra_live.engine.config import EngineConfig
from stra_live.engine.pipeline import Pipeline
from stra_live.sources.base import Source
from stra_live.sources.filtered import EventAccumulator, FilteredSource
from stra_live.sources.playback import PlaybackControl
from stra_live.sources.recording import ReplaySource
from stra_live.voxel.noise import NoiseFilterChain, NoiseFilterConfig
from ui.bridge import PipelineBridge


class PlaybackMixin:
    """Playback and filter controls of :class:`~ui.session.LiveSession` (GUI thread only)."""

    source: Source | None
    engine: Any
    engine_config: EngineConfig
    pipeline: Pipeline | None
    spec: str | None
    noise_config: NoiseFilterConfig
    accumulation_us: int | None
    speed: float | None
    loop: bool
    _builder: Any

    if TYPE_CHECKING:  # provided by LiveSession
        def _replace(self, spec: str, source: Source, engine: Any,
                     bridge: PipelineBridge) -> None: ...

        def _new_bridge(self) -> PipelineBridge: ...

        def pause(self) -> None: ...

        def step(self, frames_needed: int = 1) -> None: ...

        @property
        def paused(self) -> bool: ...

    # --- wrapping -------------------------------------------------------------------
    def _wrap(self, source: Source) -> FilteredSource:
        """``source`` behind the noise filters (and, for a file, a playback control)."""
        if isinstance(source, FilteredSource):
            return source  # a restart: already wrapped
        if isinstance(source, ReplaySource) and source.playback is None:
            # A source that loops by design (the demo scene) keeps looping.
            source.playback = PlaybackControl(self.speed, self.loop or source.loop)
        chain = NoiseFilterChain(source.resolution, self.noise_config)
        return FilteredSource(source, chain, EventAccumulator(source.resolution,
                                                              self.accumulation_us))

    @property
    def filtered(self) -> FilteredSource | None:
        """The running stream's filter wrapper, or None."""
        return self.source if isinstance(self.source, FilteredSource) else None

    @property
    def replay(self) -> ReplaySource | None:
        """The running file source, or None for a live stream."""
        inner = self.filtered.inner if self.filtered is not None else self.source
        return inner if isinstance(inner, ReplaySource) else None

    @property
    def playback(self) -> PlaybackControl | None:
        """The running file's playback control, or None for a live stream."""
        return self.replay.playback if self.replay is not None else None

    # --- filters and event view ---------------------------------------------------------
    def set_filters(self, config: NoiseFilterConfig) -> None:
        """Run these noise filters from the next packet on (and on every later stream)."""
        self.noise_config = config
        if self.filtered is not None:
            self.filtered.chain.configure(config)

    def set_accumulation(self, window_us: int | None) -> None:
        """Accumulate the event view over ``window_us`` (None = each frame's exposure)."""
        self.accumulation_us = window_us
        if self.filtered is not None:
            self.filtered.accumulator.set_window(window_us)

    # --- playback -------------------------------------------------------------------
    def set_speed(self, speed: float | None) -> None:
        """File playback rate (None = as fast as possible); kept for the next file.

        "As fast as possible" runs the pipeline lossless (every frame, in order,
        the file read only as fast as the network goes): an unpaced file in the
        live mode would flood it. Switching between the two restarts the file
        where it is.
        """
        switch = (speed is None) != (self.speed is None)
        self.speed = speed
        if self.playback is not None:
            self.playback.speed = speed
            if switch:
                self.seek(self.playback.position_us)

    def _pipeline_mode(self) -> str:
        """"lossless" for a file played as fast as possible, else "live"."""
        return "lossless" if self.replay is not None and self.speed is None else "live"

    def set_loop(self, loop: bool) -> None:
        """Replay files forever or not; kept for the next file."""
        self.loop = loop
        if self.playback is not None:
            self.playback.loop = loop

    def seek(self, position_us: int) -> bool:
        """Restart the file ``position_us`` after its start; False for a live stream.

        A paused stream stays paused and shows the first frame at that time.
        """
        filtered, replay = self.filtered, self.replay
        if filtered is None or replay is None or self.pipeline is None or self.spec is None:
            return False
        paused = self.paused
        restarted = filtered.restarted(position_us)
        self._replace(self.spec, restarted, self._engine_for(restarted), self._new_bridge())
        if paused:
            assert self.pipeline is not None
            self.pipeline.pause()  # the playback control is shared: still holding the file
            self.step(frames_needed=1 + self.engine_config.lookahead)
        return True

    def step_back(self, frame: int) -> bool:
        """Pause and show the frame before file frame ``frame``; False when there is none."""
        replay = self.replay
        if replay is None or not replay.has_frames or not 0 < frame < len(replay.frame_times):
            return False
        self.pause()
        return self.seek(int(replay.frame_times[frame - 1]) - replay.start_time_us)

    def _engine_for(self, source: Source) -> Any:
        """A fresh engine for a restarted stream, around the loaded network when there is one."""
        runtime = getattr(self.engine, "runtime", None)
        if runtime is None:
            return self._builder(self.engine_config, source.resolution, source.has_frames,
                                 source.name)
        from stra_live.engine.engine import StreamingEngine

        return StreamingEngine(runtime, self.engine_config, source.resolution,
                               source.has_frames, source.name)
