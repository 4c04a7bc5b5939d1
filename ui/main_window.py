"""The main window: views, playback bar, inspector and filter docks, menus, toolbar, status bar.

The GUI thread only draws. Sources and checkpoints are opened by a worker
(the status bar says "Opening …" meanwhile). Results arrive as signals and land in a
:class:`~ui.bridge.LatestSlot`; a timer at ``redraw_hz`` draws the newest one
(results replaced before that are counted as not drawn). Errors show in a
non-blocking message box and in the status bar; they never stop the window.
Pieces live in their own modules: :mod:`ui.stream_controls` (playback, filters),
:mod:`ui.inspector_dock`, :mod:`ui.menus`, :mod:`ui.window_recording` (the Record
button), :mod:`ui.window_state` (first size).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PyQt6.QtCore import QSettings, Qt, QTimer
from PyQt6.QtGui import QCloseEvent
from PyQt6.QtWidgets import QLabel, QMainWindow, QMessageBox, QVBoxLayout, QWidget

from stra_live.engine.config import LiveConfig
from stra_live.engine.results import DeblurResult
from ui.bridge import LatestSlot
from ui.controls import Controls
from ui.image_views import ImageViews
from ui.inspector_dock import NEW_WEIGHTS_REASON, InspectorDock, empty_reason
from ui.menus import WindowMenus
from ui.session import LiveSession, OpenRequest
from ui.settings import UiConfig, read_float, read_str
from ui.status_bar import StatusPanel
from ui.stream_controls import StreamControls
from ui.window_recording import RecordingMixin
from ui.window_state import DEFAULT_SENSOR, fit_first_size, restore_geometry, save_geometry

log = logging.getLogger(__name__)

EVENTS_ONLY_NOTICE = "This stream has no APS frames: deblurring needs frames; showing events only"
"""Banner shown for events-only streams."""


class MainWindow(RecordingMixin, QMainWindow):
    """The STRA Live window.

    Args:
        config: live configuration (engine, record, camera, redraw rate).
        ui_config: window defaults (noise filters and event contrast included).
        settings: the QSettings store (tests pass a temporary INI file).
        session: the stream controller (default: a LiveSession on the real factory/engine).
    """

    def __init__(self, config: LiveConfig, ui_config: UiConfig, settings: QSettings,
                 session: LiveSession | None = None) -> None:
        super().__init__()
        self.config = config
        self.ui_config = ui_config
        self.settings = settings
        self.session = session or LiveSession(config, ui_config.stop_timeout_s, parent=self,
                                              noise_filter=ui_config.noise_filter)
        self.slot = LatestSlot()
        self.latest: DeblurResult | None = None
        self.shown = 0
        self.last_message = ""
        self._message_box: QMessageBox | None = None
        self._record_started = 0.0
        self._fit_pending = False
        self.setWindowTitle("STRA Live")
        self._build_widgets()
        self._connect()
        self._restore_settings()
        self.timer = QTimer(self)
        self.timer.setInterval(max(1, round(1000.0 / config.redraw_hz)))
        self.timer.timeout.connect(self.redraw)
        self.timer.start()

    def _build_widgets(self) -> None:
        engine = self.config.engine
        self.controls = Controls(engine.lookahead, engine.memory_length, self)
        self.addToolBar(self.controls)
        self.views = ImageViews(self.ui_config.event_saturation)
        self.views.set_event_overlay(self.ui_config.event_overlay)
        self.views.set_event_view(self.ui_config.event_view)
        self.controls.overlay_action.setChecked(self.ui_config.event_overlay)
        self.controls.event_view_action.setChecked(self.ui_config.event_view)
        self.notice = QLabel(EVENTS_ONLY_NOTICE)
        self.notice.setStyleSheet("background: #fff3c4; color: #5a4500; padding: 6px;"
                                  "font-weight: bold")
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        self.stream = StreamControls(self, self.session, self.ui_config.noise_filter,
                                     self.ui_config.event_saturation, self.config.camera,
                                     self.show_error)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.notice)
        layout.addWidget(self.views, stretch=1)
        layout.addWidget(self.stream.bar)
        self.setCentralWidget(central)
        self.attention_dock = InspectorDock(self.ui_config, self)
        self.attention = self.attention_dock.panel
        self.status = StatusPanel(self)
        self.setStatusBar(self.status)
        self.menus = WindowMenus(self, self.settings, [
            self.controls.attention_action, self.stream.toggle_action,
            self.controls.overlay_action, self.controls.event_view_action])

    def _connect(self) -> None:
        session, controls, stream = self.session, self.controls, self.stream
        session.result.connect(self.slot.put)
        session.notice.connect(self.status.showMessage)
        session.error.connect(self.show_error)
        session.finished.connect(self._on_finished)
        session.recording_failed.connect(self._on_recording_failed)
        session.opening.connect(self._on_opening)
        session.opened.connect(self._on_opened)
        session.open_failed.connect(self._on_open_failed)
        controls.source_requested.connect(self.open_source)
        controls.checkpoint_requested.connect(self.load_checkpoint)
        controls.record_folder_requested.connect(self.set_record_folder)
        controls.engine_settings_changed.connect(self.configure_engine)
        controls.play_action.toggled.connect(self.set_playing)
        controls.step_action.triggered.connect(self.step)
        controls.step_back_action.triggered.connect(self.step_back)
        controls.record_action.toggled.connect(self.set_recording)
        controls.attention_action.toggled.connect(self.set_attention_visible)
        controls.overlay_action.toggled.connect(self.views.set_event_overlay)
        controls.event_view_action.toggled.connect(self.views.set_event_view)
        stream.bar.step_back_requested.connect(self.step_back)
        stream.bar.step_forward_requested.connect(self.step)
        stream.bar.seek_requested.connect(self.seek)
        stream.panel.contrast_changed.connect(self.views.set_saturation)
        self.menus.open_requested.connect(self.open_source)
        self.menus.checkpoint_requested.connect(self.load_checkpoint)
        self.menus.folder_requested.connect(self.show_record_folder)
        self.attention_dock.visibilityChanged.connect(self._on_dock_visibility)
        self.views.pixel_clicked.connect(self.inspect_pixel)

    # --- settings ------------------------------------------------------------------
    def _restore_settings(self) -> None:
        restored = restore_geometry(self, self.settings, 3 if self.ui_config.event_view else 2)
        self._fit_pending = not restored  # fitted again to the first source's sensor
        state = self.settings.value("window/state")
        if state is not None and restored:
            self.attention_dock.sized = self.restoreState(state)
        self.attention_dock.setVisible(False)  # opened on demand: it costs engine time
        colormap = read_str(self.settings, "attention/colormap", self.ui_config.colormap)
        if colormap in self.ui_config.colormaps:
            self.attention.colormap_box.setCurrentText(colormap)
        opacity = read_float(self.settings, "attention/opacity", self.ui_config.overlay_opacity)
        self.attention.opacity_slider.setValue(round(100 * min(max(opacity, 0.0), 1.0)))

    def save_settings(self) -> None:
        """Remember geometry (only while it fits a screen), dock layout and inspector choices."""
        if save_geometry(self, self.settings):
            self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("attention/colormap", self.attention.colormap_box.currentText())
        self.settings.setValue("attention/opacity", self.attention.opacity)
        self.settings.sync()

    # --- stream ------------------------------------------------------------------
    def open_source(self, spec: str) -> None:
        """Start switching to source ``spec`` (a worker opens it; the window keeps drawing).

        The status bar says "Opening …" meanwhile; on error the message is shown
        and the current stream keeps running. A newer request replaces this one.
        """
        self.session.open(spec)

    def start_source(self, spec: str) -> None:
        """Switch to source ``spec`` now, blocking, letting errors through (start-up, CLI).

        Raises:
            InputError: bad spec, unreadable file, wrong checkpoint.
            OSError: a device or socket that cannot be opened.
        """
        self.session.open_now(spec)
        self._show_new_source()

    def load_checkpoint(self, path: str) -> None:
        """Start switching weights (a worker loads them and reopens the source).

        A wrong checkpoint shows its message and the old engine keeps running.
        """
        if self.session.set_checkpoint(Path(path)) is None:  # nothing open: used next time
            self.status.showMessage(f"Loaded {path}", 5000)

    def _on_opening(self, request: OpenRequest) -> None:
        self.status.showMessage(f"Opening {request.label}…")

    def _on_opened(self, request: OpenRequest) -> None:
        if request.kind == "checkpoint":
            self.set_recording(False)  # the stream restarted: its recording has ended
            self.slot.reset()
            self.latest = None  # its attention came from the old weights
            self.attention.clear(NEW_WEIGHTS_REASON)
            self.stream.on_new_stream()
            self.controls.play_action.setChecked(True)
            self.status.showMessage(f"Loaded {self.session.weights_label or request.label}",
                                    5000)
            return
        self._show_new_source()
        self.status.showMessage(f"Opened {request.label}", 5000)

    def _on_open_failed(self, request: OpenRequest, message: str) -> None:
        if request.kind == "checkpoint":
            self.show_error(f"Checkpoint not loaded, keeping the current one. {message}")
        else:
            self.show_error(f"Cannot open {request.spec}: {message}")

    def _show_new_source(self) -> None:
        """Reset the views and controls for the stream the session has just started."""
        self.set_recording(False)  # a recording of the old stream ended with it
        self.slot.reset()
        self.latest = None
        source = self.session.source
        assert source is not None
        self.attention.clear(empty_reason(source.has_frames, False))
        self.views.clear_marker()
        self.notice.setVisible(not source.has_frames)
        self.controls.set_stream(self.session.replay is not None, source.has_frames)
        self.stream.on_new_stream()
        self.controls.play_action.setChecked(True)
        self.session.attention = self.attention_dock.isVisible()
        self.setWindowTitle(f"STRA Live — {source.name}")
        if self.session.spec is not None:
            self.menus.remember(self.session.spec)
        if self._fit_pending and not self.isVisible():
            views = 1 if not source.has_frames else (3 if self.ui_config.event_view else 2)
            height, width = source.resolution  # room for a DAVIS346 even on a smaller sensor
            fit_first_size(self, (max(height, DEFAULT_SENSOR[0]), max(width, DEFAULT_SENSOR[1])),
                           views)
        self._fit_pending = False
        self._show_status()

    def configure_engine(self, lookahead: int, memory_length: int) -> None:
        """Apply lookahead and memory length to the running engine."""
        try:
            self.session.configure(lookahead, memory_length)
        except ValueError as error:
            self.show_error(str(error))

    def set_playing(self, playing: bool) -> None:
        """Resume or pause the stream (space); paused, the picture and the figures freeze."""
        if self.controls.play_action.isChecked() != playing:
            self.controls.play_action.setChecked(playing)  # re-enters through toggled
            return
        if playing:
            self.session.resume()
        else:
            self.session.pause()

    def step(self) -> None:
        """Deblur one more frame (right arrow); pauses first if playing."""
        if not self.session.paused:
            self.set_playing(False)
        self.session.step()

    def step_back(self) -> None:
        """Show the previous frame of a file (left arrow); pauses first."""
        frame = self.stream.current_frame(self.latest)
        if frame is None or frame == 0:
            self.status.showMessage("No earlier frame to go back to", 3000)
            return
        self.set_playing(False)
        self.set_recording(False)  # going back restarts the file: a recording ends here
        self.session.step_back(frame)

    def seek(self, position_us: int) -> None:
        """Restart a file at ``position_us`` (the seek bar); a recording ends first."""
        self.set_recording(False)
        self.session.seek(position_us)

    def set_attention_visible(self, visible: bool) -> None:
        """Open or close the attention inspector (A); the engine computes maps only while open."""
        self.attention_dock.show_docked(visible)

    def _on_dock_visibility(self, visible: bool) -> None:
        self.session.attention = visible
        if self.controls.attention_action.isChecked() != visible:
            self.controls.attention_action.setChecked(visible)
        if visible and self.latest is not None:
            self.attention.offer(self.latest)
        if visible and self.attention.result is None:
            source = self.session.source
            self.attention.clear(empty_reason(source.has_frames if source else None,
                                              self.session.paused))

    def inspect_pixel(self, x: int, y: int) -> None:
        """Show the attention of pixel (x, y), opening the inspector if needed."""
        self.views.set_marker(x, y)
        self.set_attention_visible(True)
        self.attention.set_query(x, y)

    # --- drawing ------------------------------------------------------------------
    def redraw(self) -> None:
        """Timer slot: draw the newest result, if a new one arrived; nothing moves while paused."""
        result = self.slot.take()
        accumulated = self.stream.event_image()
        if result is not None:
            self.latest = result
            self.shown += 1
            self.views.show_result(result, accumulated)
            self._show_recorded_output(result)
            if self.attention_dock.isVisible():
                self.attention.offer(result)
        elif accumulated is not None and not self.session.paused:
            self.views.show_events(accumulated)
        self.stream.tick(self.latest)
        self._show_status()
        self._show_recording()

    def _show_recorded_output(self, result: DeblurResult) -> None:
        """Playing back a STRA Live recording: its recorded deblurring beside the fresh one."""
        source = self.session.source
        outputs = getattr(source, "recorded_outputs", None)
        self.views.set_recorded_view(outputs is not None and result.deblurred is not None)
        if outputs is not None and result.deblurred is not None:
            self.views.show_recorded(outputs.at(result.frame_timestamp, source.start_time_us,
                                                source.duration_us))

    def _show_status(self) -> None:
        source = self.session.source
        stats = self.latest.stats if self.latest is not None else None
        self.status.show_stats(stats, source.name if source else "none",
                               source.resolution if source else None, self.slot.not_shown,
                               self.session.weights_label)

    def _on_finished(self) -> None:
        self.set_recording(False)
        self.status.showMessage("The stream ended.")

    def show_error(self, message: str) -> None:
        """Show ``message`` in a non-blocking box and the status bar."""
        log.warning("%s", message)
        self.last_message = message
        self.status.showMessage(message, 15000)
        if self._message_box is not None:
            self._message_box.close()
        box = QMessageBox(QMessageBox.Icon.Warning, "STRA Live", message,
                          QMessageBox.StandardButton.Ok, self)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()
        self._message_box = box

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """Remember the layout and stop the workers (bounded wait)."""
        self.timer.stop()
        self.save_settings()
        self.session.stop()
        super().closeEvent(event)

