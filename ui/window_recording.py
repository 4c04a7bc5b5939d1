"""The main window's recording: the Record button, the REC indicator, the folder.

A mixin of :class:`~ui.main_window.MainWindow`, which owns the widgets it uses;
the recording itself runs in :class:`~ui.recording.RecordingSink` and the
session (:mod:`ui.session`), so nothing here waits on a writer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import QSettings

from stra_live.engine.config import LiveConfig
from stra_live.errors import InputError
from stra_live.recording import RecordingSummary
from ui.controls import Controls
from ui.menus import open_folder
from ui.recording import RecordingSink
from ui.session import LiveSession
from ui.settings import read_str
from ui.status_bar import StatusPanel


class RecordingMixin:
    """Recording actions of the main window (see the module docstring)."""

    config: LiveConfig
    settings: QSettings
    session: LiveSession
    controls: Controls
    status: StatusPanel
    _record_started: float
    show_error: Callable[[str], None]

    @property
    def record_folder(self) -> Path:
        """Where the record button writes (settings override configs/live.yaml)."""
        return Path(read_str(self.settings, "record/folder", str(self.config.record.folder)))

    def set_record_folder(self, folder: str) -> None:
        """Record into ``folder`` from now on (remembered between runs)."""
        self.settings.setValue("record/folder", folder)
        self.status.showMessage(f"Recordings go to {folder}", 5000)

    def show_record_folder(self) -> None:
        """Show the recording folder in the file manager (File > Open recording folder)."""
        if not open_folder(self.record_folder):
            self.show_error(f"Cannot open the recording folder {self.record_folder}")

    def set_recording(self, recording: bool) -> None:
        """Start or stop recording (R)."""
        action = self.controls.record_action
        if action.isChecked() != recording:
            action.setChecked(recording)  # re-enters through toggled
            return
        if recording and self.session.recorder is None:
            try:
                sink = self.session.start_recording(self.record_folder, self.config.record.mp4,
                                                    self.config.record)
            except (OSError, RuntimeError, InputError) as error:
                self.show_error(f"Cannot record: {error}")
                action.setChecked(False)
                return
            sink.finished.connect(lambda done: self._on_recording_finished(sink, done))
            self._record_started = time.monotonic()
        elif not recording and self.session.recorder is not None:
            self.session.stop_recording()  # never waits: "finished" reports the files
            self.status.showMessage("Finishing the recording…", 15000)
        self._show_recording()

    def _on_recording_finished(self, sink: RecordingSink, done: RecordingSummary) -> None:
        if done.error is None:
            self.status.showMessage(
                f"Recorded {done.events_written} events, {done.frames_written} frames, "
                f"{done.deblurred_written} deblurred frames ({done.duration_s:.1f} s, "
                f"{done.bytes_written / 1e6:.1f} MB) into {sink.folder}", 15000)

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
