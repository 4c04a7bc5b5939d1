"""Status bar: messages, source, weights, resolution and the engine's running figures.

Every text in it is an :class:`~ui.elided_label.ElidedLabel`: a long message,
file name or recording label is cut with "…" (whole in its tooltip) instead of
widening the window past the screen.
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QStatusBar, QWidget

from stra_live.engine.results import EngineStats
from ui.elided_label import ElidedLabel

FIELDS = ("source", "weights", "resolution", "device", "input", "output", "latency", "events",
          "dropped", "memory", "not_shown")
"""Status fields, left to right."""



def format_rate(events_per_second: float) -> str:
    """Event rate with a readable unit, e.g. ``"1.25 Mev/s"``."""
    if events_per_second >= 1e6:
        return f"{events_per_second / 1e6:.2f} Mev/s"
    if events_per_second >= 1e3:
        return f"{events_per_second / 1e3:.1f} kev/s"
    return f"{events_per_second:.0f} ev/s"


def format_status(stats: EngineStats | None, source: str, resolution: tuple[int, int] | None,
                  not_shown: int = 0, weights: str = "") -> dict[str, str]:
    """The text of every status field.

    Args:
        stats: the latest engine figures, or None before the first result.
        source: the source's name.
        resolution: sensor (height, width), or None when nothing is open.
        not_shown: results replaced before the GUI drew them.
        weights: the loaded checkpoint and its configuration ("" when none).

    Returns:
        field name (one of :data:`FIELDS`) -> text.
    """
    text = {
        "source": f"Source: {Path(source).name if '/' in source else source}",
        "weights": f"Weights: {weights}" if weights else "",
        "resolution": f"{resolution[1]}×{resolution[0]}" if resolution else "—",
        "not_shown": f"not drawn {not_shown}",
    }
    if stats is None:
        text.update({name: "" for name in FIELDS if name not in text})
        text["device"] = "starting…"
        return text
    text.update({
        "device": f"Device: {stats.device}",
        "input": f"in {stats.input_fps:.1f} fps",
        "output": f"out {stats.output_fps:.1f} fps",
        "latency": f"latency p50 {stats.latency_p50_ms:.0f} / p95 {stats.latency_p95_ms:.0f} ms",
        "events": format_rate(stats.event_rate),
        "dropped": f"dropped {stats.frames_dropped}",
        "memory": f"memory {stats.memory_entries}",
    })
    return text


class StatusPanel(QStatusBar):
    """A status bar: a message, the recording state, the source, the weights, the figures.

    The message only takes the room left over; the source and weights names are
    cut first; the running figures share one label (each figure also in its
    tooltip). ``currentMessage`` and ``clearMessage`` keep QStatusBar's meaning
    (messages are not Qt's temporary message, which is clipped, not elided).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = ElidedLabel("", min_width=60, natural=False)
        self.addWidget(self.message, 1)
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self.clearMessage)
        self.recording = ElidedLabel("", min_width=90)
        self.recording.setStyleSheet("color: #c00000; font-weight: bold")
        self.source = ElidedLabel("", min_width=90)
        self.weights = ElidedLabel("", min_width=90)
        self.figures = ElidedLabel("", min_width=160)
        for label in (self.recording, self.source, self.weights, self.figures):
            self.addPermanentWidget(label)
        self._fields: dict[str, str] = {}

    def showMessage(self, text: str | None, msecs: int = 0) -> None:  # noqa: N802 (Qt override)
        """Show ``text`` (elided, whole in the tooltip) for ``msecs`` ms, or until replaced."""
        self.message.setText(text or "")
        if msecs > 0:
            self._message_timer.start(msecs)
        else:
            self._message_timer.stop()

    def currentMessage(self) -> str:  # noqa: N802 (Qt override)
        """The message shown now ("" when none)."""
        return self.message.text()

    def clearMessage(self) -> None:  # noqa: N802 (Qt override)
        """Remove the message."""
        self._message_timer.stop()
        self.message.setText("")

    def show_stats(self, stats: EngineStats | None, source: str,
                   resolution: tuple[int, int] | None, not_shown: int = 0,
                   weights: str = "") -> None:
        """Refresh every field."""
        fields = format_status(stats, source, resolution, not_shown, weights)
        if fields == self._fields:
            return  # nothing changed: no relayout
        self._fields = fields
        self.source.setText(fields["source"])
        self.source.setToolTip(source)  # the field shows a file's name only
        self.weights.setText(fields["weights"])
        self.weights.setVisible(bool(fields["weights"]))
        figures = [fields[name] for name in FIELDS if name not in ("source", "weights")]
        self.figures.setText(" · ".join(text for text in figures if text))
        self.figures.setToolTip("\n".join(text for text in figures if text))

    def show_recording(self, text: str) -> None:
        """Show the recording state ("" hides it)."""
        self.recording.setText(text)
        self.recording.setVisible(bool(text))

    def text(self) -> str:
        """All fields joined, for tests and logs."""
        parts = [self.recording.text(), *(self._fields.get(name, "") for name in FIELDS)]
        return " | ".join(part for part in parts if part)
