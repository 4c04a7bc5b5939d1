"""The main window: views, attention inspector, toolbar and status bar around a LiveSession.

The GUI thread only draws. Sources and checkpoints are opened by a worker
(the status bar says "Opening …" meanwhile). Results arrive as signals and land in a
:class:`~ui.bridge.LatestSlot`; a timer at ``redraw_hz`` draws the newest one
(results replaced before that are counted as not drawn). Errors show in a
non-blocking message box and in the status bar; they never stop the window.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PyQt6.QtCore import QSettings, Qt, QTimer
from PyQt6.QtGui import QCloseEvent
from PyQt6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QVBoxLayout, QWidget

from stra_live.engine.config import LiveConfig
from stra_live.engine.results import DeblurResult
from stra_live.errors import InputError
from ui.attention_panel import AttentionPanel
from ui.bridge import LatestSlot
from ui.controls import Controls
from ui.image_views import ImageViews
from ui.session import LiveSession, OpenRequest
from ui.settings import UiConfig, read_float, read_str
from ui.status_bar import StatusPanel

log = logging.getLogger(__name__)

EVENTS_ONLY_NOTICE = "This stream has no APS frames: deblurring needs frames; showing events only"
"""Banner shown for events-only streams."""


class MainWindow(QMainWindow):
    """The STRA Live window.

    Args:
        config: live configuration (engine, record, redraw rate).
        ui_config: window defaults.
        settings: the QSettings store (tests pass a temporary INI file).
        session: the stream controller (default: a LiveSession on the real factory/engine).
    """

    def __init__(self, config: LiveConfig, ui_config: UiConfig, settings: QSettings,
                 session: LiveSession | None = None) -> None:
        super().__init__()
        self.config = config
        self.ui_config = ui_config
        self.settings = settings
        self.session = session or LiveSession(config, ui_config.stop_timeout_s, parent=self)
        self.slot = LatestSlot()
        self.latest: DeblurResult | None = None
        self.shown = 0
        self.last_message = ""
        self._message_box: QMessageBox | None = None
        self._record_started = 0.0
        self._dock_sized = False
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
        self.notice.setVisible(False)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.notice)
        layout.addWidget(self.views, stretch=1)
        self.setCentralWidget(central)
        self.attention = AttentionPanel(self.ui_config)
        self.attention_dock = QDockWidget("Attention inspector", self)
        self.attention_dock.setObjectName("attention")
        self.attention_dock.setWidget(self.attention)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.attention_dock)
        self.attention_dock.setVisible(False)
        self.status = StatusPanel(self)
        self.setStatusBar(self.status)

    def _connect(self) -> None:
        session, controls = self.session, self.controls
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
        controls.record_action.toggled.connect(self.set_recording)
        controls.attention_action.toggled.connect(self.set_attention_visible)
        controls.overlay_action.toggled.connect(self.views.set_event_overlay)
        controls.event_view_action.toggled.connect(self.views.set_event_view)
        self.attention_dock.visibilityChanged.connect(self._on_dock_visibility)
        self.views.pixel_clicked.connect(self.inspect_pixel)

    # --- settings ------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if state is not None:
            self._dock_sized = self.restoreState(state)
        self.attention_dock.setVisible(False)  # opened on demand: it costs engine time
        colormap = read_str(self.settings, "attention/colormap", self.ui_config.colormap)
        if colormap in self.ui_config.colormaps:
            self.attention.colormap_box.setCurrentText(colormap)
        opacity = read_float(self.settings, "attention/opacity", self.ui_config.overlay_opacity)
        self.attention.opacity_slider.setValue(round(100 * min(max(opacity, 0.0), 1.0)))

    def save_settings(self) -> None:
        """Remember geometry, dock layout and the inspector's choices."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("attention/colormap", self.attention.colormap_box.currentText())
        self.settings.setValue("attention/opacity", self.attention.opacity)
        self.settings.sync()

    @property
    def record_folder(self) -> Path:
        """Where the record button writes (settings override configs/live.yaml)."""
        return Path(read_str(self.settings, "record/folder", str(self.config.record.folder)))

    def set_record_folder(self, folder: str) -> None:
        """Record into ``folder`` from now on (remembered between runs)."""
        self.settings.setValue("record/folder", folder)
        self.status.showMessage(f"Recordings go to {folder}", 5000)

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
            self.controls.play_action.setChecked(True)
            self.status.showMessage(f"Loaded {request.label}", 5000)
            return
        self._show_new_source()
        self.status.showMessage(f"Opened {request.label}", 5000)

    def _on_open_failed(self, request: OpenRequest, message: str) -> None:
        if request.kind == "checkpoint":
            self.show_error(f"Checkpoint not loaded, keeping the current one. {message}")
        else:
            self.show_error(f"Cannot open {request.spec}: {message}")

    def _show_new_source(self) -> None:
        """Reset the views for the stream the session has just started."""
        self.set_recording(False)  # a recording of the old stream ended with it
        self.slot.reset()
        self.latest = None
        self.attention.clear()
        self.views.clear_marker()
        source = self.session.source
        assert source is not None
        self.notice.setVisible(not source.has_frames)
        self.controls.play_action.setChecked(True)
        self.session.attention = self.attention_dock.isVisible()
        self.setWindowTitle(f"STRA Live — {source.name}")
        self._show_status()

    def configure_engine(self, lookahead: int, memory_length: int) -> None:
        """Apply lookahead and memory length to the running engine."""
        try:
            self.session.configure(lookahead, memory_length)
        except ValueError as error:
            self.show_error(str(error))

    def set_playing(self, playing: bool) -> None:
        """Resume or pause the stream (space)."""
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

    def set_attention_visible(self, visible: bool) -> None:
        """Open or close the attention inspector (A); the engine computes maps only while open."""
        if visible and not self.attention_dock.isVisible() and not self._dock_sized:
            self._dock_sized = True  # first opening: a third of the window, views keep the rest
            self.attention_dock.setVisible(True)
            self.resizeDocks([self.attention_dock], [max(320, self.width() // 3)],
                             Qt.Orientation.Horizontal)
        self.attention_dock.setVisible(visible)

    def _on_dock_visibility(self, visible: bool) -> None:
        self.session.attention = visible
        if self.controls.attention_action.isChecked() != visible:
            self.controls.attention_action.setChecked(visible)
        if visible and self.latest is not None:
            self.attention.offer(self.latest)
        if visible and self.attention.result is None:
            self.attention.heading.setText(self._attention_hint())

    def _attention_hint(self) -> str:
        """Why the inspector is still empty, and what to do about it."""
        source = self.session.source
        if source is not None and not source.has_frames:
            return "This stream has no APS frames, so there is no attention to inspect."
        if self.session.paused:
            return "Paused: step one frame (→) to compute its attention maps."
        return "Waiting for a frame with attention maps…"

    def inspect_pixel(self, x: int, y: int) -> None:
        """Show the attention of pixel (x, y), opening the inspector if needed."""
        self.views.set_marker(x, y)
        self.set_attention_visible(True)
        self.attention.set_query(x, y)

    # --- recording ------------------------------------------------------------------
    def set_recording(self, recording: bool) -> None:
        """Start or stop recording (R)."""
        action = self.controls.record_action
        if action.isChecked() != recording:
            action.setChecked(recording)  # re-enters through toggled
            return
        if recording and self.session.recorder is None:
            try:
                self.session.start_recording(self.record_folder, self.config.record.mp4)
            except (OSError, RuntimeError, InputError) as error:
                self.show_error(f"Cannot record: {error}")
                action.setChecked(False)
                return
            self._record_started = time.monotonic()
        elif not recording and self.session.recorder is not None:
            recorder = self.session.stop_recording()
            if recorder is not None and recorder.summary is not None:
                done = recorder.summary
                self.status.showMessage(
                    f"Recorded {done.events_written} events, {done.frames_written} frames, "
                    f"{done.deblurred_written} deblurred frames into {recorder.describe()} "
                    f"({self.record_folder})", 15000)
        self._show_recording()

    def _on_recording_failed(self, message: str) -> None:
        self.controls.record_action.setChecked(False)  # the session has already stopped it
        self._show_recording()
        self.show_error(f"Recording stopped: {message}")

    def _show_recording(self) -> None:
        recorder = self.session.recorder
        if recorder is None:
            self.status.show_recording("")
            return
        elapsed = time.monotonic() - self._record_started
        minutes, seconds = divmod(int(elapsed), 60)
        self.status.show_recording(f"● REC {minutes:02d}:{seconds:02d} {recorder.describe()}")

    # --- drawing ------------------------------------------------------------------
    def redraw(self) -> None:
        """Timer slot: draw the newest result, if a new one arrived."""
        result = self.slot.take()
        if result is not None:
            self.latest = result
            self.shown += 1
            self.views.show_result(result)
            if self.attention_dock.isVisible():
                self.attention.offer(result)
        self._show_status()
        self._show_recording()

    def _show_status(self) -> None:
        source = self.session.source
        stats = self.latest.stats if self.latest is not None else None
        self.status.show_stats(stats, source.name if source else "none",
                               source.resolution if source else None, self.slot.not_shown)

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
