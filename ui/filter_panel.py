"""The "Filters and view" panel: noise filters, event view accumulation and contrast, camera.

Like DV's viewer: each noise filter is switched and tuned live (the session
applies them to the stream before voxelisation) and the panel shows the event
rate before and after them; the event view accumulates over the frame's
exposure or a chosen time, with an adjustable contrast; a live camera's
exposure and frame interval can be set. Controls that do nothing for the
current stream are disabled with a tooltip saying why. The panel only asks
and shows; the window applies.
"""

from __future__ import annotations

import dataclasses

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from stra_live.sources.camera import BIAS_PRESETS, CameraConfig
from stra_live.voxel.noise import NoiseFilterConfig
from ui.status_bar import format_rate

ACCUMULATIONS: tuple[tuple[str, int | None], ...] = (
    ("frame exposure", None), ("10 ms", 10_000), ("33 ms", 33_000), ("100 ms", 100_000),
    ("300 ms", 300_000), ("1 s", 1_000_000),
)
"""Event view accumulation choices: label and time in us (None = the frame's exposure)."""

NOT_A_CAMERA = "only a live camera has these settings"


def _spin(low: int, high: int, value: int, suffix: str, step: int = 100) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setValue(value)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)  # apply once the number is typed, not at every digit
    return box


def format_filter_rates(rate_in: float, rate_out: float) -> str:
    """``"1.25 Mev/s in → 1.00 Mev/s out (80%)"``."""
    share = f" ({rate_out / rate_in:.0%})" if rate_in > 0 else ""
    return f"{format_rate(rate_in)} in → {format_rate(rate_out)} out{share}"


class FilterPanel(QWidget):
    """Noise filters, event view and camera settings.

    Signals:
        filters_changed(NoiseFilterConfig): the filters to run from now on.
        accumulation_changed(object): event view accumulation in us, None = frame exposure.
        contrast_changed(float): events per pixel drawn at full colour.
        camera_changed(CameraConfig): exposure / frame interval to apply to the camera.
        bias_preset_changed(str): a threshold bias preset to apply to the camera.

    Args:
        filters: initial filter settings.
        saturation: initial event contrast (events per pixel at full colour).
        camera: initial camera settings.
    """

    filters_changed = pyqtSignal(object)
    accumulation_changed = pyqtSignal(object)
    contrast_changed = pyqtSignal(float)
    camera_changed = pyqtSignal(object)
    bias_preset_changed = pyqtSignal(str)

    def __init__(self, filters: NoiseFilterConfig, saturation: float, camera: CameraConfig,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filters = filters
        self._camera = camera
        self.ba_box = QCheckBox("Background activity")
        self.ba_window = _spin(100, 100_000, filters.ba_window_us, " µs")
        self.refractory_box = QCheckBox("Refractory period")
        self.refractory_period = _spin(10, 100_000, filters.refractory_us, " µs")
        self.hot_box = QCheckBox("Hot pixels")
        self.hot_k = QDoubleSpinBox()
        self.hot_k.setRange(1.5, 1000.0)
        self.hot_k.setValue(filters.hot_k)
        self.hot_k.setPrefix("> ")
        self.hot_k.setSuffix(" × median")
        self.rates = QLabel("—")
        self.accumulation_box = QComboBox()
        for label, value in ACCUMULATIONS:
            self.accumulation_box.addItem(label, value)
        self.contrast_slider = QSlider(Qt.Orientation.Horizontal)
        self.contrast_slider.setRange(1, 20)
        self.contrast_slider.setValue(round(saturation))
        self.contrast_label = QLabel("")
        self.exposure = _spin(10, 1_000_000, camera.exposure_us, " µs")
        self.interval = _spin(1000, 1_000_000, camera.frame_interval_us, " µs", 1000)
        self.auto_exposure = QCheckBox("Auto exposure")
        self.auto_exposure.setChecked(camera.auto_exposure)
        self.bias_box = QComboBox()
        self.bias_box.addItems(list(BIAS_PRESETS))
        self.bias_box.setToolTip("ON/OFF event thresholds, scaled from the camera's own biases")
        self.apply_camera = QPushButton("Apply to camera")
        self._build()
        self._connect()
        self.set_stream(is_camera=False, has_frames=True)

    def _build(self) -> None:
        noise = QFormLayout()
        noise.addRow(self.ba_box, self.ba_window)
        noise.addRow(self.refractory_box, self.refractory_period)
        noise.addRow(self.hot_box, self.hot_k)
        noise.addRow(QLabel("Events before → after the filters:"))
        noise.addRow(self.rates)  # its own full-width row: the rates never wrap mid-unit
        view = QFormLayout()
        view.addRow("Accumulation", self.accumulation_box)
        view.addRow("Contrast", self.contrast_slider)
        view.addRow("", self.contrast_label)
        camera = QFormLayout()
        camera.addRow("Exposure", self.exposure)
        camera.addRow("Frame interval", self.interval)
        camera.addRow(self.auto_exposure)
        camera.addRow("Biases", self.bias_box)
        camera.addRow(self.apply_camera)
        layout = QVBoxLayout(self)
        self.noise_group = QGroupBox("Noise filters (before deblurring)")
        self.view_group = QGroupBox("Event view")
        self.camera_group = QGroupBox("Camera")
        for group, form in ((self.noise_group, noise), (self.view_group, view),
                            (self.camera_group, camera)):
            group.setLayout(form)
            layout.addWidget(group)
        layout.addStretch(1)
        self.ba_box.setChecked(self._filters.background_activity)
        self.refractory_box.setChecked(self._filters.refractory)
        self.hot_box.setChecked(self._filters.hot_pixels)
        self.ba_box.setToolTip("Drop events with no neighbour event within the window before")
        self.refractory_box.setToolTip("Drop events closer than the period to the pixel's last")
        self.hot_box.setToolTip("Mask pixels firing far more than the median, counted over "
                                f"the first {self._filters.hot_span_us / 1e6:g} s")
        self._show_contrast()

    def _connect(self) -> None:
        for box in (self.ba_box, self.refractory_box, self.hot_box):
            box.toggled.connect(self._emit_filters)
        for spin in (self.ba_window, self.refractory_period, self.hot_k):
            spin.valueChanged.connect(self._emit_filters)
        self.accumulation_box.currentIndexChanged.connect(
            lambda _: self.accumulation_changed.emit(self.accumulation_box.currentData()))
        self.contrast_slider.valueChanged.connect(self._show_contrast)
        self.contrast_slider.valueChanged.connect(
            lambda value: self.contrast_changed.emit(float(value)))
        self.auto_exposure.toggled.connect(lambda on: self.exposure.setEnabled(not on))
        self.apply_camera.clicked.connect(self._emit_camera)

    # --- public -------------------------------------------------------------------
    @property
    def filters(self) -> NoiseFilterConfig:
        """The filter settings the controls show."""
        return self._filters

    def set_stream(self, is_camera: bool, has_frames: bool) -> None:
        """Enable the camera group only for a live camera (with frames for the APS settings)."""
        self.camera_group.setEnabled(is_camera)
        self.camera_group.setToolTip("" if is_camera else NOT_A_CAMERA)
        frames_reason = "" if has_frames else "this camera streams no APS frames"
        self.bias_box.setEnabled(is_camera)
        self.bias_box.setToolTip("ON/OFF event thresholds, scaled from the camera's own biases"
                                 if is_camera else NOT_A_CAMERA)
        for widget in (self.exposure, self.interval, self.auto_exposure):
            widget.setEnabled(is_camera and has_frames)
            widget.setToolTip(NOT_A_CAMERA if not is_camera else frames_reason)
        self.exposure.setEnabled(is_camera and has_frames and not self.auto_exposure.isChecked())

    def show_rates(self, rate_in: float, rate_out: float) -> None:
        """Show the event rate before and after the filters."""
        self.rates.setText(format_filter_rates(rate_in, rate_out))

    # --- emitting -----------------------------------------------------------------
    def _emit_filters(self) -> None:
        self._filters = dataclasses.replace(
            self._filters, background_activity=self.ba_box.isChecked(),
            ba_window_us=self.ba_window.value(), refractory=self.refractory_box.isChecked(),
            refractory_us=self.refractory_period.value(), hot_pixels=self.hot_box.isChecked(),
            hot_k=self.hot_k.value())
        self.filters_changed.emit(self._filters)

    def _show_contrast(self) -> None:
        value = self.contrast_slider.value()
        self.contrast_label.setText(f"full colour at {value} event{'s' if value > 1 else ''} "
                                    "per pixel")

    def _emit_camera(self) -> None:
        self._camera = dataclasses.replace(
            self._camera, exposure_us=self.exposure.value(),
            frame_interval_us=self.interval.value(), auto_exposure=self.auto_exposure.isChecked())
        self.camera_changed.emit(self._camera)
        self.bias_preset_changed.emit(self.bias_box.currentText())
