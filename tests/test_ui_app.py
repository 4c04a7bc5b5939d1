"""The whole app on the real streaming engine: a tiny STRA checkpoint on small streams.

Each test opens a MainWindow (offscreen) with a LiveSession whose "demo" source
is the real simulator at a small resolution, so the real engine runs fast on a
shared CPU. Files go through the project's source factory.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QImage, QKeySequence

import ui.recording
from stra_live.engine.config import EngineConfig, LiveConfig, RecordConfig
from stra_live.engine.results import DeblurResult
from stra_live.io.aedat4 import read_aedat4
from stra_live.recording import SessionRecorder
from stra_live.simulator.config import SceneConfig
from stra_live.sources.base import Packet, Source
from stra_live.sources.simulated import SimulatorSource, SimulatorSourceConfig
from tests.shared_data import DVXPLORER_SAMPLE
from ui.main_window import EVENTS_ONLY_NOTICE, MainWindow
from ui.render import upsample_map
from ui.session import LiveSession, default_opener
from ui.settings import UiConfig, open_settings

pytestmark = pytest.mark.timeout(180)

REAL_SAMPLE = DVXPLORER_SAMPLE
SMALL = (36, 48)
WAIT_MS = 90_000  # generous: the CPU is shared; the tests never assert on speed
SLOW_OPEN_S = 2.0  # how long a "slow:" spec takes to open (a corrupt file, a network probe)


def small_opener(resolution: tuple[int, int]) -> Callable[[str, Callable[[str], None]], Source]:
    """Opens "demo" as the real simulator at ``resolution``; other specs via the factory.

    "slow:SPEC" sleeps :data:`SLOW_OPEN_S` first, then opens SPEC.
    """
    def open_spec(spec: str, on_notice: Callable[[str], None]) -> Source:
        if spec.startswith("slow:"):
            time.sleep(SLOW_OPEN_S)
            spec = spec.removeprefix("slow:")
        if spec == "demo":
            scene = SceneConfig(resolution=resolution)
            return SimulatorSource(SimulatorSourceConfig(scene=scene, pacing="realtime"))
        return default_opener(spec, on_notice)
    return open_spec


@pytest.fixture
def make_window(qtbot: object, tmp_path: Path,
                tiny_checkpoint: Path) -> Iterator[Callable[..., MainWindow]]:
    windows: list[MainWindow] = []

    def make(resolution: tuple[int, int] = SMALL, settings: Path | None = None,
             size: tuple[int, int] | None = (1100, 520)) -> MainWindow:
        config = LiveConfig(
            source="demo",
            engine=EngineConfig(checkpoint=tiny_checkpoint, device="cpu"),
            record=RecordConfig(folder=tmp_path / "recordings", mp4=False),
            redraw_hz=50.0,
        )
        session = LiveSession(config, stop_timeout_s=0.5, opener=small_opener(resolution))
        window = MainWindow(config, UiConfig(), open_settings(settings or tmp_path / "ui.ini"),
                            session)
        qtbot.addWidget(window)  # type: ignore[attr-defined]
        if size is not None:
            window.resize(*size)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        assert window.session.join(30.0), "a worker thread did not end"


def wait_for_result(qtbot: object, window: MainWindow,
                    condition: Callable[[MainWindow], bool] = lambda w: True) -> None:
    """Wait until the window has drawn a result that satisfies ``condition``."""
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: window.latest is not None and condition(window), timeout=WAIT_MS)


def grab_array(window: MainWindow, path: Path) -> np.ndarray:
    """Save a screenshot of the window and return it as an (H, W, 4) uint8 array."""
    assert window.grab().save(str(path))
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), dtype=np.uint8)
    return data.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, :image.width()]


def test_demo_source_deblurs_frames(make_window: Callable[..., MainWindow], qtbot: object,
                                    tmp_path: Path) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window, lambda w: w.latest.deblurred is not None)
    result = window.latest
    assert result is not None and result.deblurred is not None and result.blurry is not None
    assert result.deblurred.shape == SMALL and result.blurry.shape == SMALL
    assert float(result.deblurred.min()) >= 0.0 and float(result.deblurred.max()) <= 1.0
    np.testing.assert_array_equal(window.views.deblurred.image, result.deblurred)
    np.testing.assert_array_equal(window.views.blurry.image, result.blurry)
    assert not window.notice.isVisible()
    status = window.status.text()
    assert f"{SMALL[1]}×{SMALL[0]}" in status and "Device: cpu" in status
    pixels = grab_array(window, tmp_path / "main_window.png")
    views = window.views.widgets[0]
    corner = views.mapTo(window, views.rect().center())
    patch = pixels[corner.y() - 10:corner.y() + 10, corner.x() - 10:corner.x() + 10, :3]
    assert patch.std() > 0 or patch.mean() > 0  # the blurry view is drawn, not left black


def test_click_fills_the_attention_panel(make_window: Callable[..., MainWindow],
                                         qtbot: object) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    viewport, pos = window.views.widget_pos_of(window.views.deblurred_plot, 30.5, 20.5)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pos)  # type: ignore[attr-defined]
    assert window.attention_dock.isVisible()
    assert window.session.pipeline is not None and window.session.pipeline.attention
    panel = window.attention
    assert panel.query == (30, 20)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    maps = panel.result.attention
    assert maps is not None
    expected = upsample_map(maps.sfb_map(30, 20), maps.scale, SMALL)
    np.testing.assert_allclose(panel.sfb_image(), expected)
    titles = panel.tmb_titles()
    assert len(titles) == len(maps.memory_timestamps) >= 1
    assert all(title.startswith(("T-", "T+")) and " ms)" in title for title in titles)
    assert all(marker.isVisible() for marker in window.views.markers)


def test_pause_then_step_advances_exactly_one_frame(make_window: Callable[..., MainWindow],
                                                    qtbot: object) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    assert window.controls.play_action.shortcut() == QKeySequence("Space")
    assert window.controls.step_action.shortcut() == QKeySequence("Right")
    window.controls.play_action.trigger()  # what the space bar does
    assert window.session.paused
    settle(qtbot, window)
    before, index = window.slot.received, window.latest.index
    window.controls.step_action.trigger()  # what the right arrow does
    qtbot.waitUntil(lambda: window.slot.received == before + 1,  # type: ignore[attr-defined]
                    timeout=WAIT_MS)
    settle(qtbot, window)
    assert window.slot.received == before + 1
    assert window.latest.index == index + 1
    window.controls.play_action.trigger()
    assert not window.session.paused
    qtbot.waitUntil(lambda: window.slot.received > before + 2,  # type: ignore[attr-defined]
                    timeout=WAIT_MS)


def settle(qtbot: object, window: MainWindow, quiet_ms: int = 1500) -> None:
    """Wait until no result has arrived for ``quiet_ms`` (an in-flight one may still land)."""
    while True:
        count = window.slot.received
        qtbot.wait(quiet_ms)  # type: ignore[attr-defined]
        if window.slot.received == count:
            window.redraw()
            return


def test_events_only_recording_shows_events_and_notice(make_window: Callable[..., MainWindow],
                                                       qtbot: object) -> None:
    window = make_window()
    window.start_source(str(REAL_SAMPLE))
    wait_for_result(qtbot, window)
    assert window.latest.blurry is None and window.latest.deblurred is None
    assert window.views.events_only
    assert window.views.visible_plots() == [window.views.events_plot]
    assert window.notice.isVisible() and window.notice.text() == EVENTS_ONLY_NOTICE
    assert window.views.events.image.shape == (240, 320, 3)
    assert (window.views.events.image != 255).any()  # real events are drawn
    assert "320×240" in window.status.text()
    window.set_attention_visible(True)
    assert "no APS frames" in window.attention.heading.text()


def test_a_346x260_source_works(make_window: Callable[..., MainWindow], qtbot: object) -> None:
    window = make_window(resolution=(260, 346))
    window.start_source("demo")
    wait_for_result(qtbot, window, lambda w: w.latest.deblurred is not None)
    assert window.latest.deblurred.shape == (260, 346)
    viewport, pos = window.views.widget_pos_of(window.views.blurry_plot, 340.5, 255.5)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pos)  # type: ignore[attr-defined]
    assert window.attention.query == (340, 255)  # the bottom-right corner maps back exactly


def test_wrong_checkpoint_shows_a_message_and_keeps_running(
        make_window: Callable[..., MainWindow], qtbot: object, tmp_path: Path,
        tiny_checkpoint: Path) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    engine = window.session.engine
    bad = tmp_path / "not_a_checkpoint.safetensors"
    bad.write_bytes(b"this is not a safetensors file")
    with qtbot.waitSignal(window.session.open_failed, timeout=WAIT_MS):  # type: ignore[attr-defined]
        window.load_checkpoint(str(bad))
        assert "Opening" in window.status.currentMessage()
    assert "not_a_checkpoint.safetensors" in window.last_message
    assert "Checkpoint not loaded" in window.last_message
    assert window._message_box is not None and window._message_box.isVisible()
    assert window.session.engine is engine
    before = window.slot.received
    qtbot.waitUntil(lambda: window.slot.received > before, timeout=WAIT_MS)  # type: ignore[attr-defined]
    good = tmp_path / "other.safetensors"
    good.write_bytes(tiny_checkpoint.read_bytes())
    with qtbot.waitSignal(window.session.opened, timeout=WAIT_MS):  # type: ignore[attr-defined]
        window.load_checkpoint(str(good))
    assert window.session.engine is not engine
    assert window.session.engine_config.checkpoint == good
    qtbot.waitUntil(lambda: window.slot.received > 0, timeout=WAIT_MS)  # type: ignore[attr-defined]


def test_bad_source_keeps_the_current_stream(make_window: Callable[..., MainWindow],
                                             qtbot: object, tmp_path: Path) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    pipeline = window.session.pipeline
    with qtbot.waitSignal(window.session.open_failed, timeout=WAIT_MS):  # type: ignore[attr-defined]
        window.open_source(str(tmp_path / "missing.aedat4"))
    assert "missing.aedat4" in window.last_message
    assert window.session.pipeline is pipeline
    before = window.slot.received
    qtbot.waitUntil(lambda: window.slot.received > before, timeout=WAIT_MS)  # type: ignore[attr-defined]


def tick_times(window: MainWindow, interval_ms: int = 20) -> list[float]:
    """Start a GUI-thread timer that appends ``time.monotonic()`` on every tick."""
    ticks: list[float] = []
    timer = QTimer(window)
    timer.setInterval(interval_ms)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    return ticks


def test_gui_stays_responsive_while_a_slow_source_opens(
        make_window: Callable[..., MainWindow], qtbot: object) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    old = window.session.pipeline
    ticks = tick_times(window)
    results: list[float] = []
    window.session.result.connect(lambda result: results.append(time.monotonic()))
    started = time.monotonic()
    with qtbot.waitSignal(window.session.opened, timeout=WAIT_MS):  # type: ignore[attr-defined]
        window.open_source("slow:demo")
        assert time.monotonic() - started < SLOW_OPEN_S / 4  # returned at once
        assert window.status.currentMessage() == "Opening slow:demo…"
        assert window.session.pipeline is old and window.session.spec == "demo"
    assert time.monotonic() - started >= SLOW_OPEN_S
    during = [started, *(t for t in ticks if t < started + SLOW_OPEN_S)]
    gaps = np.diff(during)
    assert len(gaps) >= 5 and gaps.max() < SLOW_OPEN_S / 2  # the GUI thread kept running
    assert any(t < started + SLOW_OPEN_S for t in results)  # the old stream went on meanwhile
    assert window.session.pipeline is not old and window.session.spec == "slow:demo"
    assert window.windowTitle().startswith("STRA Live")
    wait_for_result(qtbot, window)  # the new stream arrives


def test_a_failing_slow_open_keeps_the_stream_and_shows_why(
        make_window: Callable[..., MainWindow], qtbot: object, tmp_path: Path) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    pipeline = window.session.pipeline
    spec = f"slow:{tmp_path / 'missing.aedat4'}"
    with qtbot.waitSignal(window.session.open_failed, timeout=WAIT_MS):  # type: ignore[attr-defined]
        window.open_source(spec)
        assert window.status.currentMessage() == f"Opening {spec}…"
        assert window.session.pending is not None
    assert window.session.pending is None
    assert window.last_message.startswith(f"Cannot open {spec}: ")
    assert "missing.aedat4" in window.last_message and "\n" not in window.last_message
    assert window._message_box is not None and window._message_box.isVisible()
    assert window.status.currentMessage() == window.last_message
    assert window.session.pipeline is pipeline and window.session.spec == "demo"
    before = window.slot.received
    qtbot.waitUntil(lambda: window.slot.received > before, timeout=WAIT_MS)  # type: ignore[attr-defined]


def test_the_newest_open_wins_and_a_stale_one_is_dropped(
        make_window: Callable[..., MainWindow], qtbot: object) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    opened: list[str] = []
    window.session.opened.connect(lambda request: opened.append(request.spec))
    window.open_source("slow:demo")
    with qtbot.waitSignal(window.session.opened, timeout=WAIT_MS):  # type: ignore[attr-defined]
        window.open_source("demo")
    pipeline = window.session.pipeline
    qtbot.waitUntil(lambda: window.session.opens_in_flight == 0,  # type: ignore[attr-defined]
                    timeout=WAIT_MS)
    qtbot.wait(200)  # type: ignore[attr-defined]  # the stale outcome reaches the GUI thread
    assert opened == ["demo"]
    assert window.session.pipeline is pipeline and window.session.spec == "demo"
    wait_for_result(qtbot, window)


def test_memory_length_applies_live(make_window: Callable[..., MainWindow], qtbot: object) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window, lambda w: w.latest.stats.memory_entries == 2)
    window.controls.memory_box.setValue(1)
    assert window.session.engine_config.memory_length == 1
    wait_for_result(qtbot, window, lambda w: w.latest.stats.memory_entries == 1)
    window.controls.lookahead_box.setCurrentIndex(0)
    window.controls.memory_box.setValue(3)
    wait_for_result(qtbot, window, lambda w: w.latest.stats.memory_entries == 3)


def test_window_geometry_and_choices_are_remembered(make_window: Callable[..., MainWindow],
                                                    tmp_path: Path) -> None:
    settings = tmp_path / "remembered.ini"
    first = make_window(settings=settings)
    first.resize(700, 430)  # the offscreen screen is 800x600
    first.attention.colormap_box.setCurrentText("magma")
    first.attention.opacity_slider.setValue(25)
    first.close()
    assert settings.is_file()
    second = make_window(settings=settings, size=None)
    assert (second.width(), second.height()) == (700, 430)
    assert second.attention.colormap_box.currentText() == "magma"
    assert second.attention.opacity_slider.value() == 25


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
    window.controls.record_action.trigger()
    pipeline.remove_sink(counter)
    assert window.session.recorder is None and window.status.recording.text() == ""
    recorder = window.session.last_recorder
    assert recorder is not None and recorder.summary is not None
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
    assert "Recording stopped" in window.last_message and "disk nearly full" in window.last_message
    summary = window.session.last_recorder.summary
    assert summary is not None and "disk nearly full" in (summary.error or "")
    before = window.slot.received
    qtbot.waitUntil(lambda: window.slot.received > before, timeout=WAIT_MS)  # type: ignore[attr-defined]


def test_keyboard_shortcuts_drive_the_stream(make_window: Callable[..., MainWindow],
                                             qtbot: object) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    window.activateWindow()
    viewport, pos = window.views.widget_pos_of(window.views.blurry_plot, 5.5, 5.5)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pos)  # type: ignore[attr-defined]
    assert window.attention_dock.isVisible()
    qtbot.keyClick(viewport, Qt.Key.Key_A)  # type: ignore[attr-defined]
    assert not window.attention_dock.isVisible() and not window.session.attention
    qtbot.keyClick(viewport, Qt.Key.Key_Space)  # type: ignore[attr-defined]
    assert window.session.paused
    settle(qtbot, window)
    before = window.slot.received
    qtbot.keyClick(viewport, Qt.Key.Key_Right)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: window.slot.received == before + 1,  # type: ignore[attr-defined]
                    timeout=WAIT_MS)
    qtbot.keyClick(viewport, Qt.Key.Key_Space)  # type: ignore[attr-defined]
    assert not window.session.paused
