"""What the window offers around the stream: playback of files, noise filters, event view, camera.

:class:`StreamControls` owns the :class:`~ui.playback.PlaybackBar` (under the
views) and the :class:`~ui.filter_panel.FilterPanel` (in the "Filters and view"
dock), forwards what they ask to the :class:`~ui.session.LiveSession`, and on
every redraw tick shows the playback position and the event rates before and
after the filters. While paused nothing it shows changes: the figures freeze
with the picture.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from PyQt6.QtCore import QObject, Qt
from PyQt6.QtWidgets import QDockWidget, QMainWindow

from stra_live.engine.results import DeblurResult
from stra_live.sources.camera import CameraConfig
from stra_live.voxel.noise import NoiseFilterConfig
from ui.filter_panel import FilterPanel
from ui.playback import PlaybackBar, Position
from ui.session import LiveSession

RATE_WINDOW_S = 1.0
"""Event rates before and after the filters are averaged over this long."""


class StreamControls(QObject):
    """Playback bar and filter dock of the main window (see the module docstring).

    Args:
        window: the main window (the dock is added to it).
        session: the stream controller.
        filters: the noise filters at start.
        saturation: the event contrast at start.
        camera: the camera settings at start.
        on_error: shows a one-line error.
    """

    def __init__(self, window: QMainWindow, session: LiveSession, filters: NoiseFilterConfig,
                 saturation: float, camera: CameraConfig,
                 on_error: Callable[[str], None]) -> None:
        super().__init__(window)
        self.session = session
        self.on_error = on_error
        self.bar = PlaybackBar()
        self.panel = FilterPanel(filters, saturation, camera)
        self.dock = QDockWidget("Filters and view", window)
        self.dock.setObjectName("filters")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        self.dock.setVisible(False)
        self.toggle_action = self.dock.toggleViewAction()
        assert self.toggle_action is not None
        self.toggle_action.setShortcut("F")
        self._samples: list[tuple[float, int, int]] = []
        self.bar.speed_changed.connect(session.set_speed)
        self.bar.loop_changed.connect(session.set_loop)
        self.panel.filters_changed.connect(session.set_filters)
        self.panel.accumulation_changed.connect(session.set_accumulation)
        self.panel.camera_changed.connect(self.apply_camera)
        self.panel.bias_preset_changed.connect(self.apply_bias_preset)

    def on_new_stream(self) -> None:
        """Set the controls up for the stream the session has just started."""
        source, replay = self.session.source, self.session.replay
        has_frames = bool(source is not None and source.has_frames)
        self.bar.set_stream(replay.duration_us if replay is not None else None, has_frames)
        playback = self.session.playback
        if playback is not None:
            self.bar.loop_box.blockSignals(True)  # show the file's state, do not change it
            self.bar.loop_box.setChecked(playback.loop)
            self.bar.loop_box.blockSignals(False)
        from stra_live.sources.camera import DavisCameraSource

        inner = self.session.filtered.inner if self.session.filtered is not None else None
        self.panel.set_stream(isinstance(inner, DavisCameraSource), has_frames)
        self._samples = []

    def _camera(self) -> object | None:
        from stra_live.sources.camera import DavisCameraSource

        filtered = self.session.filtered
        camera = filtered.inner if filtered is not None else None
        return camera if isinstance(camera, DavisCameraSource) else None

    def apply_camera(self, config: CameraConfig) -> None:
        """Send exposure / frame interval to the running camera."""
        camera = self._camera()
        if camera is None:
            self.on_error("Camera settings need a live camera")
            return
        try:
            camera.update_settings(config)  # type: ignore[attr-defined]
        except (ValueError, OSError) as error:
            self.on_error(f"Camera settings not applied: {error}")

    def apply_bias_preset(self, preset: str) -> None:
        """Set the running camera's threshold biases to ``preset``."""
        camera = self._camera()
        if camera is None:
            return  # apply_camera has said why
        try:
            camera.apply_bias_preset(preset)  # type: ignore[attr-defined]
        except (ValueError, OSError) as error:
            self.on_error(f"Bias preset not applied: {error}")

    def event_image(self) -> np.ndarray | None:
        """The accumulated event image for the event view, or None (use each frame's events)."""
        filtered = self.session.filtered
        return filtered.accumulator.snapshot() if filtered is not None else None

    def current_frame(self, latest: DeblurResult | None) -> int | None:
        """File frame number of ``latest`` (None for live streams or without a result)."""
        replay = self.session.replay
        if replay is None or latest is None or latest.frame_timestamp is None:
            return None
        return replay.frame_number(latest.frame_timestamp)

    def tick(self, latest: DeblurResult | None) -> None:
        """Redraw tick: playback position and filter rates (frozen while paused)."""
        self._show_position(latest)  # only a new result (a step) moves it while paused
        if not self.session.paused:
            self._show_rates()

    def _show_position(self, latest: DeblurResult | None) -> None:
        replay, playback = self.session.replay, self.session.playback
        if replay is None or playback is None:
            return
        frame = self.current_frame(latest)
        if frame is not None and latest is not None and latest.frame_timestamp is not None:
            elapsed = (latest.frame_timestamp - replay.start_time_us) % max(replay.duration_us, 1)
        else:
            elapsed = playback.position_us
        self.bar.show_position(Position(int(elapsed), replay.duration_us, frame,
                                        len(replay.frame_times)))

    def _show_rates(self) -> None:
        filtered = self.session.filtered
        if filtered is None:
            return
        now = time.monotonic()
        self._samples.append((now, filtered.chain.events_in, filtered.chain.events_out))
        self._samples = [s for s in self._samples if now - s[0] <= RATE_WINDOW_S]
        first, last = self._samples[0], self._samples[-1]
        span = last[0] - first[0]
        if span > 0.2:
            self.panel.show_rates((last[1] - first[1]) / span, (last[2] - first[2]) / span)
