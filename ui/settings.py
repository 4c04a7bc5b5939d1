"""Window configuration (``configs/ui.yaml``) and the per-user QSettings store.

:class:`UiConfig` holds the defaults shipped with the app; QSettings holds what
the user changed (window geometry, record folder, colormap), remembered between
runs. Tests pass a file path so they never touch the user's real settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PyQt6.QtCore import QSettings

from stra_live.voxel.noise import NoiseFilterConfig

ORGANISATION = "STRA Live"
"""QSettings organisation name."""

APPLICATION = "stra-live"
"""QSettings application name."""


@dataclass(frozen=True)
class UiConfig:
    """Defaults of the window; loaded from ``configs/ui.yaml``.

    Attributes:
        colormap: initial colormap of the attention heat maps (one of ``colormaps``).
        colormaps: pyqtgraph colormap names offered in the chooser.
        overlay_opacity: opacity of the attention overlay over the frame, in [0, 1].
        event_saturation: |signed events per pixel| drawn at full colour.
        event_overlay: show the red/blue event overlay on the frame views at start.
        event_view: show the third (events) view at start; events-only streams
            always show it.
        stop_timeout_s: seconds the GUI waits for each worker thread when a
            pipeline is stopped (source switch, close); never longer.
        noise_filter: the noise filters every stream starts with (switchable live
            in the Filters and view panel).
    """

    colormap: str = "inferno"
    colormaps: tuple[str, ...] = ("inferno", "viridis", "magma", "plasma", "cividis", "turbo")
    overlay_opacity: float = 0.6
    event_saturation: float = 3.0
    event_overlay: bool = False
    event_view: bool = False
    stop_timeout_s: float = 0.5
    noise_filter: NoiseFilterConfig = field(default_factory=NoiseFilterConfig)

    def __post_init__(self) -> None:
        if not self.colormaps:
            raise ValueError("colormaps must name at least one colormap")
        if self.colormap not in self.colormaps:
            raise ValueError(f"colormap {self.colormap!r} is not one of colormaps {self.colormaps}")
        if not 0.0 <= self.overlay_opacity <= 1.0:
            raise ValueError(f"overlay_opacity must be in [0, 1], got {self.overlay_opacity}")
        if self.event_saturation <= 0:
            raise ValueError(f"event_saturation must be positive, got {self.event_saturation}")
        if self.stop_timeout_s <= 0:
            raise ValueError(f"stop_timeout_s must be positive, got {self.stop_timeout_s}")


def open_settings(path: Path | None = None) -> QSettings:
    """The QSettings store: the user's (organisation "STRA Live") or an INI file at ``path``."""
    if path is not None:
        return QSettings(str(path), QSettings.Format.IniFormat)
    return QSettings(ORGANISATION, APPLICATION)


def read_str(settings: QSettings, key: str, default: str) -> str:
    """A string setting, or ``default`` when missing or of another type."""
    value = settings.value(key, default)
    return value if isinstance(value, str) else default


def read_float(settings: QSettings, key: str, default: float) -> float:
    """A float setting, or ``default`` when missing or unparsable (INI stores text)."""
    try:
        return float(settings.value(key, default))
    except (TypeError, ValueError):
        return default
