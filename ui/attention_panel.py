"""Attention inspector: SFB and TMB attention of one clicked pixel.

The SFB map (where the event features at the clicked position look in the
current frame) is upsampled to the image and drawn over the frame with a
colormap and an adjustable opacity. The TMB maps (where that position looks in
each memory entry) are drawn as one small heat map per entry, labelled with
their time relative to the current frame and with the entry's share of the
single softmax that spans all entries and with its peak over uniform; each map
uses its own colour range so its spatial pattern stays visible even when one
entry takes most of the weight, and the query is ringed rather than crossed, so
the cell a trained TMB mostly reads (the query's own) stays in view.

Coordinates are (x, y) = (column, row) everywhere, the grid cell too. The SFB
colour bar marks the uniform level (1 / number of grid cells: a query that
ignores its key), and the header gives the map's peak over uniform and its
entropy relative to uniform (:func:`models.attention_stats.attention_stats`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from models.attention_stats import attention_stats
from stra_live.engine.results import DeblurResult
from ui.image_views import make_image_plot, make_marker
from ui.render import event_view_rgb, heat_levels, memory_labels, upsample_map
from ui.settings import UiConfig

TMB_COLUMNS = 2
"""Memory-entry heat maps per row."""

SFB_TITLE = "SFB: events here → frame positions"

WAITING = "Waiting for a frame with attention maps…"

UNIFORM_PEN = pg.mkPen((0, 220, 255), width=2, style=Qt.PenStyle.DashLine)
"""The uniform level's line on the colour bar: cyan stands out on every colormap offered."""


def query_text(x: int, y: int, scale: int) -> str:
    """``"pixel (x, y) = (79, 67), grid cell (x, y) = (9, 8)"``: one convention for both."""
    return f"pixel (x, y) = ({x}, {y}), grid cell (x, y) = ({x // scale}, {y // scale})"


def concentration_text(weights: np.ndarray) -> str:
    """``"peak 3.2× uniform, entropy 0.87 of uniform"`` for one softmax's weights."""
    try:
        stats = attention_stats(weights)
    except ValueError:  # low-precision weights that do not sum to 1: no figures, no crash
        return "weights do not sum to 1"
    return (f"peak {stats.max_over_uniform:.1f}× uniform ({stats.uniform:.3%}), "
            f"entropy {stats.relative_entropy:.2f} of uniform")


class PercentAxis(pg.AxisItem):
    """An axis whose tick labels are percentages (attention weights are fractions of 1)."""

    def tickStrings(self, values: list[float], scale: float,  # noqa: N802 (pyqtgraph API)
                    spacing: float) -> list[str]:
        """Tick labels such as ``"0.05%"``, with as many decimals as the spacing needs."""
        decimals = max(0, min(4, -int(np.floor(np.log10(max(spacing * 100, 1e-6))))))
        return [f"{value * 100:.{decimals}f}%" for value in values]


class ColourBar(pg.PlotItem):
    """A vertical colour bar of the SFB weights with the uniform level marked."""

    def __init__(self) -> None:
        super().__init__(axisItems={"right": PercentAxis("right")})
        self.hideAxis("bottom")
        self.showAxis("right")
        self.hideAxis("left")
        self.setMenuEnabled(False)
        self.hideButtons()
        self.setMouseEnabled(False, False)
        self.setMaximumWidth(110)
        self.gradient = pg.ImageItem(np.linspace(0.0, 1.0, 256, dtype=np.float32)[:, None],
                                     axisOrder="row-major", levels=(0.0, 1.0))
        self.addItem(self.gradient)
        self.uniform_line = pg.InfiniteLine(angle=0, pen=UNIFORM_PEN, label="uniform",
                                            labelOpts={"position": 0.5, "color": (0, 220, 255),
                                                       "anchors": [(0.5, 1), (0.5, 1)]})
        self.addItem(self.uniform_line)

    def show_levels(self, low: float, high: float, uniform: float) -> None:
        """Span ``[low, high]`` with the colours, and mark ``uniform`` (always in view)."""
        self.gradient.setRect(QRectF(0.0, low, 1.0, high - low))
        self.uniform_line.setPos(uniform)
        bottom, top = min(low, uniform), max(high, uniform)
        self.setYRange(bottom, top, padding=0.02)
        self.setXRange(0.0, 1.0, padding=0.0)


class AttentionPanel(QWidget):
    """Shows the attention of the query pixel on the latest result that carries maps.

    Args:
        config: colormap choices and the initial colormap and opacity.
        parent: owning widget.
    """

    def __init__(self, config: UiConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.query: tuple[int, int] | None = None
        self.result: DeblurResult | None = None
        self.heading = QLabel("Click a pixel in a view to inspect its attention.")
        self.heading.setWordWrap(True)
        self.colormap_box = QComboBox()
        self.colormap_box.addItems(list(config.colormaps))
        self.colormap_box.setCurrentText(config.colormap)
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(round(config.overlay_opacity * 100))
        self.sfb_widget = pg.GraphicsLayoutWidget()
        self.sfb_plot = make_image_plot(SFB_TITLE)
        self.sfb_widget.addItem(self.sfb_plot)
        self.colour_bar = ColourBar()
        self.sfb_widget.addItem(self.colour_bar)
        self.sfb_frame = pg.ImageItem(axisOrder="row-major")
        self.sfb_heat = pg.ImageItem(axisOrder="row-major")
        self.sfb_heat.setZValue(5)
        self.sfb_marker = make_marker()
        for item in (self.sfb_frame, self.sfb_heat, self.sfb_marker):
            self.sfb_plot.addItem(item)
        self.tmb_widget = pg.GraphicsLayoutWidget()
        self.tmb_plots: list[pg.PlotItem] = []
        self.tmb_heats: list[pg.ImageItem] = []
        self.tmb_markers: list[pg.ScatterPlotItem] = []
        self._build_layout()
        self.colormap_box.currentTextChanged.connect(self._apply_colormap)
        self.opacity_slider.valueChanged.connect(self._apply_opacity)
        self._apply_colormap(self.colormap_box.currentText())
        self._apply_opacity(self.opacity_slider.value())

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.addRow("Colormap", self.colormap_box)
        form.addRow("Overlay opacity", self.opacity_slider)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.sfb_widget, stretch=3)
        tmb_caption = QLabel("TMB: this position → memory entries (% = the entry's share "
                             "of the attention, × = its peak over uniform; each map on its "
                             "own colour range)")
        tmb_caption.setWordWrap(True)  # a long caption must not set the dock's minimum width
        layout.addWidget(tmb_caption)
        layout.addWidget(self.tmb_widget, stretch=2)

    # --- public -------------------------------------------------------------------
    @property
    def opacity(self) -> float:
        """Current overlay opacity in [0, 1]."""
        return self.opacity_slider.value() / 100.0

    def set_query(self, x: int, y: int) -> None:
        """Inspect pixel (x, y) (column, row); redraws the kept result at once."""
        self.query = (x, y)
        self._redraw()

    def offer(self, result: DeblurResult) -> None:
        """Take a new result; kept and drawn only when it carries attention maps."""
        if result.attention is None:
            return
        self.result = result
        self._redraw()

    def clear(self, reason: str = WAITING) -> None:
        """Forget the kept result (a new stream or new weights) and say why it is empty."""
        self.result = None
        self.sfb_frame.clear()
        self.sfb_heat.clear()
        self.sfb_marker.setVisible(False)
        self._set_tmb_count(0)
        self.heading.setText(reason)

    def tmb_titles(self) -> list[str]:
        """Titles of the memory-entry maps currently shown."""
        return [plot.titleLabel.text for plot in self.tmb_plots]

    # --- drawing -------------------------------------------------------------------
    def _redraw(self) -> None:
        if self.result is None or self.result.attention is None:
            return  # the heading keeps the reason set by clear()
        result, maps = self.result, self.result.attention
        base = result.blurry if result.blurry is not None else None
        if base is None:
            self.sfb_frame.setImage(event_view_rgb(result.event_image), autoLevels=False,
                                    levels=(0, 255))
        else:
            self.sfb_frame.setImage(base, autoLevels=False, levels=(0.0, 1.0))
        shape = (int(result.event_image.shape[0]), int(result.event_image.shape[1]))
        if self.query is None:
            self.heading.setText(f"Frame #{result.index}: click a pixel in a view to inspect it.")
            self.sfb_heat.clear()
            self._set_tmb_count(0)
            return
        x, y = self.query
        weights = maps.sfb_map(x, y)
        sfb = upsample_map(weights, maps.scale, shape)
        low, high = heat_levels(sfb)
        self.sfb_heat.setImage(sfb, autoLevels=False, levels=(low, high))
        self.colour_bar.show_levels(low, high, 1.0 / maps.sfb.shape[1])
        self._mark(self.sfb_marker, x, y)
        self._draw_tmb(result, x, y, shape)
        self.heading.setText(
            f"Frame #{result.index}, {query_text(x, y, maps.scale)} at {maps.scale} px per "
            f"cell.\nSFB: weights {low:.3%} to {high:.3%}; {concentration_text(weights)}")

    def _draw_tmb(self, result: DeblurResult, x: int, y: int, shape: tuple[int, int]) -> None:
        maps = result.attention
        assert maps is not None
        tmb = maps.tmb_maps(x, y)
        self._set_tmb_count(tmb.shape[0])
        labels = memory_labels(maps.memory_timestamps, result.timestamp)
        for k in range(tmb.shape[0]):
            heat = upsample_map(tmb[k], maps.scale, shape)
            # Each map on its own range shows where in that entry it looks; the title
            # gives the entry's share of the one softmax over all entries.
            self.tmb_heats[k].setImage(heat, autoLevels=False, levels=heat_levels(heat))
            share = float(tmb[k].sum())
            mean = float(tmb[k].mean())
            peak = f" · {float(tmb[k].max()) / mean:.0f}×" if mean > 0 else ""
            self.tmb_plots[k].setTitle(f"{labels[k]} · {share:.0%}{peak}", size="9pt")
            self._mark(self.tmb_markers[k], x, y)

    def _set_tmb_count(self, count: int) -> None:
        """Create or drop small views so there is one per memory entry."""
        if count == len(self.tmb_plots):
            return
        self.tmb_widget.clear()
        self.tmb_plots, self.tmb_heats, self.tmb_markers = [], [], []
        for k in range(count):
            plot = make_image_plot("")
            heat = pg.ImageItem(axisOrder="row-major")
            heat.setColorMap(pg.colormap.get(self.colormap_box.currentText()))
            # A ring, not a cross: trained TMB maps put most of their weight on the
            # query's own cell, which a cross the size of a few cells would hide.
            marker = make_marker(symbol="o", size=18)
            plot.addItem(heat)
            plot.addItem(marker)
            self.tmb_widget.addItem(plot, row=k // TMB_COLUMNS, col=k % TMB_COLUMNS)
            self.tmb_plots.append(plot)
            self.tmb_heats.append(heat)
            self.tmb_markers.append(marker)

    @staticmethod
    def _mark(marker: pg.ScatterPlotItem, x: int, y: int) -> None:
        marker.setData([x + 0.5], [y + 0.5])
        marker.setVisible(True)

    def _apply_colormap(self, name: str) -> None:
        colormap = pg.colormap.get(name)
        self.sfb_heat.setColorMap(colormap)
        self.colour_bar.gradient.setColorMap(colormap)
        for heat in self.tmb_heats:
            heat.setColorMap(colormap)

    def _apply_opacity(self, value: int) -> None:
        self.sfb_heat.setOpacity(value / 100.0)

    def sfb_image(self) -> np.ndarray | None:
        """The (H, W) SFB heat map currently drawn, or None."""
        return self.sfb_heat.image
