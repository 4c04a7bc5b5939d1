"""Recording from the app: AEDAT4 files that read back, a quick stop, a full disk's message."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest
from PyQt6.QtGui import QKeySequence

import ui.recording
from stra_live.engine.results import DeblurResult
from stra_live.io.aedat4 import read_aedat4
from stra_live.recording import SessionRecorder
from stra_live.sources.base import Packet
from tests.app.support import (
    SMALL,
    WAIT_MS,
    settle,
    wait_for_new_result,
    wait_for_result,
)
from ui.main_window import MainWindow

pytestmark = pytest.mark.timeout(180)


class CountingSink:
    """Counts what the pipeline hands to its sinks (the reference for the recorder)."""

    def __init__(self) -> None:
        self.events = 0
        self.frames = 0
        self.results = 0

    def write_packet(self, packet: Packet) -> None:
        self.events += len(packet.events)
        self.frames += len(packet.frames)

    def write_result(self, result: DeblurResult) -> None:
        self.results += result.deblurred is not None


def test_record_writes_aedat4_that_reads_back(make_window: Callable[..., MainWindow],
                                              qtbot: object, tmp_path: Path) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    assert window.controls.record_action.shortcut() == QKeySequence("R")
    window.set_playing(False)
    settle(qtbot, window)
    counter = CountingSink()
    pipeline = window.session.pipeline
    assert pipeline is not None
    window.controls.record_action.trigger()  # what R does
    pipeline.add_sink(counter)  # paused: both sinks see exactly the same packets and results
    assert window.session.recorder is not None
    window.redraw()
    assert "REC 00:0" in window.status.recording.text()
    assert ".aedat4" in window.status.recording.text()
    window.set_playing(True)
    qtbot.waitUntil(lambda: counter.results >= 3, timeout=WAIT_MS)  # type: ignore[attr-defined]
    window.set_playing(False)
    settle(qtbot, window)
    window.controls.record_action.trigger()  # returns at once; the files close behind it
    pipeline.remove_sink(counter)
    assert window.session.recorder is None and window.status.recording.text() == ""
    recorder = window.session.last_recorder
    assert recorder is not None
    qtbot.waitUntil(lambda: recorder.summary is not None and recorder.summary.finished,  # type: ignore[attr-defined]
                    timeout=WAIT_MS)
    summary = recorder.summary
    assert summary.error is None
    assert (summary.events_written, summary.frames_written, summary.deblurred_written) == (
        counter.events, counter.frames, counter.results)
    path = recorder.paths[0]
    assert path.parent == tmp_path / "recordings" and path.suffix == ".aedat4"
    raw = read_aedat4(path)
    assert raw.resolution == SMALL
    assert len(raw.events) == counter.events > 0
    assert len(raw.frames) == counter.frames > 0
    deblurred = read_aedat4(path, frame_stream="deblurred")
    assert len(deblurred.frames) == counter.results
    # Each deblurred frame carries the timestamp of the raw frame it came from (a frame
    # already inside the engine when recording began has its raw frame before the file).
    raw_times = {f.timestamp for f in raw.frames}
    recorded = {f.timestamp for f in deblurred.frames if f.timestamp >= min(raw_times)}
    assert recorded and recorded <= raw_times


def test_a_full_disk_stops_recording_with_a_message(make_window: Callable[..., MainWindow],
                                                    qtbot: object,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    checks = {"n": 0}

    def free_bytes(folder: Path) -> int:
        checks["n"] += 1
        return 10 << 30 if checks["n"] <= 5 else 1 << 20  # 1 MiB left after five writes

    monkeypatch.setattr(ui.recording, "SessionRecorder",
                        functools.partial(SessionRecorder, free_bytes=free_bytes))
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    window.set_recording(True)
    qtbot.waitUntil(lambda: not window.controls.record_action.isChecked(),  # type: ignore[attr-defined]
                    timeout=WAIT_MS)
    assert window.session.recorder is None
    assert "Recording stopped" in window.last_message and "disk full" in window.last_message
    summary = window.session.last_recorder.summary
    assert summary is not None and "disk full: 1 MiB left" in (summary.error or "")
    wait_for_new_result(qtbot, window)
