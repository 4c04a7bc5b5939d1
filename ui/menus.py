"""The menu bar: File (open, recent, recording folder, checkpoints, quit), View, Help.

Like the toolbar, the menus only ask (dialogs) and emit; the window acts.
Recent files live in the QSettings store, newest first.
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QObject, QSettings, QUrl, pyqtSignal
from PyQt6.QtGui import QAction, QDesktopServices, QKeySequence
from PyQt6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from stra_live.resources import weights_dir
from ui.checkpoints import shipped_checkpoints

RECORDING_FILTER = "Event recordings (*.aedat4 *.h5 *.hdf5);;All files (*)"
CHECKPOINT_FILTER = "STRA weights (*.safetensors);;All files (*)"
RECENT_KEY = "recent/files"
MAX_RECENT = 8

SHORTCUTS = (
    ("Space", "play / pause"),
    ("→", "one frame on (pauses first)"),
    ("←", "one frame back (files)"),
    ("R", "record raw input and deblurred output"),
    ("A", "attention inspector"),
    ("F", "filters and view panel"),
    ("E", "event overlay on the frames"),
    ("V", "event view beside the frames"),
    ("Ctrl+O", "open a recording"),
    ("Ctrl+Q", "quit"),
    ("F1", "this page"),
    ("click", "inspect the attention of a pixel"),
)
"""(key, what it does) for the Help page."""

ABOUT = ("<b>STRA Live</b><br>Real-time deblurring of a DAVIS event-camera stream with STRA, "
         "the Spatio-Temporal Relation-Attention network (IJCAI 2022).<br>MIT licence.")


def shortcuts_html() -> str:
    """The Help page: a table of the shortcuts."""
    rows = "".join(f"<tr><td><b>{key}</b></td><td>&nbsp;{what}</td></tr>"
                   for key, what in SHORTCUTS)
    return f"<h3>Keyboard and mouse</h3><table>{rows}</table>"


def read_recent(settings: QSettings) -> list[str]:
    """Recent files, newest first (an INI store gives one entry back as a plain string)."""
    value = settings.value(RECENT_KEY, [])
    items = [value] if isinstance(value, str) else list(value or [])
    return [str(item) for item in items if item][:MAX_RECENT]


def remember_recent(settings: QSettings, path: str) -> list[str]:
    """Put ``path`` first in the recent files (no duplicates, at most MAX_RECENT)."""
    recent = [path, *(p for p in read_recent(settings) if p != path)][:MAX_RECENT]
    settings.setValue(RECENT_KEY, recent)
    return recent


class WindowMenus(QObject):
    """Builds the window's menu bar.

    Signals:
        open_requested(str): open this source spec (a file path).
        checkpoint_requested(str): load these weights.
        folder_requested(): the recording folder should be shown in the file manager.

    Args:
        window: the main window (its menu bar is filled; Quit closes it).
        settings: where recent files are kept.
        view_actions: actions for the View menu (dock toggles, overlays).
    """

    open_requested = pyqtSignal(str)
    checkpoint_requested = pyqtSignal(str)
    folder_requested = pyqtSignal()

    def __init__(self, window: QMainWindow, settings: QSettings,
                 view_actions: list[QAction]) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        bar = window.menuBar()
        assert bar is not None
        self.file_menu = bar.addMenu("&File")
        self.open_action = self._add(self.file_menu, "&Open file…", "Ctrl+O", self.ask_file)
        self.recent_menu = self.file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._fill_recent()
        self._add(self.file_menu, "Open recording &folder", None, self.folder_requested.emit)
        self.checkpoint_menu = self.file_menu.addMenu("&Checkpoint")
        for name, path in shipped_checkpoints():
            self.checkpoint_menu.addAction(
                name, lambda path=path: self.checkpoint_requested.emit(str(path)))
        self.checkpoint_menu.addSeparator()
        self._add(self.checkpoint_menu, "Other checkpoint…", None, self.ask_checkpoint)
        self.file_menu.addSeparator()
        self._add(self.file_menu, "&Quit", QKeySequence.StandardKey.Quit, window.close)
        self.view_menu = bar.addMenu("&View")
        for action in view_actions:
            self.view_menu.addAction(action)
        help_menu = bar.addMenu("&Help")
        self.help_action = self._add(help_menu, "&Keyboard shortcuts", "F1", self.show_help)
        self._add(help_menu, "&About STRA Live", None, self.show_about)

    def _add(self, menu: QMenu, text: str, shortcut: str | QKeySequence.StandardKey | None,
             slot: object) -> QAction:
        action = menu.addAction(text)
        assert action is not None
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _=False: slot())  # type: ignore[operator]
        return action

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = read_recent(self.settings)
        for path in recent:
            self.recent_menu.addAction(path, lambda path=path: self.open_requested.emit(path))
        if not recent:
            empty = self.recent_menu.addAction("(none yet)")
            assert empty is not None
            empty.setEnabled(False)

    def remember(self, spec: str) -> None:
        """Add an opened file to the recent files (other specs are not files)."""
        if Path(spec).suffix.lower() in (".aedat4", ".h5", ".hdf5"):
            remember_recent(self.settings, spec)

    def ask_file(self) -> None:
        """The open-file dialog, starting in the folder of the newest recent file."""
        recent = read_recent(self.settings)
        start = str(Path(recent[0]).parent) if recent else ""
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a recording", start,
                                              RECORDING_FILTER)
        if path:
            self.open_requested.emit(path)

    def ask_checkpoint(self) -> None:
        """The checkpoint dialog, starting in the shipped weights folder."""
        path, _ = QFileDialog.getOpenFileName(self.window, "Load STRA weights",
                                              str(weights_dir()), CHECKPOINT_FILTER)
        if path:
            self.checkpoint_requested.emit(path)

    def show_help(self) -> QMessageBox:
        """The Help page with the shortcuts (non-blocking)."""
        box = QMessageBox(QMessageBox.Icon.NoIcon, "STRA Live: help", shortcuts_html(),
                          QMessageBox.StandardButton.Close, self.window)
        box.setModal(False)
        box.show()
        return box

    def show_about(self) -> None:
        """The About box."""
        QMessageBox.about(self.window, "About STRA Live", ABOUT)


def open_folder(folder: Path) -> bool:
    """Show ``folder`` (created if missing) in the desktop's file manager; False if it cannot."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder.resolve())))
