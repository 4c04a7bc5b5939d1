"""Run the live pipeline without a window: side-by-side video and a JSON of figures.

The same source, engine and worker threads as the app; the results go to an
MP4 (blurry | deblurred, or the event view for events-only streams) and, at
the end, ``stats.json``. Used by `stra-live --headless` and by `make demo` on
machines without a display.

A file is processed *lossless* by default: read as fast as inference takes
it, every APS frame deblurred in order, and the MP4 written at the file's own
frame rate (a 7 s recording gives a 7 s video). ``realtime=True`` paces a file
like a live camera instead (newest frame first, drops counted), as the window
does; live sources (camera, network, demo) are always paced by their clock.
In a paced run a dropped frame repeats the previous output in the MP4, so the
video keeps the source's timing too.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from pathlib import Path

import numpy as np

from stra_live.engine.build import build_engine
from stra_live.engine.config import LiveConfig
from stra_live.engine.engine import StreamingEngine
from stra_live.engine.pipeline import Pipeline, PipelineCallbacks
from stra_live.engine.results import DeblurResult
from stra_live.errors import InputError
from stra_live.recording.sink import RecorderSink
from stra_live.recording.video import SideBySideVideo
from stra_live.sources.base import Source
from stra_live.sources.factory import is_file_spec, open_source

log = logging.getLogger(__name__)

VIDEO_NAME = "side_by_side.mp4"
STATS_NAME = "stats.json"

DEFAULT_VIDEO_FPS = 25.0
"""MP4 frame rate when the source does not say its APS rate."""

NO_FRAMES_NOTICE = ("{name} has no APS frames: nothing could be deblurred (STRA needs a blurry "
                    "frame for each exposure); the video shows the events instead")


def event_view(event_image: np.ndarray) -> np.ndarray:
    """(H, W) signed event counts -> grey float image: 0.5 = no events, brighter = ON."""
    return np.clip(0.5 + event_image / 6.0, 0.0, 1.0).astype(np.float32)


class _Collector:
    """Writes every result to the video; keeps the figures for the JSON (worker-thread side)."""

    def __init__(self, video: SideBySideVideo, max_frames: int | None,
                 keep_timing: bool = False) -> None:
        self.video = video
        self.max_frames = max_frames
        self.keep_timing = keep_timing
        self.last: DeblurResult | None = None
        self.written = 0
        self.repeated = 0
        self.notices: list[str] = []
        self.errors: list[str] = []
        self.done = threading.Event()

    def on_result(self, result: DeblurResult) -> None:
        if self.done.is_set():
            return
        if result.deblurred is None:
            self.video.write(None, event_view(result.event_image))
        else:
            self._fill_gap(result.index)
            self.video.write(result.blurry, result.deblurred)
        self.written += 1
        self.last = result
        if self.max_frames is not None and self.written >= self.max_frames:
            self.done.set()

    def _fill_gap(self, index: int) -> None:
        """Repeat the previous output for frames dropped since it, so the video keeps time."""
        last = self.last
        if not self.keep_timing or last is None or last.deblurred is None:
            return
        for _ in range(index - last.index - 1):
            self.video.write(last.blurry, last.deblurred)
            self.repeated += 1

    def callbacks(self) -> PipelineCallbacks:
        return PipelineCallbacks(self.on_result, on_notice=self.notices.append,
                                 on_error=self.errors.append, on_finished=self.done.set)


def video_fps(source: Source) -> float:
    """The source's APS frame rate when it says one, else :data:`DEFAULT_VIDEO_FPS`."""
    fps = getattr(source, "fps", None)
    return float(fps) if fps else DEFAULT_VIDEO_FPS


def run_headless(config: LiveConfig, out_dir: Path, max_frames: int | None = None,
                 seconds: float | None = None, realtime: bool = False,
                 record_dir: Path | None = None) -> dict:
    """Process the configured stream until it ends, ``max_frames`` results, or ``seconds``.

    A file is processed lossless unless ``realtime`` (see the module docstring).
    With ``record_dir``, the session is also recorded there as the record
    button does it (raw input + deblurred frames in AEDAT4, side-by-side MP4;
    ``config.record`` settings). Returns the figures also written to
    ``out_dir/stats.json`` (a recording's under ``"recording"``).

    Raises:
        InputError: the source failed before producing any output (the JSON is
            still written, with the error in it).
        CheckpointError: the checkpoint cannot be loaded.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lossless = is_file_spec(config.source) and not realtime
    source = open_source(config.source, camera=config.camera, network=config.network,
                         pacing="fast" if lossless else "realtime")
    try:
        engine = build_engine(config.engine, source.resolution, source.has_frames, source.name)
    except BaseException:
        source.close()
        raise
    video = SideBySideVideo(out_dir / VIDEO_NAME, source.resolution, fps=video_fps(source))
    collector = _Collector(video, max_frames, keep_timing=not lossless)
    if not source.has_frames:
        collector.notices.append(NO_FRAMES_NOTICE.format(name=source.name))
    pipeline = Pipeline(source, engine, collector.callbacks(),
                        mode="lossless" if lossless else "live")
    recorder = None
    if record_dir is not None:
        try:
            recorder = RecorderSink(Path(record_dir), source.resolution, source.has_frames,
                                    config.record, on_error=collector.errors.append)
        except BaseException:
            source.close()
            video.close()
            raise
        pipeline.add_sink(recorder)
    started = time.monotonic()
    pipeline.start()
    try:
        collector.done.wait(seconds)
    except KeyboardInterrupt:
        log.info("interrupted: finishing the outputs")
    finally:
        pipeline.stop()
        collector.done.set()
        video.close()
    recording = None
    if recorder is not None:  # no window to keep responsive: wait for the files to close
        recording = recorder.recorder.stop()
    stats = _stats(source, engine, collector, video, lossless, time.monotonic() - started,
                   out_dir)
    if recording is not None:
        stats["recording"] = {**dataclasses.asdict(recording),
                              "paths": [str(path) for path in recording.paths]}
    (out_dir / STATS_NAME).write_text(json.dumps(stats, indent=2))
    if collector.errors and collector.written == 0:
        raise InputError(source.name, "; ".join(collector.errors))
    return stats


def _stats(source: Source, engine: StreamingEngine, collector: _Collector,
           video: SideBySideVideo, lossless: bool, wall_s: float, out_dir: Path) -> dict:
    """The figures of ``stats.json``, without the recording's."""
    return {
        "source": source.name,
        "resolution": list(source.resolution),
        "has_frames": source.has_frames,
        "device": engine.device_label,
        "mode": "lossless" if lossless else "realtime",
        "wall_s": round(wall_s, 3),
        "frames_written": collector.written,
        "video_frames": video.frames_written,
        "video_fps": round(video_fps(source), 3),
        "video": str(out_dir / VIDEO_NAME),
        "notices": collector.notices,
        "errors": collector.errors,
        **dataclasses.asdict(engine.stats()),
    }
