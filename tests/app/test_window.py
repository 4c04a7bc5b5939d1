"""The app window on the real engine: frames, attention, pause/step, sizes, settings, keys."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QKeySequence

from tests.app.support import (
    REAL_SAMPLE,
    SMALL,
    WAIT_MS,
    grab_array,
    settle,
    wait_for_result,
)
from ui.main_window import EVENTS_ONLY_NOTICE, MainWindow
from ui.render import upsample_map

pytestmark = pytest.mark.timeout(180)


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
