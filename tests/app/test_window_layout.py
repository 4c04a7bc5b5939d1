"""The window's first size, sane saved geometry, elided status, menus, checkpoints, inspector."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PyQt6.QtCore import QByteArray, QRect
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QFileDialog

from stra_live.resources import weights_dir
from tests.app.support import WAIT_MS, grab_array, wait_for_result
from ui.attention_panel import query_text
from ui.inspector_dock import NEW_WEIGHTS_REASON
from ui.main_window import MainWindow
from ui.settings import open_settings

pytestmark = pytest.mark.timeout(180)


def screen_area() -> QRect:
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    return screen.availableGeometry()


def test_first_run_window_fits_the_screen_with_usable_views(
        make_window: Callable[..., MainWindow], qtbot: object, tmp_path: Path) -> None:
    window = make_window(size=None)  # no saved settings, no resize: as a first start
    window.start_source("demo")
    wait_for_result(qtbot, window)
    area, frame = screen_area(), window.frameGeometry()
    assert frame.width() <= area.width() and frame.height() <= area.height()
    assert window.width() >= min(640, area.width() * 0.9)
    assert window.height() >= min(420, area.height() * 0.85)
    views = window.views
    assert views.height() >= 0.5 * window.height()  # not the old 8-px-tall views
    pixels = grab_array(window, tmp_path / "first_run.png")
    assert pixels.shape[0] == window.height() and pixels[..., :3].std() > 0


def test_long_status_text_is_elided_and_never_widens_the_window(
        make_window: Callable[..., MainWindow], qtbot: object) -> None:
    window = make_window()
    window.start_source("demo")
    message = "Recorded 123456 events into " + "/a/very/long/folder/name" * 30
    window.status.showMessage(message)
    window.status.show_recording("● REC 00:01 " + "session_" * 40 + ".aedat4")
    qtbot.wait(50)  # type: ignore[attr-defined]
    assert window.minimumSizeHint().width() < screen_area().width()
    assert window.status.currentMessage() == message
    assert window.status.message.is_elided() and window.status.message.toolTip() == message


def test_oversized_saved_geometry_is_not_restored_nor_saved(
        make_window: Callable[..., MainWindow], tmp_path: Path) -> None:
    settings_path = tmp_path / "bad.ini"
    first = make_window(settings=settings_path, size=None)
    area = screen_area()
    first.resize(area.width() + 900, 300)  # as the old REC label did
    first.save_settings()
    assert open_settings(settings_path).value("window/geometry") is None  # not saved
    settings = open_settings(settings_path)
    first.setGeometry(0, 0, area.width() + 900, area.height() + 500)
    settings.setValue("window/geometry", QByteArray(first.saveGeometry()))
    settings.sync()
    second = make_window(settings=settings_path, size=None)
    assert second.frameGeometry().width() <= area.width()


def test_menus_recent_files_and_help(make_window: Callable[..., MainWindow], qtbot: object,
                                     tmp_path: Path, small_file: Path) -> None:
    window = make_window()
    titles = [action.text() for action in window.menuBar().actions()]
    assert titles == ["&File", "&View", "&Help"]
    files = [a.text() for a in window.menus.file_menu.actions() if a.text()]
    for wanted in ("&Open file…", "Open &recent", "Open recording &folder", "&Checkpoint",
                   "&Quit"):
        assert wanted in files
    window.start_source(str(small_file))
    window.menus._fill_recent()
    assert [a.text() for a in window.menus.recent_menu.actions()] == [str(small_file)]
    box = window.menus.show_help()
    assert "Space" in box.text() and "play / pause" in box.text()
    box.close()
    assert window.menus.help_action.shortcut().toString() == "F1"


def test_checkpoint_picker_starts_in_the_shipped_weights(
        make_window: Callable[..., MainWindow], monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    asked: list[str] = []

    def fake_dialog(parent: object, title: str, folder: str, filters: str) -> tuple[str, str]:
        asked.append(folder)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", fake_dialog)
    window.menus.ask_checkpoint()
    window.controls.checkpoint_action.trigger()
    assert asked == [str(weights_dir())] * 2
    names = [a.text() for a in window.menus.checkpoint_menu.actions()]
    assert "stra_realtime" in names and "stra_paper" in names
    assert any(name.startswith("ablations/") for name in names)


def test_checkpoint_switch_names_the_weights_and_clears_the_inspector(
        make_window: Callable[..., MainWindow], qtbot: object, tiny_checkpoint: Path,
        tmp_path: Path) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    assert "Weights: tiny.safetensors (C=4" in window.status.text()
    window.inspect_pixel(20, 12)
    qtbot.waitUntil(lambda: window.attention.result is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    heading = window.attention.heading.text()
    assert query_text(20, 12, 8) in heading and "peak" in heading and "entropy" in heading
    uniform = 1.0 / window.attention.result.attention.sfb.shape[1]
    assert window.attention.colour_bar.uniform_line.value() == pytest.approx(uniform)
    other = tmp_path / "other.safetensors"
    other.write_bytes(tiny_checkpoint.read_bytes())
    with qtbot.waitSignal(window.session.opened, timeout=WAIT_MS):  # type: ignore[attr-defined]
        window.load_checkpoint(str(other))
    assert window.attention.result is None
    assert window.attention.heading.text() == NEW_WEIGHTS_REASON
    qtbot.waitUntil(lambda: window.attention.result is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    window.redraw()
    assert "Weights: other.safetensors" in window.status.text()


def test_filter_panel_changes_the_running_stream(make_window: Callable[..., MainWindow],
                                                 qtbot: object) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    panel = window.stream.panel
    panel.refractory_box.setChecked(True)
    chain = window.session.filtered.chain
    assert chain.config.refractory and chain.config.refractory_us == panel.refractory_period.value()
    panel.accumulation_box.setCurrentIndex(2)  # 33 ms
    assert window.session.filtered.accumulator.window_us == 33_000
    panel.contrast_slider.setValue(9)
    assert window.views.event_saturation == 9.0
    before = chain.events_in
    qtbot.waitUntil(lambda: chain.events_in > before and "in →" in panel.rates.text(),  # type: ignore[attr-defined]
                    timeout=WAIT_MS)
    assert chain.events_out <= chain.events_in


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    from tests.app.test_playback import small_h5

    return small_h5(tmp_path / "small.h5")


def test_open_recording_folder_creates_and_shows_it(make_window: Callable[..., MainWindow],
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    from PyQt6.QtGui import QDesktopServices

    window = make_window()
    shown: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl",
                        lambda url: shown.append(url.toLocalFile()) or True)
    window.set_record_folder(str(tmp_path / "new" / "recordings"))
    folder_action = next(a for a in window.menus.file_menu.actions()
                         if a.text() == "Open recording &folder")
    folder_action.trigger()
    assert shown == [str((tmp_path / "new" / "recordings").resolve())]
    assert (tmp_path / "new" / "recordings").is_dir()
