"""The attention inspector's dock: opened on demand, sized once, and honest when empty."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QDockWidget, QMainWindow

from ui.attention_panel import WAITING, AttentionPanel
from ui.settings import UiConfig

EVENTS_ONLY_REASON = ("This stream has no APS frames, so the network does not run and there "
                      "is no attention to inspect.")
PAUSED_REASON = "Paused: step one frame (→) to compute its attention maps."
NEW_WEIGHTS_REASON = "New weights loaded: waiting for their first attention maps…"


def empty_reason(has_frames: bool | None, paused: bool) -> str:
    """Why the inspector has nothing to show yet, and what to do about it."""
    if has_frames is False:
        return EVENTS_ONLY_REASON
    if paused:
        return PAUSED_REASON
    return WAITING


class InspectorDock(QDockWidget):
    """A dock holding the :class:`~ui.attention_panel.AttentionPanel`.

    The first time it opens it takes a third of the window (at least 320 px)
    so the views keep the rest; after that the user's size is kept.

    Args:
        config: the panel's colormap and opacity defaults.
        window: the main window it docks into (right side, hidden at start).
    """

    def __init__(self, config: UiConfig, window: QMainWindow) -> None:
        super().__init__("Attention inspector", window)
        self.setObjectName("attention")
        self.panel = AttentionPanel(config)
        self.setWidget(self.panel)
        self._window = window
        self.sized = False
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self)
        self.setVisible(False)

    def show_docked(self, visible: bool) -> None:
        """Open or close; the first opening sizes the dock to a third of the window."""
        if visible and not self.isVisible() and not self.sized:
            self.sized = True
            self.setVisible(True)
            self._window.resizeDocks([self], [max(320, self._window.width() // 3)],
                                     Qt.Orientation.Horizontal)
        self.setVisible(visible)
