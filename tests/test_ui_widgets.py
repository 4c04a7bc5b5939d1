"""Widget-level tests of the app on hand-built results (no engine needed)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import QPointF, Qt, QThread

from stra_live.config import CONFIG_DIR, ConfigError, load_config
from stra_live.engine.results import AttentionMaps, DeblurResult, EngineStats
from ui.attention_panel import AttentionPanel
from ui.bridge import LatestSlot, PipelineBridge
from ui.image_views import ImageViews
from ui.render import upsample_map
from ui.settings import UiConfig
from ui.status_bar import StatusPanel, format_rate, format_status

pytestmark = pytest.mark.timeout(60)

HEIGHT, WIDTH, SCALE = 20, 30, 8  # grid 3 x 4 covers 24 x 32 px: padded at bottom/right


def make_result(index: int = 0, frames: bool = True, attention: bool = True,
                seed: int = 0) -> DeblurResult:
    """A small result with a gradient frame and row-normalised random attention."""
    rng = np.random.default_rng(seed)
    blurry = np.tile(np.linspace(0, 1, WIDTH, dtype=np.float32), (HEIGHT, 1))
    blurry[:5] = 1.0  # a bright band at the top rows: shows the image is upright
    events = np.zeros((HEIGHT, WIDTH), dtype=np.float32)
    events[2, 3], events[10, 20] = 4.0, -2.0
    maps = None
    if attention:
        grid = (3, 4)
        n = grid[0] * grid[1]
        sfb = rng.random((n, n)).astype(np.float32)
        tmb = rng.random((n, 2, n)).astype(np.float32)
        maps = AttentionMaps(grid=grid, scale=SCALE, sfb=sfb / sfb.sum(1, keepdims=True),
                             tmb=tmb / tmb.sum((1, 2), keepdims=True),
                             memory_timestamps=(967_000, 1_033_000))
    return DeblurResult(index=index, timestamp=1_000_000, blurry=blurry if frames else None,
                        deblurred=np.clip(blurry * 0.9, 0, 1) if frames else None,
                        event_image=events, attention=maps,
                        stats=EngineStats(device="cpu", output_fps=12.5, frames_out=index + 1))


@pytest.fixture
def views(qtbot: object) -> ImageViews:
    widget = ImageViews(event_saturation=2.0)
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    widget.resize(700, 300)
    widget.show()
    return widget


def test_views_draw_frames_with_fixed_levels_upright(views: ImageViews) -> None:
    result = make_result()
    views.show_result(result)
    np.testing.assert_array_equal(views.blurry.image, result.blurry)
    np.testing.assert_array_equal(views.deblurred.image, result.deblurred)
    assert list(views.blurry.levels) == [0.0, 1.0]
    assert list(views.deblurred.levels) == [0.0, 1.0]
    assert views.visible_plots() == [views.blurry_plot, views.deblurred_plot]
    _, top = views.widget_pos_of(views.blurry_plot, 5, 0)
    _, bottom = views.widget_pos_of(views.blurry_plot, 5, HEIGHT - 1)
    assert top.y() < bottom.y()  # row 0 is drawn at the top
    _, left = views.widget_pos_of(views.blurry_plot, 0, 5)
    _, right = views.widget_pos_of(views.blurry_plot, WIDTH - 1, 5)
    assert left.x() < right.x()
    widths = [widget.width() for widget in views.widgets[:2]]
    assert abs(widths[0] - widths[1]) <= 2  # the two views share the space equally


def test_views_are_linked_in_x_and_y(views: ImageViews) -> None:
    views.show_result(make_result())
    views.blurry_plot.getViewBox().setRange(xRange=(5, 15), yRange=(2, 8), padding=0)
    x_range, y_range = views.deblurred_plot.getViewBox().viewRange()
    assert np.allclose(views.blurry_plot.getViewBox().viewRange(), [x_range, y_range], atol=0.5)
    # The locked aspect may widen one axis, but the zoom is centred where it was asked.
    assert np.mean(x_range) == pytest.approx(10, abs=0.5)
    assert np.mean(y_range) == pytest.approx(5, abs=0.5)
    assert x_range[1] - x_range[0] < WIDTH / 2


def test_click_through_the_scene_emits_the_pixel(views: ImageViews, qtbot: object) -> None:
    views.show_result(make_result())
    for plot, (x, y) in ((views.blurry_plot, (7, 3)), (views.deblurred_plot, (25, 17))):
        viewport, pos = views.widget_pos_of(plot, x + 0.5, y + 0.5)
        with qtbot.waitSignal(views.pixel_clicked, timeout=2000) as blocker:  # type: ignore[attr-defined]
            qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pos)  # type: ignore[attr-defined]
        assert blocker.args == [x, y]
        assert all(marker.isVisible() for marker in views.markers)
    outside = views.blurry_plot.getViewBox().mapViewToScene(QPointF(WIDTH + 3.0, 1.0))
    assert views.pixel_at(views.blurry_plot, outside) is None


def test_event_overlay_and_event_view(views: ImageViews) -> None:
    views.set_event_overlay(True)
    views.set_event_view(True)
    views.show_result(make_result())
    assert views.visible_plots()[-1] is views.events_plot
    overlay = views.overlays[0].image
    assert overlay.shape == (HEIGHT, WIDTH, 4)
    assert overlay[2, 3, 3] > 0 and overlay[0, 0, 3] == 0  # only pixels with events show
    assert overlay[2, 3, 0] > overlay[2, 3, 2]  # ON is red
    assert overlay[10, 20, 2] > overlay[10, 20, 0]  # OFF is blue
    np.testing.assert_array_equal(views.events.image[0, 0], [255, 255, 255])


def test_events_only_result_shows_only_the_event_view(views: ImageViews) -> None:
    views.show_result(make_result(frames=False))
    assert views.events_only
    assert views.visible_plots() == [views.events_plot]
    assert not views.widgets[0].isVisible() and views.widgets[2].isVisible()
    assert views.events.image.shape == (HEIGHT, WIDTH, 3)
    views.show_result(make_result(frames=True))
    assert views.visible_plots() == [views.blurry_plot, views.deblurred_plot]


def test_attention_panel_shows_the_query_rows(qtbot: object) -> None:
    panel = AttentionPanel(UiConfig(colormap="viridis", overlay_opacity=0.3))
    qtbot.addWidget(panel)  # type: ignore[attr-defined]
    result = make_result(index=7, seed=3)
    maps = result.attention
    assert maps is not None
    panel.offer(make_result(attention=False))
    assert panel.result is None  # results without maps are not kept
    panel.offer(result)
    panel.set_query(17, 12)  # grid cell (1, 2) -> query 1 * 4 + 2 = 6
    expected = upsample_map(maps.sfb[6].reshape(3, 4), SCALE, (HEIGHT, WIDTH))
    np.testing.assert_allclose(panel.sfb_image(), expected)
    assert panel.tmb_titles()[0].startswith("T-1 (-33 ms)")
    assert panel.tmb_titles()[1].startswith("T+1 (+33 ms)")
    np.testing.assert_allclose(panel.tmb_heats[1].image,
                               upsample_map(maps.tmb[6, 1].reshape(3, 4), SCALE, (HEIGHT, WIDTH)))
    for k in range(2):  # each entry's share of the one softmax over all entries, its peak
        entry = maps.tmb[6, k]
        assert panel.tmb_titles()[k].endswith(
            f"· {entry.sum():.0%} · {entry.max() / entry.mean():.0f}×")
        np.testing.assert_allclose(panel.tmb_heats[k].levels,
                                   [maps.tmb[6, k].min(), maps.tmb[6, k].max()], rtol=1e-6)
    assert "(17, 12)" in panel.heading.text()
    assert panel.sfb_heat.opacity() == pytest.approx(0.3)
    panel.opacity_slider.setValue(80)
    assert panel.sfb_heat.opacity() == pytest.approx(0.8)
    lut_before = panel.sfb_heat.lut.copy() if panel.sfb_heat.lut is not None else None
    panel.colormap_box.setCurrentText("magma")
    assert lut_before is None or not np.array_equal(lut_before, panel.sfb_heat.lut)


def test_status_text() -> None:
    stats = EngineStats(device="cpu", input_fps=30.04, output_fps=24.5, latency_p50_ms=31.2,
                        latency_p95_ms=48.9, event_rate=1.25e6, frames_dropped=3,
                        memory_entries=2)
    text = format_status(stats, "demo scene", (180, 240), not_shown=4)
    assert text["resolution"] == "240×180"
    assert text["input"] == "in 30.0 fps" and text["output"] == "out 24.5 fps"
    assert text["latency"] == "latency p50 31 / p95 49 ms"
    assert text["events"] == "1.25 Mev/s"
    assert text["dropped"] == "dropped 3" and text["memory"] == "memory 2"
    assert text["not_shown"] == "not drawn 4"
    assert format_rate(5300) == "5.3 kev/s" and format_rate(12) == "12 ev/s"
    assert format_status(None, "x", None)["device"] == "starting…"


def test_status_panel_shows_fields(qtbot: object) -> None:
    panel = StatusPanel()
    qtbot.addWidget(panel)  # type: ignore[attr-defined]
    panel.show_stats(EngineStats(device="cuda:0 (bf16)"), "cam", (260, 346))
    assert "Device: cuda:0 (bf16)" in panel.text() and "346×260" in panel.text()


def test_latest_slot_keeps_only_the_newest() -> None:
    slot = LatestSlot()
    assert slot.take() is None
    first, second, third = (make_result(index=i, attention=False) for i in range(3))
    slot.put(first)
    slot.put(second)
    assert slot.take() is second and slot.take() is None
    slot.put(third)
    assert slot.take() is third
    assert (slot.received, slot.not_shown) == (3, 1)
    slot.reset()
    assert (slot.received, slot.not_shown) == (0, 0)


def test_bridge_delivers_worker_results_on_the_gui_thread(qtbot: object) -> None:
    bridge = PipelineBridge()
    received: list[tuple[int, bool]] = []
    gui_thread = QThread.currentThread()
    bridge.result.connect(lambda r: received.append((r.index, QThread.currentThread()
                                                     is gui_thread)))
    callbacks = bridge.callbacks()
    worker = threading.Thread(target=lambda: [callbacks.on_result(make_result(i, attention=False))
                                              for i in range(3)])
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(received) and received[-1][0] == 2,  # type: ignore[attr-defined]
                    timeout=2000)
    # The newest result arrives, on the GUI thread; older ones may have been replaced.
    assert all(on_gui for _, on_gui in received) and len(received) <= 3
    assert len(received) + bridge.slot.not_shown == 3
    count = len(received)
    bridge.detach()
    errors: list[str] = []
    bridge.error.connect(errors.append)
    callbacks.on_result(make_result(9, attention=False))
    callbacks.on_error("late")
    qtbot.wait(50)  # type: ignore[attr-defined]
    assert len(received) == count and errors == []


def test_bridge_holds_one_result_while_the_gui_thread_is_busy(qtbot: object) -> None:
    bridge = PipelineBridge()
    received: list[int] = []
    bridge.result.connect(lambda r: received.append(r.index))
    callbacks = bridge.callbacks()
    # The GUI thread does not run its event loop while the worker sends 500 results.
    worker = threading.Thread(target=lambda: [callbacks.on_result(make_result(i, attention=False))
                                              for i in range(500)])
    worker.start()
    worker.join()
    assert bridge.slot.not_shown == 499  # nothing queued: one pending result, the rest replaced
    qtbot.waitUntil(lambda: received == [499], timeout=2000)  # type: ignore[attr-defined]
    qtbot.wait(50)  # type: ignore[attr-defined]
    assert received == [499]  # one wake-up was posted, so one delivery


def test_ui_config_file_loads_and_validates(tmp_path: Path) -> None:
    config = load_config(UiConfig, CONFIG_DIR / "ui.yaml")
    assert config.colormap in config.colormaps
    bad = tmp_path / "ui.yaml"
    bad.write_text("colormap: rainbow\n")
    with pytest.raises(ConfigError, match="rainbow"):
        load_config(UiConfig, bad)
