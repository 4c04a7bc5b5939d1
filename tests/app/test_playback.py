"""Files in the window: the real DAVIS346 recording, seek, step back, speed, loop, frozen pause."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from stra_live.events import Frame, make_events
from stra_live.io.hdf5 import write_hqf
from tests.app.support import REAL_SAMPLE, WAIT_MS, settle, wait_for_result
from tests.shared_data import DAVIS346_SAMPLE
from ui.main_window import MainWindow
from ui.playback import EVENTS_ONLY_REASON, LIVE_REASON

pytestmark = pytest.mark.timeout(240)

DAVIS = str(DAVIS346_SAMPLE)


def small_h5(path: Path, frames: int = 5, period: int = 40_000) -> Path:
    """A tiny HQF file: ``frames`` 40x56 frames and a few random events per exposure."""
    rng = np.random.default_rng(2)
    height, width = 40, 56
    images = [Frame(rng.integers(0, 256, (height, width), dtype=np.uint8), i * period,
                    i * period, i * period + 20_000) for i in range(frames)]
    t = np.sort(rng.integers(0, frames * period, 3000)).astype(np.int64)
    events = make_events(t, rng.integers(0, width, 3000), rng.integers(0, height, 3000),
                         rng.choice(np.array([-1, 1], dtype=np.int8), 3000))
    write_hqf(path, events, images, (height, width))
    return path


def frame_of(window: MainWindow) -> int | None:
    return window.stream.current_frame(window.latest)


def test_davis346_recording_plays_with_seek_bar_and_counter(
        make_window: Callable[..., MainWindow], qtbot: object) -> None:
    window = make_window()
    window.start_source(DAVIS)
    bar = window.stream.bar
    assert bar.slider.isEnabled() and bar.loop_box.isEnabled()
    assert bar.slider.maximum() == window.session.replay.duration_us // 1000 > 2000
    wait_for_result(qtbot, window, lambda w: (frame_of(w) or 0) >= 3)
    result = window.latest
    assert result is not None and result.deblurred is not None
    assert result.deblurred.shape == (260, 346)
    assert "346×260" in window.status.text()
    assert "Weights: tiny.safetensors (C=4" in window.status.text()
    window.redraw()
    counter = bar.counter.text()
    assert counter.startswith(f"frame {frame_of(window) + 1} / 59 · ")
    assert bar.slider.value() > 0


def test_seek_and_step_back_show_the_frames_asked_for(make_window: Callable[..., MainWindow],
                                                       qtbot: object) -> None:
    window = make_window()
    window.start_source(DAVIS)
    window.session.set_speed(None)  # as fast as possible: the test does not wait for 25 fps
    wait_for_result(qtbot, window)
    window.set_playing(False)
    replay = window.session.replay
    target = 40
    window.seek(int(replay.frame_times[target]) - replay.start_time_us)
    assert window.session.paused  # a paused stream stays paused after a seek
    qtbot.waitUntil(lambda: frame_of(window) == target, timeout=WAIT_MS)  # type: ignore[attr-defined]
    window.step_back()
    qtbot.waitUntil(lambda: frame_of(window) == target - 1, timeout=WAIT_MS)  # type: ignore[attr-defined]
    settle(qtbot, window, 800)
    assert frame_of(window) == target - 1  # exactly one frame back, nothing after it
    window.step()
    qtbot.waitUntil(lambda: frame_of(window) == target, timeout=WAIT_MS)  # type: ignore[attr-defined]


def test_paused_freezes_picture_figures_and_counter(make_window: Callable[..., MainWindow],
                                                    qtbot: object) -> None:
    window = make_window()
    window.start_source(DAVIS)
    wait_for_result(qtbot, window)
    window.set_playing(False)
    settle(qtbot, window, 3000)  # an inference step under way when pausing still lands
    before = (window.slot.received, window.status.text(), window.stream.bar.counter.text(),
              window.stream.panel.rates.text(), window.session.playback.position_us)
    qtbot.wait(1200)  # type: ignore[attr-defined]
    window.redraw()
    after = (window.slot.received, window.status.text(), window.stream.bar.counter.text(),
             window.stream.panel.rates.text(), window.session.playback.position_us)
    assert after == before


def test_speed_and_loop_reach_the_file_source(make_window: Callable[..., MainWindow],
                                              qtbot: object, tmp_path: Path) -> None:
    path = small_h5(tmp_path / "five.h5")
    window = make_window()
    window.start_source(str(path))
    bar = window.stream.bar
    bar.speed_box.setCurrentIndex(0)
    assert window.session.playback.speed == 0.25
    bar.loop_box.setChecked(True)
    assert window.session.playback.loop
    bar.speed_box.setCurrentIndex(bar.speed_box.count() - 1)  # as fast as possible
    assert window.session.playback.speed is None
    assert window.session.pipeline.mode == "lossless"  # an unpaced file must not flood it
    # Looping: the 5-frame file comes round again, and the counter maps back into it.
    qtbot.waitUntil(lambda: window.latest is not None and window.latest.index >= 7,  # type: ignore[attr-defined]
                    timeout=WAIT_MS)
    assert 0 <= frame_of(window) < 5
    bar.speed_box.setCurrentIndex(2)
    assert window.session.pipeline.mode == "live" and window.session.playback.speed == 1.0
    window.open_source(str(REAL_SAMPLE))  # settings are kept for the next file
    qtbot.waitUntil(lambda: window.session.spec == str(REAL_SAMPLE), timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert window.session.playback.loop and window.session.playback.speed == 1.0


def test_controls_that_do_nothing_are_disabled_with_a_reason(
        make_window: Callable[..., MainWindow], qtbot: object) -> None:
    window = make_window()
    window.start_source("demo")
    bar, controls = window.stream.bar, window.controls
    assert not bar.slider.isEnabled() and bar.slider.toolTip() == LIVE_REASON
    assert not controls.step_back_action.isEnabled()
    assert "live stream" in controls.step_back_action.toolTip()
    window.start_source(str(REAL_SAMPLE))  # events only
    assert bar.slider.isEnabled()
    for widget in (controls.lookahead_box, controls.memory_box):
        assert not widget.isEnabled() and "events-only" in widget.toolTip()
    assert not controls.step_action.isEnabled() and not controls.step_back_action.isEnabled()
    assert not bar.forward_button.isEnabled() and bar.forward_button.toolTip() == EVENTS_ONLY_REASON
    window.set_attention_visible(True)
    assert "no APS frames" in window.attention.heading.text()


def test_davis346_playback_is_recorded_and_reads_back(make_window: Callable[..., MainWindow],
                                                     qtbot: object, tmp_path: Path) -> None:
    from stra_live.io.aedat4 import read_aedat4

    window = make_window()
    window.start_source(DAVIS)
    wait_for_result(qtbot, window)
    window.set_recording(True)
    start = window.latest.index
    qtbot.waitUntil(lambda: window.latest.index >= start + 3, timeout=WAIT_MS)  # type: ignore[attr-defined]
    window.set_recording(False)
    recorder = window.session.last_recorder
    assert recorder is not None and recorder.summary is not None
    assert recorder.summary.error is None
    raw = read_aedat4(recorder.paths[0])
    assert raw.resolution == (260, 346)
    assert len(raw.frames) >= 1 and len(raw.events) > 0
    source = window.session.replay.recording  # the file itself, as read at opening
    originals = {frame.timestamp for frame in source.frames}
    assert {frame.timestamp for frame in raw.frames} <= originals  # frames kept their times
