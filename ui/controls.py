"""The toolbar: source and checkpoint pickers, transport, engine settings, record, views.

The toolbar only asks the user (menus, file dialogs) and emits what was asked
for; the main window decides what happens. Its checkable actions carry the
keyboard shortcuts: space play/pause, right arrow step, R record, A attention.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QSpinBox,
    QToolBar,
    QToolButton,
    QWidget,
)

from stra_live.resources import weights_dir
from stra_live.sources.tcp_spec import FORM, normalise_tcp_spec
from ui.menus import CHECKPOINT_FILTER, RECORDING_FILTER

LOOKAHEAD_TIP = "Wait for frame T+1 before deblurring T (one frame latency)"
MEMORY_TIP = "TMB memory entries K"


def parse_network(text: str) -> str:
    """What the Network dialog got (``HOST:PORT[,PORT]``, ``tcp://`` optional) -> a source spec.

    The same forms as ``--source tcp://...`` (:mod:`stra_live.sources.tcp_spec`).

    Raises:
        ValueError: naming what is wrong (the form, or a port not in 1..65535).
    """
    return normalise_tcp_spec(text)


def _action(parent: QWidget, text: str, tip: str, shortcut: str | None = None,
            checkable: bool = False) -> QAction:
    action = QAction(text, parent)
    action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
    action.setCheckable(checkable)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    return action


class Controls(QToolBar):
    """The main toolbar.

    Signals:
        source_requested(str): a source spec ("demo", "camera", a file, "tcp://HOST:PORT").
        checkpoint_requested(str): a checkpoint file chosen by the user.
        record_folder_requested(str): a new folder for recordings.
        engine_settings_changed(int lookahead, int memory_length).
    """

    source_requested = pyqtSignal(str)
    checkpoint_requested = pyqtSignal(str)
    record_folder_requested = pyqtSignal(str)
    engine_settings_changed = pyqtSignal(int, int)

    def __init__(self, lookahead: int, memory_length: int, parent: QWidget | None = None) -> None:
        super().__init__("Controls", parent)
        self.setObjectName("controls")
        self.play_action = _action(self, "Pause", "Play / pause", "Space", checkable=True)
        self.play_action.setChecked(True)
        self.step_back_action = _action(self, "Back", "One frame back (files)", "Left")
        self.step_action = _action(self, "Step", "Deblur one more frame while paused", "Right")
        self.record_action = _action(self, "Record", "Record input and output", "R", True)
        self.attention_action = _action(self, "Attention", "Attention inspector", "A", True)
        self.overlay_action = _action(self, "Event overlay", "Events over the frames", "E", True)
        self.event_view_action = _action(self, "Event view", "Third view with the events",
                                         "V", True)
        self.checkpoint_action = _action(self, "Checkpoint…", "Load STRA weights")
        self.folder_action = _action(self, "Record folder…", "Where recordings go")
        self.lookahead_box = QComboBox()
        self.lookahead_box.addItem("causal (0)", 0)
        self.lookahead_box.addItem("lookahead T+1 (1)", 1)
        self.lookahead_box.setCurrentIndex(lookahead)
        self.lookahead_box.setToolTip(LOOKAHEAD_TIP)
        self.memory_box = QSpinBox()
        self.memory_box.setRange(0, 16)
        self.memory_box.setValue(memory_length)
        self.memory_box.setToolTip(MEMORY_TIP)
        self._build()

    def _build(self) -> None:
        source_button = QToolButton()
        source_button.setText("Source")
        source_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(source_button)
        menu.addAction("Demo scene", lambda: self.source_requested.emit("demo"))
        menu.addAction("Camera", lambda: self.source_requested.emit("camera"))
        menu.addAction("File…", self._ask_file)
        menu.addAction("Network…", self._ask_network)
        source_button.setMenu(menu)
        self.addWidget(source_button)
        self.addAction(self.checkpoint_action)
        self.addSeparator()
        for action in (self.step_back_action, self.play_action, self.step_action):
            self.addAction(action)
        self.addSeparator()
        self.addWidget(QLabel(" Lookahead "))
        self.addWidget(self.lookahead_box)
        self.addWidget(QLabel(" Memory "))
        self.addWidget(self.memory_box)
        self.addSeparator()
        for action in (self.record_action, self.folder_action, self.attention_action,
                       self.overlay_action, self.event_view_action):
            self.addAction(action)
        # Toolbar widgets never take focus by tabbing or showing, so the space bar and the
        # arrow keys reach the window's shortcuts instead of a focused button or spin box.
        for action in self.actions():
            widget = self.widgetForAction(action)
            if widget is not None:
                widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for box in (self.lookahead_box, self.memory_box):
            box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.play_action.toggled.connect(lambda on: self.play_action.setText("Pause" if on
                                                                             else "Play"))
        self.checkpoint_action.triggered.connect(self._ask_checkpoint)
        self.folder_action.triggered.connect(self._ask_folder)
        self.lookahead_box.currentIndexChanged.connect(self._emit_engine_settings)
        self.memory_box.valueChanged.connect(self._emit_engine_settings)

    def set_stream(self, is_file: bool, has_frames: bool) -> None:
        """Enable what the stream can use; the rest says why in its tooltip."""
        no_frames = "events-only stream: there are no APS frames to deblur"
        for widget, tip in ((self.lookahead_box, LOOKAHEAD_TIP), (self.memory_box, MEMORY_TIP)):
            widget.setEnabled(has_frames)
            widget.setToolTip(tip if has_frames else no_frames)
        self.step_action.setEnabled(has_frames)
        self.step_action.setToolTip("Deblur one more frame (Right)" if has_frames else no_frames)
        back = is_file and has_frames
        self.step_back_action.setEnabled(back)
        self.step_back_action.setToolTip(
            "One frame back (Left)" if back else
            no_frames if is_file else "live stream: there is no earlier frame to go back to")

    @property
    def lookahead(self) -> int:
        """The chosen lookahead (0 or 1)."""
        return int(self.lookahead_box.currentData())

    @property
    def memory_length(self) -> int:
        """The chosen memory length K."""
        return self.memory_box.value()

    def _emit_engine_settings(self) -> None:
        self.engine_settings_changed.emit(self.lookahead, self.memory_length)

    def _ask_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a recording", "", RECORDING_FILTER)
        if path:
            self.source_requested.emit(path)

    def _ask_network(self) -> None:
        text, ok = QInputDialog.getText(self, "Network source", FORM, text="localhost:7777")
        if not ok:
            return
        try:
            self.source_requested.emit(parse_network(text))
        except ValueError as error:
            QMessageBox.warning(self, "Network source", str(error))

    def _ask_checkpoint(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load STRA weights", str(weights_dir()),
                                              CHECKPOINT_FILTER)
        if path:
            self.checkpoint_requested.emit(path)

    def _ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Record into folder")
        if folder:
            self.record_folder_requested.emit(folder)
