"""The linked blurry | deblurred | events image views.

All views share X and Y ranges (zoom and pan one, the others follow), keep the
pixel aspect ratio and show the image upright (row 0 at the top). Frames are
drawn with fixed levels [0, 1] so the brightness never flickers with content.
A click on any view emits the clicked pixel for the attention inspector.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPoint, QPointF, Qt, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

from stra_live.engine.results import DeblurResult
from ui.render import event_overlay_rgba, event_view_rgb

MARKER_PEN = pg.mkPen((0, 255, 120), width=2)
"""Pen of the clicked-pixel marker: green stands out on grey frames and red/blue events."""


def make_image_plot(title: str) -> pg.PlotItem:
    """A PlotItem set up to show one image: no axes, locked aspect, y pointing down."""
    plot = pg.PlotItem(title=title)
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    plot.setMenuEnabled(False)
    plot.hideButtons()
    view = plot.getViewBox()
    view.setAspectLocked(True)
    view.invertY(True)
    view.setDefaultPadding(0.0)
    return plot


def make_marker(symbol: str = "+", size: int = 14) -> pg.ScatterPlotItem:
    """A hidden marker (a cross by default) to place at the clicked pixel."""
    marker = pg.ScatterPlotItem(size=size, symbol=symbol, pen=MARKER_PEN, brush=None)
    marker.setZValue(10)
    marker.setVisible(False)
    return marker


class ImageViews(QWidget):
    """Side-by-side blurry | deblurred views, with optional recorded-output and events views.

    The recorded view appears while playing back a STRA Live recording: the
    deblurred frame recorded in that session, beside the fresh deblurring.

    Each view is its own PlotWidget in a row layout, so hidden views give their
    space back and the visible ones stay the same size (which keeps the linked
    ranges identical under the locked aspect ratio).

    Signals:
        pixel_clicked(int x, int y): image pixel (column, row) clicked in any view.
    """

    pixel_clicked = pyqtSignal(int, int)

    def __init__(self, event_saturation: float = 3.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.event_saturation = event_saturation
        self.widgets = tuple(pg.PlotWidget(plotItem=make_image_plot(title)) for title in
                             ("Blurry (APS)", "Deblurred (STRA)", "Events (ON red / OFF blue)",
                              "Recorded deblurring"))
        self.plots = tuple(widget.getPlotItem() for widget in self.widgets)
        self.blurry_plot, self.deblurred_plot, self.events_plot, self.recorded_plot = self.plots
        self.blurry = pg.ImageItem(axisOrder="row-major")
        self.deblurred = pg.ImageItem(axisOrder="row-major")
        self.events = pg.ImageItem(axisOrder="row-major")
        self.recorded = pg.ImageItem(axisOrder="row-major")
        self.overlays = (pg.ImageItem(axisOrder="row-major"), pg.ImageItem(axisOrder="row-major"))
        self.markers = tuple(make_marker() for _ in self.plots)
        for plot, item in zip(self.plots, (self.blurry, self.deblurred, self.events,
                                           self.recorded), strict=True):
            plot.addItem(item)
        for plot, overlay in zip(self.plots[:2], self.overlays, strict=True):
            overlay.setZValue(5)
            overlay.setVisible(False)
            plot.addItem(overlay)
        for plot, marker in zip(self.plots, self.markers, strict=True):
            plot.addItem(marker)
        for plot in self.plots[1:]:
            plot.setXLink(self.blurry_plot)
            plot.setYLink(self.blurry_plot)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for widget, plot in zip(self.widgets, self.plots, strict=True):
            widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            layout.addWidget(widget, stretch=1)
            widget.scene().sigMouseClicked.connect(
                lambda event, plot=plot: self._on_scene_click(event, plot))
        self._shape: tuple[int, int] | None = None
        self._events_only = False
        self._event_view = False
        self._recorded_view = False
        self._overlay = False
        self._arrange()

    # --- modes -------------------------------------------------------------------
    @property
    def events_only(self) -> bool:
        """True while showing a stream without APS frames."""
        return self._events_only

    def set_events_only(self, events_only: bool) -> None:
        """Show only the events view (no APS frames) or the frame views."""
        if events_only != self._events_only:
            self._events_only = events_only
            self._arrange()

    def set_event_view(self, visible: bool) -> None:
        """Show or hide the third (events) view beside the frame views."""
        if visible != self._event_view:
            self._event_view = visible
            self._arrange()

    def set_recorded_view(self, visible: bool) -> None:
        """Show or hide the recorded-deblurring view (beside the fresh one)."""
        if visible != self._recorded_view:
            self._recorded_view = visible
            self._arrange()

    def show_recorded(self, image: np.ndarray | None) -> None:
        """Draw the recorded output (uint8) for the frame shown; None (none recorded) = black."""
        if image is None:
            shape = self._shape or (1, 1)
            image = np.zeros(shape, dtype=np.uint8)
        self.recorded.setImage(image, autoLevels=False, levels=(0, 255))

    def set_event_overlay(self, visible: bool) -> None:
        """Show or hide the red/blue event overlay on the blurry and deblurred views."""
        self._overlay = visible
        for overlay in self.overlays:
            overlay.setVisible(visible)

    def visible_plots(self) -> list[pg.PlotItem]:
        """The views currently laid out, left to right."""
        if self._events_only:
            return [self.events_plot]
        plots = [self.blurry_plot, self.deblurred_plot]
        if self._recorded_view:
            plots.append(self.recorded_plot)
        return [*plots, self.events_plot] if self._event_view else plots

    def _arrange(self) -> None:
        visible = self.visible_plots()
        for widget, plot in zip(self.widgets, self.plots, strict=True):
            widget.setVisible(plot in visible)

    # --- drawing -------------------------------------------------------------------
    def set_saturation(self, saturation: float) -> None:
        """Event contrast: |events per pixel| drawn at full colour (from the next drawing on)."""
        if saturation <= 0:
            raise ValueError(f"saturation must be positive, got {saturation}")
        self.event_saturation = float(saturation)

    def show_events(self, events: np.ndarray) -> None:
        """Redraw the event view (and overlays) from an (H, W) signed event image."""
        if events.shape != self._shape:
            return  # not this stream's (a switch is under way)
        if self._events_only or self._event_view:
            rgb = event_view_rgb(events, self.event_saturation)
            self.events.setImage(rgb, autoLevels=False, levels=(0, 255))
        if self._overlay and not self._events_only:
            rgba = event_overlay_rgba(events, self.event_saturation)
            for overlay in self.overlays:
                overlay.setImage(rgba, autoLevels=False, levels=(0, 255))

    def show_result(self, result: DeblurResult, events: np.ndarray | None = None) -> None:
        """Draw one result: frames at levels [0, 1], events in red/blue.

        Args:
            result: the engine's output.
            events: an (H, W) event image to show instead of the frame's own
                (the event view's accumulation time), or None.
        """
        self.set_events_only(result.blurry is None)
        if events is None or events.shape != result.event_image.shape:
            events = result.event_image
        if result.blurry is not None and result.deblurred is not None:
            self.blurry.setImage(result.blurry, autoLevels=False, levels=(0.0, 1.0))
            self.deblurred.setImage(result.deblurred, autoLevels=False, levels=(0.0, 1.0))
            if self._overlay:
                rgba = event_overlay_rgba(events, self.event_saturation)
                for overlay in self.overlays:
                    overlay.setImage(rgba, autoLevels=False, levels=(0, 255))
        if self._events_only or self._event_view:
            rgb = event_view_rgb(events, self.event_saturation)
            self.events.setImage(rgb, autoLevels=False, levels=(0, 255))
        shape = (int(events.shape[0]), int(events.shape[1]))
        if shape != self._shape:
            self._shape = shape
            self.reset_zoom()

    def reset_zoom(self) -> None:
        """Fit the whole image into the (linked) views."""
        if self._shape is None:
            return
        height, width = self._shape
        for plot in self.visible_plots():
            plot.getViewBox().setRange(xRange=(0, width), yRange=(0, height), padding=0.0)

    def set_marker(self, x: int, y: int) -> None:
        """Mark pixel (x, y) in every view."""
        for marker in self.markers:
            marker.setData([x + 0.5], [y + 0.5])
            marker.setVisible(True)

    def clear_marker(self) -> None:
        """Hide the clicked-pixel marker."""
        for marker in self.markers:
            marker.setVisible(False)

    # --- clicks -------------------------------------------------------------------
    def pixel_at(self, plot: pg.PlotItem, scene_pos: QPointF) -> tuple[int, int] | None:
        """Image pixel (x, y) under a position in ``plot``'s scene, or None off the image."""
        if self._shape is None or plot not in self.visible_plots():
            return None
        view = plot.getViewBox()
        if not view.sceneBoundingRect().contains(scene_pos):
            return None
        point = view.mapSceneToView(scene_pos)
        x, y = int(np.floor(point.x())), int(np.floor(point.y()))
        height, width = self._shape
        if 0 <= x < width and 0 <= y < height:
            return x, y
        return None

    def click(self, plot: pg.PlotItem, scene_pos: QPointF) -> tuple[int, int] | None:
        """Handle a click in ``plot``: mark the pixel and emit ``pixel_clicked``."""
        pixel = self.pixel_at(plot, scene_pos)
        if pixel is not None:
            self.set_marker(*pixel)
            self.pixel_clicked.emit(*pixel)
        return pixel

    def widget_pos_of(self, plot: pg.PlotItem, x: float, y: float) -> tuple[QWidget, QPoint]:
        """The widget showing ``plot`` and the position in it of image point (x, y)."""
        widget = self.widgets[self.plots.index(plot)]
        scene_pos = plot.getViewBox().mapViewToScene(QPointF(x, y))
        return widget.viewport(), widget.mapFromScene(scene_pos)

    def _on_scene_click(self, event: object, plot: pg.PlotItem) -> None:
        # Left clicks only: the right button keeps pyqtgraph's context gestures.
        if event.button() == Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            self.click(plot, event.scenePos())  # type: ignore[attr-defined]
