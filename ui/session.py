"""The running stream behind the window: source + engine + pipeline, and their changes.

:class:`LiveSession` owns at most one pipeline at a time. Switching the source
or the checkpoint first builds the new source and engine (so a bad file or a
wrong checkpoint leaves the running stream untouched), then stops the old
pipeline with a short timeout and starts the new one. Everything it reports
arrives on the GUI thread through a :class:`~ui.bridge.PipelineBridge`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

from stra_live.engine.config import EngineConfig, LiveConfig
from stra_live.engine.pipeline import Pipeline
from stra_live.sources.base import Source
from stra_live.sources.camera import CameraConfig
from ui.bridge import PipelineBridge
from ui.recording import RecordingSink

log = logging.getLogger(__name__)

RECORD_CLOSE_TIMEOUT_S = 10.0
"""Longest wait for the recorder to write what is queued when recording stops."""

NoticeCallback = Callable[[str], None]
"""Receives one-line link-state messages; may be called from any thread."""

SourceOpener = Callable[[str, NoticeCallback], Source]
"""(spec, on_notice) -> opened source (``stra_live.sources.factory.open_source``)."""

EngineBuilder = Callable[[EngineConfig, tuple[int, int], bool, str], Any]
"""(config, resolution, has_frames, source name) -> engine (``build_engine``)."""


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


class LiveSession(QObject):
    """One live stream at a time, switchable from the GUI thread.

    Signals:
        result(DeblurResult), notice(str), error(str), finished(): from the
        running pipeline, on the GUI thread.
        recording_failed(str): the recorder hit an error (e.g. disk full) and was stopped.

    Args:
        config: the live configuration (engine settings, record settings).
        stop_timeout_s: the longest wait for each worker thread on stop.
        opener: opens a source from a spec (default: the project's factory).
        builder: builds an engine (default: the project's builder).
    """

    result = pyqtSignal(object)
    notice = pyqtSignal(str)
    error = pyqtSignal(str)
    finished = pyqtSignal()
    recording_failed = pyqtSignal(str)

    def __init__(self, config: LiveConfig, stop_timeout_s: float = 0.5,
                 opener: SourceOpener | None = None, builder: EngineBuilder = default_builder,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine_config = config.engine
        self.stop_timeout_s = stop_timeout_s
        self._opener = opener or partial(default_opener, camera=config.camera)
        self._builder = builder
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
    def open(self, spec: str) -> None:
        """Switch to the source ``spec``; on any error the current stream keeps running.

        Raises:
            ValueError: a spec of no known form.
            InputError: unreadable file, no camera, wrong checkpoint (CheckpointError).
            OSError: a device or socket that cannot be opened.
        """
        bridge = self._new_bridge()
        try:
            source = self._opener(spec, bridge.callbacks().on_notice)
            try:
                engine = self._builder(self.engine_config, source.resolution,
                                       source.has_frames, source.name)
            except BaseException:
                source.close()
                raise
        except BaseException:
            bridge.detach()
            raise
        self._replace(spec, source, engine, bridge)

    def set_checkpoint(self, path: Path) -> None:
        """Use the weights at ``path``; on a wrong checkpoint the current engine keeps running.

        The stream restarts with the new engine (the source is reopened).

        Raises:
            CheckpointError: the file does not fit the network.
            InputError, OSError: the source could not be reopened.
        """
        config = dataclasses.replace(self.engine_config, checkpoint=Path(path))
        if self.source is None or self.spec is None:
            self.engine_config = config
            return
        engine = self._builder(config, self.source.resolution, self.source.has_frames,
                               self.source.name)
        self.engine_config = config
        bridge = self._new_bridge()
        try:
            source = self._opener(self.spec, bridge.callbacks().on_notice)
        except BaseException:
            bridge.detach()
            raise
        self._replace(self.spec, source, engine, bridge)

    def _new_bridge(self) -> PipelineBridge:
        bridge = PipelineBridge(self)
        bridge.result.connect(self.result)
        bridge.notice.connect(self.notice)
        bridge.error.connect(self.error)
        bridge.finished.connect(self.finished)
        return bridge

    def _replace(self, spec: str, source: Source, engine: Any, bridge: PipelineBridge) -> None:
        self.stop()
        engine.configure(self.engine_config.lookahead, self.engine_config.memory_length)
        pipeline = Pipeline(source, engine, bridge.callbacks())
        pipeline.attention = self._attention
        self.spec, self.source, self.engine = spec, source, engine
        self.pipeline, self._bridge = pipeline, bridge
        pipeline.start()
        log.info("streaming %s (%dx%d) on %s", source.name, source.resolution[1],
                 source.resolution[0], self.device_label)

    # --- control ------------------------------------------------------------------
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
        """Stop producing results."""
        if self.pipeline is not None:
            self.pipeline.pause()

    def resume(self) -> None:
        """Produce results again."""
        if self.pipeline is not None:
            self.pipeline.resume()

    def step(self) -> None:
        """While paused, deblur exactly one more frame."""
        if self.pipeline is not None:
            self.pipeline.step()

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
    def start_recording(self, folder: Path, mp4: bool) -> RecordingSink:
        """Record every further packet and result into ``folder``.

        Raises:
            OSError: the folder cannot be created or its disk is nearly full.
            InputError: the AEDAT4 file cannot be created.
            RuntimeError: nothing is streaming.
        """
        if self.pipeline is None or self.source is None:
            raise RuntimeError("nothing to record: no source is open")
        self.stop_recording()
        recorder = RecordingSink(folder, self.source.resolution, mp4, self.source.has_frames,
                                 self)
        recorder.failed.connect(lambda message: self._on_recording_failed(recorder, message))
        self.recorder = recorder
        self.pipeline.add_sink(recorder)
        return recorder

    def stop_recording(self) -> RecordingSink | None:
        """Stop recording and finish the files; returns the recorder (see its ``summary``)."""
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return None
        if self.pipeline is not None:
            self.pipeline.remove_sink(recorder)
        recorder.close(RECORD_CLOSE_TIMEOUT_S)
        self.last_recorder = recorder
        return recorder

    def _on_recording_failed(self, recorder: RecordingSink, message: str) -> None:
        if recorder is self.recorder:  # a late report from an earlier recording is stale
            self.stop_recording()
            self.recording_failed.emit(message)

    # --- shutdown ------------------------------------------------------------------
    def stop(self) -> None:
        """Stop recording and the pipeline (waits at most ``stop_timeout_s`` per worker).

        A worker still busy after that (a long inference step) finishes on its
        own; :meth:`join` waits for such workers before the process exits.
        """
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
        for pipeline, _ in self._retired:
            pipeline.join(max(0.0, deadline - time.monotonic()))
        self._retired = [(p, b) for p, b in self._retired if not b.worker_done]
        return not self._retired
