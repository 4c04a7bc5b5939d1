"""The running stream behind the window: source + engine + pipeline, and their changes.

:class:`LiveSession` owns at most one pipeline at a time. Switching the source
or the checkpoint builds the new source and engine on a worker thread
(:mod:`ui.opening`), so the GUI thread never waits for a file, a socket, a
camera or a checkpoint, and a bad file or a wrong checkpoint leaves the running
stream untouched. When the newest request is ready, the GUI thread stops the
old pipeline with a short timeout and starts the new one. Everything it reports
arrives on the GUI thread through a :class:`~ui.bridge.PipelineBridge`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from functools import partial
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

from stra_live.engine.config import EngineConfig, LiveConfig
from stra_live.engine.pipeline import Pipeline
from stra_live.recording import RecordConfig
from stra_live.sources.base import Source
from stra_live.sources.camera import CameraConfig
from stra_live.voxel.noise import NoiseFilterConfig
from ui.bridge import PipelineBridge
from ui.checkpoints import describe_weights
from ui.opening import (
    EngineBuilder,
    Geometry,
    NoticeCallback,
    OpenOutcome,
    OpenRequest,
    SourceOpener,
    StreamOpener,
)
from ui.recording import RecordingSink
from ui.session_playback import PlaybackMixin

log = logging.getLogger(__name__)


def default_opener(spec: str, on_notice: NoticeCallback,
                   camera: CameraConfig | None = None) -> Source:
    """Open a source with the project's factory; "auto" = the camera if found, else the demo.

    Live sources (camera, network) report their link state through ``on_notice``.
    """
    from stra_live.sources.factory import open_source

    def on_status(status: Any) -> None:
        on_notice(status.message)

    return open_source(spec, camera=camera, on_status=on_status)


def default_builder(config: EngineConfig, resolution: tuple[int, int], has_frames: bool,
                    source_name: str) -> Any:
    """Build a streaming engine with the project's builder (loads the checkpoint)."""
    from stra_live.engine.build import build_engine

    return build_engine(config, resolution, has_frames, source_name)


class LiveSession(PlaybackMixin, QObject):
    """One live stream at a time, switchable from the GUI thread.

    Signals:
        result(DeblurResult), notice(str), error(str), finished(): from the
        running pipeline, on the GUI thread.
        recording_failed(str): the recorder hit an error (e.g. disk full) and was stopped.
        opening(OpenRequest): a source or checkpoint change started (on a worker).
        opened(OpenRequest): the newest change is streaming.
        open_failed(OpenRequest, str): the newest change failed (one-line message);
        the current stream keeps running.

    Args:
        config: the live configuration (engine settings, record settings).
        stop_timeout_s: the longest wait for each worker thread on stop.
        opener: opens a source from a spec (default: the project's factory).
        builder: builds an engine (default: the project's builder).
        noise_filter: the noise filters every stream starts with.

    Every source is seen through a :class:`~stra_live.sources.filtered.FilteredSource`
    (noise filters, event accumulation); a file also gets a
    :class:`~stra_live.sources.playback.PlaybackControl` (speed, loop, pause).
    """

    result = pyqtSignal(object)
    notice = pyqtSignal(str)
    error = pyqtSignal(str)
    finished = pyqtSignal()
    recording_failed = pyqtSignal(str)
    opening = pyqtSignal(object)
    opened = pyqtSignal(object)
    open_failed = pyqtSignal(object, str)

    def __init__(self, config: LiveConfig, stop_timeout_s: float = 0.5,
                 opener: SourceOpener | None = None, builder: EngineBuilder = default_builder,
                 parent: QObject | None = None,
                 noise_filter: NoiseFilterConfig | None = None) -> None:
        super().__init__(parent)
        self.engine_config = config.engine
        self._builder = builder
        self.noise_config = noise_filter or NoiseFilterConfig()
        self.accumulation_us: int | None = None
        self.speed: float | None = 1.0
        self.loop = False
        self.stop_timeout_s = stop_timeout_s
        self._opening = StreamOpener(opener or partial(default_opener, camera=config.camera),
                                     builder, self)
        self._opening.done.connect(self._on_open_done)
        self.spec: str | None = None
        self.source: Source | None = None
        self.engine: Any = None
        self.pipeline: Pipeline | None = None
        self.recorder: RecordingSink | None = None
        self.last_recorder: RecordingSink | None = None
        self._bridge: PipelineBridge | None = None
        self._retired: list[tuple[Pipeline, PipelineBridge]] = []
        self._attention = False

    # --- opening ------------------------------------------------------------------
    def open(self, spec: str) -> OpenRequest:
        """Start switching to the source ``spec``; returns at once.

        The source and engine are built on a worker thread. The newest request
        wins: an earlier one still in flight is dropped when it completes.
        :attr:`opened` or :attr:`open_failed` reports the outcome on the GUI
        thread; on failure the current stream keeps running.
        """
        return self._start(self._opening.request("source", spec, self.engine_config))

    def open_now(self, spec: str) -> None:
        """Switch to the source ``spec`` on this thread (start-up, scripts): blocks.

        Raises:
            ValueError: a spec of no known form.
            InputError: unreadable file, no camera, wrong checkpoint (CheckpointError).
            OSError: a device or socket that cannot be opened.
        """
        request = self._opening.request("source", spec, self.engine_config)
        bridge = self._new_bridge()
        try:
            source, engine = self._opening.run_now(request, bridge)
        except BaseException:
            bridge.detach()
            raise
        self._replace(spec, source, engine, bridge)

    def set_checkpoint(self, path: Path) -> OpenRequest | None:
        """Start using the weights at ``path``; returns at once.

        With a stream (or an open in flight) the new engine is built and the
        source reopened on a worker thread, reported like :meth:`open` (kind
        "checkpoint"); a wrong checkpoint leaves the current engine running.
        With nothing open the path is simply kept for the next stream (None).
        """
        config = dataclasses.replace(self.engine_config, checkpoint=Path(path))
        pending = self._opening.pending
        spec = pending.spec if pending is not None else self.spec  # newest request wins
        if spec is None:
            self.engine_config = config
            return None
        geometry = None
        if self.source is not None and spec == self.spec:
            geometry = Geometry(self.source.resolution, self.source.has_frames, self.source.name)
        return self._start(self._opening.request("checkpoint", spec, config, geometry))

    @property
    def pending(self) -> OpenRequest | None:
        """The newest open request while it is still being built."""
        return self._opening.pending

    @property
    def opens_in_flight(self) -> int:
        """Open workers still running, superseded ones included."""
        return self._opening.in_flight

    def _start(self, request: OpenRequest) -> OpenRequest:
        self._opening.start(request, self._new_bridge())
        self.opening.emit(request)
        return request

    def _on_open_done(self, outcome: OpenOutcome) -> None:
        request = outcome.request
        if outcome.error is not None or outcome.source is None:
            outcome.discard()
            self.open_failed.emit(request, outcome.error or "nothing was opened")
            return
        if request.kind == "checkpoint":
            self.engine_config = dataclasses.replace(self.engine_config,
                                                     checkpoint=request.config.checkpoint)
        self._replace(request.spec, outcome.source, outcome.engine, outcome.bridge)
        self.opened.emit(request)

    def _new_bridge(self) -> PipelineBridge:
        bridge = PipelineBridge(self)
        bridge.result.connect(self.result)
        bridge.notice.connect(self.notice)
        bridge.error.connect(self.error)
        bridge.finished.connect(self.finished)
        return bridge

    def _replace(self, spec: str, source: Source, engine: Any, bridge: PipelineBridge) -> None:
        source = self._wrap(source)
        self._stop_pipeline()
        engine.configure(self.engine_config.lookahead, self.engine_config.memory_length)
        self.spec, self.source, self.engine = spec, source, engine
        pipeline = Pipeline(source, engine, bridge.callbacks(), mode=self._pipeline_mode())
        pipeline.attention = self._attention
        self.pipeline, self._bridge = pipeline, bridge
        pipeline.start()
        log.info("streaming %s (%dx%d) on %s", source.name, source.resolution[1],
                 source.resolution[0], self.device_label)

    # --- control ------------------------------------------------------------------
    @property
    def weights_label(self) -> str:
        """The loaded checkpoint and its network, for the status bar ("" when none)."""
        runtime = getattr(self.engine, "runtime", None)
        if runtime is None:
            return ""
        from stra_live.engine.runtime import default_checkpoint

        path = self.engine_config.checkpoint or default_checkpoint()
        return describe_weights(path, runtime.config)

    @property
    def device_label(self) -> str:
        """The engine's device, e.g. "cpu"; "" when nothing is running."""
        return str(getattr(self.engine, "device_label", "")) if self.engine is not None else ""

    @property
    def running(self) -> bool:
        """True while a pipeline is started and not stopped."""
        return self.pipeline is not None

    @property
    def paused(self) -> bool:
        """True while the pipeline is paused."""
        return self.pipeline is not None and self.pipeline.paused

    def pause(self) -> None:
        """Stop producing results; a file also stops reading (no time is lost)."""
        if self.playback is not None:
            self.playback.pause()
        if self.pipeline is not None:
            self.pipeline.pause()

    def resume(self) -> None:
        """Produce results again (a file carries on where it was held)."""
        if self.playback is not None:
            self.playback.resume()
        if self.pipeline is not None:
            self.pipeline.resume()

    def step(self, frames_needed: int = 1) -> None:
        """While paused, deblur exactly one more frame (a held file lets ``frames_needed`` out)."""
        if self.pipeline is not None:
            self.pipeline.step()
        if self.playback is not None:
            self.playback.allow_frames(frames_needed)

    @property
    def attention(self) -> bool:
        """Whether the engine computes attention maps."""
        return self._attention

    @attention.setter
    def attention(self, enabled: bool) -> None:
        self._attention = enabled
        if self.pipeline is not None:
            self.pipeline.attention = enabled

    def configure(self, lookahead: int, memory_length: int) -> None:
        """Change lookahead and memory length live (and for every later engine).

        Raises:
            ValueError: a value out of range (named).
        """
        self.engine_config = dataclasses.replace(
            self.engine_config, lookahead=lookahead, memory_length=memory_length
        )
        if self.engine is not None:
            self.engine.configure(lookahead, memory_length)

    # --- recording ------------------------------------------------------------------
    def start_recording(self, folder: Path, mp4: bool,
                        config: RecordConfig | None = None) -> RecordingSink:
        """Record every further packet and result into ``folder`` (``config``: the record settings).

        Raises:
            OSError: the folder cannot be created or its disk is nearly full.
            InputError: the AEDAT4 file cannot be created.
            RuntimeError: nothing is streaming.
        """
        if self.pipeline is None or self.source is None:
            raise RuntimeError("nothing to record: no source is open")
        self.stop_recording()
        recorder = RecordingSink(folder, self.source.resolution, mp4, self.source.has_frames,
                                 self, config)
        recorder.failed.connect(lambda message: self._on_recording_failed(recorder, message))
        self.recorder = recorder
        self.pipeline.add_sink(recorder)
        return recorder

    def stop_recording(self) -> RecordingSink | None:
        """Stop recording without waiting; the recorder closes the files and emits ``finished``."""
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return None
        if self.pipeline is not None:
            self.pipeline.remove_sink(recorder)
        recorder.close()
        self.last_recorder = recorder
        return recorder

    def _on_recording_failed(self, recorder: RecordingSink, message: str) -> None:
        if recorder is self.recorder:  # a late report from an earlier recording is stale
            self.stop_recording()
            self.recording_failed.emit(message)

    # --- shutdown ------------------------------------------------------------------
    def stop(self) -> None:
        """Drop any open in flight, stop recording and the pipeline.

        Waits at most ``stop_timeout_s`` per worker. A worker still busy after
        that (a long inference step, a slow open) finishes on its own;
        :meth:`join` waits for such workers before the process exits.
        """
        self._opening.cancel()
        self._stop_pipeline()

    def _stop_pipeline(self) -> None:
        self.stop_recording()
        if self.pipeline is not None and self._bridge is not None:
            self._bridge.detach()
            self.pipeline.stop(self.stop_timeout_s)
            self._retired.append((self.pipeline, self._bridge))
        self.pipeline, self._bridge = None, None
        self._retired = [(p, b) for p, b in self._retired if not b.worker_done]

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for stopped workers to end; True when all have."""
        deadline = time.monotonic() + timeout
        opens_done = self._opening.join(timeout)
        for pipeline, _ in self._retired:
            pipeline.join(max(0.0, deadline - time.monotonic()))
        self._retired = [(p, b) for p, b in self._retired if not b.worker_done]
        recorded = self.last_recorder is None or self.last_recorder.wait_finished(
            max(0.0, deadline - time.monotonic()))  # at exit: let the last files close
        return opens_done and not self._retired and recorded
