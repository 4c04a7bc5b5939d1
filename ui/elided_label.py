"""A label that never widens its window: long text is elided ("…") and shown whole in a tooltip."""

from __future__ import annotations

from PyQt6.QtCore import QSize, Qt
from PyQt6.QtGui import QPainter, QPaintEvent
from PyQt6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """One line of text, cut with an ellipsis when the room is short; the tooltip has all of it.

    Its size hint is the whole text (it takes that when the layout has room) but
    its minimum width is ``min_width``, so a long message or a long file name
    can never push the window past the screen.

    Args:
        text: initial text.
        min_width: the narrowest it may be squeezed to, in pixels.
        natural: False = ask only for ``min_width`` (it then takes what its
            layout has left over, e.g. a status message beside fixed fields).
        parent: owning widget.
    """

    def __init__(self, text: str = "", min_width: int = 24, natural: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._min_width = min_width
        self._natural = natural
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str | None) -> None:  # noqa: N802 (Qt override)
        """Show ``text`` (elided when needed); the tooltip always holds it whole."""
        text = text or ""
        super().setText(text)
        self.setToolTip(text)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """The whole text, or only ``min_width`` when not ``natural``."""
        hint = super().sizeHint()
        return hint if self._natural else QSize(self._min_width, hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """``min_width`` wide: the layout may squeeze this label, never the window."""
        return QSize(min(self._min_width, super().sizeHint().width()),
                     super().minimumSizeHint().height())

    def elided_text(self) -> str:
        """The text as drawn at the current width."""
        metrics = self.fontMetrics()
        return metrics.elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                  max(0, self.contentsRect().width()))

    def is_elided(self) -> bool:
        """True when the current width cuts the text."""
        return self.elided_text() != self.text()

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802 (Qt override)
        """Draw the elided text instead of clipping it."""
        painter = QPainter(self)
        rect = self.contentsRect()
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter),
                         self.elided_text())
        painter.end()
