"""Playback bar for files: step back / forward, seek bar with frame and time counter, speed, loop.

The bar only asks and shows: it emits what the user wants and the window
asks the session to do it. For live streams (camera, network, demo scene) and
for the parts a stream cannot use (stepping an events-only file), the
controls are disabled with a tooltip that says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QWidget,
)

SPEEDS: tuple[tuple[str, float | None], ...] = (
    ("0.25×", 0.25), ("0.5×", 0.5), ("1×", 1.0), ("2×", 2.0), ("4×", 4.0),
    ("as fast as possible", None),
)
"""Speed choices: label and rate (None = as fast as the engine goes)."""

LIVE_REASON = "live stream: it cannot be sought, looped or slowed down"
EVENTS_ONLY_REASON = "events-only stream: there are no APS frames to step through"


@dataclass(frozen=True)
class Position:
    """Where playback is, for the counter and the seek bar.

    Attributes:
        time_us: time from the start of the file.
        duration_us: length of the file.
        frame: 0-based number of the frame shown, None for events-only files.
        frames: frames in the file (0 for events-only files).
    """

    time_us: int
    duration_us: int
    frame: int | None = None
    frames: int = 0


def format_position(position: Position) -> str:
    """The counter text, e.g. ``"frame 12 / 59 · 0.48 / 2.36 s"`` (frames counted from 1)."""
    times = f"{position.time_us / 1e6:.2f} / {position.duration_us / 1e6:.2f} s"
    if position.frame is None or position.frames == 0:
        return times
    return f"frame {position.frame + 1} / {position.frames} · {times}"


class PlaybackBar(QWidget):
    """Transport controls of a file.

    Signals:
        seek_requested(int): seek to this many us from the start of the file.
        speed_changed(object): new rate (float, or None for as fast as possible).
        loop_changed(bool): replay forever or not.
        step_back_requested(), step_forward_requested(): one frame back / on.
    """

    seek_requested = pyqtSignal(int)
    speed_changed = pyqtSignal(object)
    loop_changed = pyqtSignal(bool)
    step_back_requested = pyqtSignal()
    step_forward_requested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.back_button = QToolButton()
        self.back_button.setText("◀|")
        self.forward_button = QToolButton()
        self.forward_button.setText("|▶")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.counter = QLabel("")
        self.counter.setMinimumWidth(self.counter.fontMetrics().horizontalAdvance(
            "frame 9999 / 9999 · 999.99 / 999.99 s"))
        self.speed_box = QComboBox()
        for label, speed in SPEEDS:
            self.speed_box.addItem(label, speed)
        self.speed_box.setCurrentIndex(2)
        self.loop_box = QCheckBox("Loop")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        for widget in (self.back_button, self.forward_button):
            layout.addWidget(widget)
        layout.addWidget(self.slider, stretch=1)
        layout.addWidget(self.counter)
        layout.addWidget(QLabel("Speed"))
        layout.addWidget(self.speed_box)
        layout.addWidget(self.loop_box)
        for widget in (self.back_button, self.forward_button, self.slider, self.speed_box,
                       self.loop_box):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # space and arrows stay shortcuts
        self._duration_us = 0
        self.back_button.clicked.connect(self.step_back_requested)
        self.forward_button.clicked.connect(self.step_forward_requested)
        self.slider.sliderReleased.connect(self._emit_seek)
        self.slider.actionTriggered.connect(self._on_slider_action)
        self.speed_box.currentIndexChanged.connect(
            lambda _: self.speed_changed.emit(self.speed_box.currentData()))
        self.loop_box.toggled.connect(self.loop_changed)
        self.set_stream(None, has_frames=True)

    @property
    def speed(self) -> float | None:
        """The chosen rate (None = as fast as possible)."""
        return self.speed_box.currentData()

    def set_stream(self, duration_us: int | None, has_frames: bool) -> None:
        """Set up for a new stream: a file of ``duration_us``, or a live one (None)."""
        is_file = duration_us is not None
        self._duration_us = duration_us or 0
        self.slider.setRange(0, max(0, self._duration_us // 1000))
        self.slider.setValue(0)
        self.counter.setText(format_position(Position(0, self._duration_us)) if is_file else "live")
        for widget in (self.slider, self.speed_box, self.loop_box):
            widget.setEnabled(is_file)
            widget.setToolTip("" if is_file else LIVE_REASON)
        self.slider.setToolTip("Drag to seek" if is_file else LIVE_REASON)
        steps = is_file and has_frames
        reason = LIVE_REASON if not is_file else EVENTS_ONLY_REASON
        self.back_button.setEnabled(steps)
        self.back_button.setToolTip("One frame back (Left)" if steps else reason)
        self.forward_button.setEnabled(has_frames)
        self.forward_button.setToolTip("One frame on (Right)" if has_frames
                                       else EVENTS_ONLY_REASON)

    def show_position(self, position: Position) -> None:
        """Move the counter and (unless the user is dragging it) the seek bar."""
        self.counter.setText(format_position(position))
        if not self.slider.isSliderDown():
            self.slider.setValue(position.time_us // 1000)

    def _emit_seek(self) -> None:
        self.seek_requested.emit(self.slider.value() * 1000)

    def _on_slider_action(self, action: int) -> None:
        # Clicks on the groove and keyboard paging move the value without a release.
        if not self.slider.isSliderDown() and action != QSlider.SliderAction.SliderMove.value:
            self.seek_requested.emit(self.slider.sliderPosition() * 1000)
