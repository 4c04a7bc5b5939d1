"""The window's new widgets on their own: first size, elided text, playback bar, filter panel."""

from __future__ import annotations

from PyQt6.QtCore import QRect
from PyQt6.QtWidgets import QStatusBar

from stra_live.sources.camera import CameraConfig
from stra_live.voxel.noise import NoiseFilterConfig
from ui.elided_label import ElidedLabel
from ui.filter_panel import FilterPanel, format_filter_rates
from ui.menus import read_recent, remember_recent, shortcuts_html
from ui.playback import EVENTS_ONLY_REASON, LIVE_REASON, PlaybackBar, Position, format_position
from ui.settings import open_settings
from ui.window_state import first_size, rect_is_sane


def test_first_size_gives_views_twice_the_sensor_where_the_screen_allows() -> None:
    width, height = first_size((260, 346), views=2, available=(1920, 1040))
    assert width >= 2 * 2 * 346 and height >= 2 * 260  # two views at 2x a DAVIS346
    assert width <= 1920 and height <= 1040
    small = first_size((260, 346), views=3, available=(1366, 728))
    assert small[0] <= 1366 * 0.92 and small[1] <= 728 * 0.88  # never past the screen
    assert small[0] >= 640 and small[1] >= 420


def test_sanity_of_saved_geometry() -> None:
    screen = [QRect(0, 0, 1600, 900)]
    assert rect_is_sane(QRect(100, 100, 1200, 700), screen)
    assert not rect_is_sane(QRect(0, 0, 1700, 700), screen)  # wider than the screen
    assert not rect_is_sane(QRect(1500, 100, 800, 600), screen)  # mostly off it
    assert not rect_is_sane(QRect(0, 0, 1053, 100), screen)  # the old 8-px-views window


def test_elided_label_never_widens_and_keeps_the_text(qtbot: object) -> None:
    bar = QStatusBar()
    qtbot.addWidget(bar)  # type: ignore[attr-defined]
    text = "Recorded 123456 events into " + "a_very_long_folder_name/" * 20
    label = ElidedLabel(text)
    bar.addPermanentWidget(label)
    bar.resize(300, 30)
    bar.show()
    assert label.minimumSizeHint().width() <= 24
    assert bar.minimumSizeHint().width() < 300
    assert label.text() == text and label.toolTip() == text
    assert label.is_elided() and label.elided_text().endswith("…")


def test_playback_bar_for_files_and_live_streams(qtbot: object) -> None:
    bar = PlaybackBar()
    qtbot.addWidget(bar)  # type: ignore[attr-defined]
    bar.set_stream(None, has_frames=True)  # live
    assert not bar.slider.isEnabled() and bar.slider.toolTip() == LIVE_REASON
    assert not bar.speed_box.isEnabled() and not bar.loop_box.isEnabled()
    assert not bar.back_button.isEnabled() and bar.forward_button.isEnabled()
    bar.set_stream(2_360_000, has_frames=False)  # an events-only file
    assert bar.slider.isEnabled() and bar.slider.maximum() == 2360
    assert not bar.back_button.isEnabled() and bar.back_button.toolTip() == EVENTS_ONLY_REASON
    bar.set_stream(2_360_000, has_frames=True)
    bar.show_position(Position(480_000, 2_360_000, frame=11, frames=59))
    assert bar.counter.text() == "frame 12 / 59 · 0.48 / 2.36 s"
    assert bar.slider.value() == 480
    with qtbot.waitSignal(bar.speed_changed) as speed:  # type: ignore[attr-defined]
        bar.speed_box.setCurrentIndex(bar.speed_box.count() - 1)
    assert speed.args == [None]  # as fast as possible
    with qtbot.waitSignal(bar.seek_requested) as seek:  # type: ignore[attr-defined]
        bar.slider.triggerAction(bar.slider.SliderAction.SliderPageStepAdd)
    assert seek.args[0] == bar.slider.value() * 1000 > 480_000
    assert format_position(Position(1_000_000, 2_000_000)) == "1.00 / 2.00 s"


def test_filter_panel_emits_live_settings(qtbot: object) -> None:
    panel = FilterPanel(NoiseFilterConfig(), 3.0, CameraConfig())
    qtbot.addWidget(panel)  # type: ignore[attr-defined]
    with qtbot.waitSignal(panel.filters_changed) as changed:  # type: ignore[attr-defined]
        panel.ba_box.setChecked(True)
    assert changed.args[0].background_activity and not changed.args[0].refractory
    with qtbot.waitSignal(panel.filters_changed) as changed:  # type: ignore[attr-defined]
        panel.refractory_period.setValue(1500)
    assert changed.args[0].refractory_us == 1500 and changed.args[0].background_activity
    with qtbot.waitSignal(panel.accumulation_changed) as acc:  # type: ignore[attr-defined]
        panel.accumulation_box.setCurrentIndex(3)
    assert acc.args == [100_000]
    with qtbot.waitSignal(panel.contrast_changed) as contrast:  # type: ignore[attr-defined]
        panel.contrast_slider.setValue(7)
    assert contrast.args == [7.0] and "7 events" in panel.contrast_label.text()
    assert not panel.camera_group.isEnabled() and "camera" in panel.camera_group.toolTip()
    assert not panel.bias_box.isEnabled()
    panel.set_stream(is_camera=True, has_frames=True)
    assert panel.camera_group.isEnabled() and panel.exposure.isEnabled()
    panel.exposure.setValue(4000)
    panel.bias_box.setCurrentIndex(1)
    with (qtbot.waitSignal(panel.bias_preset_changed) as bias,  # type: ignore[attr-defined]
          qtbot.waitSignal(panel.camera_changed) as camera):  # type: ignore[attr-defined]
        panel.apply_camera.click()
    assert camera.args[0].exposure_us == 4000 and bias.args == [panel.bias_box.itemText(1)]
    panel.show_rates(2e6, 1.5e6)
    assert panel.rates.text() == "2.00 Mev/s in → 1.50 Mev/s out (75%)"
    assert format_filter_rates(0.0, 0.0) == "0 ev/s in → 0 ev/s out"


def test_recent_files_newest_first_without_duplicates(tmp_path: object) -> None:
    settings = open_settings(tmp_path / "ui.ini")  # type: ignore[operator]
    remember_recent(settings, "a.aedat4")
    settings.sync()
    assert read_recent(settings) == ["a.aedat4"]  # one entry comes back as a plain string
    remember_recent(settings, "b.h5")
    remember_recent(settings, "a.aedat4")
    assert read_recent(settings) == ["a.aedat4", "b.h5"]
    assert "Space" in shortcuts_html() and "F1" in shortcuts_html()
