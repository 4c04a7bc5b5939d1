"""The window's first size and the sanity of a saved one.

A first start (or a saved geometry that no longer fits any screen: a monitor
unplugged, a window once widened past the screen) gets :func:`first_size`:
views at twice the sensor size where the screen has room, never more than
the screen. Geometry is saved only while :func:`rect_is_sane`, so one bad
session cannot make every later start bad.
"""

from __future__ import annotations

from PyQt6.QtCore import QRect, QSettings
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QMainWindow, QWidget

DEFAULT_SENSOR = (260, 346)
"""(height, width) assumed before a source is open: a DAVIS346."""

CHROME = (24, 190)
"""(width, height) in pixels around the views: menu, toolbar, playback bar, status bar."""

MIN_SIZE = (640, 420)
"""The smallest first size (when the screen allows it)."""

SCREEN_SHARE = (0.92, 0.88)
"""At most this share of the available screen (width, height) at first start."""


def first_size(sensor: tuple[int, int], views: int,
               available: tuple[int, int]) -> tuple[int, int]:
    """(width, height) of a first window: each view at 2x the sensor, within the screen.

    Args:
        sensor: (height, width) of the stream.
        views: views side by side (2: blurry | deblurred; 3 with the event view).
        available: (width, height) of the screen's available area.
    """
    height, width = sensor
    want_w = views * 2 * width + CHROME[0]
    want_h = 2 * height + CHROME[1]
    max_w = int(available[0] * SCREEN_SHARE[0])
    max_h = int(available[1] * SCREEN_SHARE[1])
    low_w, low_h = min(MIN_SIZE[0], max_w), min(MIN_SIZE[1], max_h)
    return max(low_w, min(want_w, max_w)), max(low_h, min(want_h, max_h))


def rect_is_sane(rect: QRect, screens: list[QRect]) -> bool:
    """True when ``rect`` fits inside one screen and mostly lies on it.

    Sane: not larger than the screen's available area, at least half of it on
    that screen, and not degenerate (under 200x150).
    """
    if rect.width() < 200 or rect.height() < 150:
        return False
    for screen in screens:
        if rect.width() > screen.width() or rect.height() > screen.height():
            continue
        overlap = rect.intersected(screen)
        if overlap.width() * overlap.height() >= 0.5 * rect.width() * rect.height():
            return True
    return False


def available_screens() -> list[QRect]:
    """The available (task-bar free) areas of every screen."""
    return [screen.availableGeometry() for screen in QGuiApplication.screens()]


def window_is_sane(window: QWidget) -> bool:
    """:func:`rect_is_sane` for a window's frame on the current screens."""
    return rect_is_sane(window.frameGeometry(), available_screens())


def fit_first_size(window: QWidget, sensor: tuple[int, int], views: int) -> None:
    """Resize ``window`` to :func:`first_size` on its screen and centre it there."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    area = screen.availableGeometry()
    width, height = first_size(sensor, views, (area.width(), area.height()))
    window.resize(width, height)
    window.move(area.x() + (area.width() - width) // 2, area.y() + (area.height() - height) // 2)


FRAME_KEY = "window/frame"
"""Settings key of the saved window frame [x, y, width, height]."""


def save_frame(settings: QSettings, window: QWidget) -> None:
    """Remember the window's frame (position and size, decorations included)."""
    frame = window.frameGeometry()
    settings.setValue(FRAME_KEY, [frame.x(), frame.y(), frame.width(), frame.height()])


def saved_frame_is_sane(settings: QSettings) -> bool:
    """True when a frame was saved and it fits one of the current screens."""
    try:
        x, y, width, height = (int(v) for v in settings.value(FRAME_KEY, []))
    except (TypeError, ValueError):
        return False  # none saved (an older version), or not four numbers
    return rect_is_sane(QRect(x, y, width, height), available_screens())


GEOMETRY_KEY = "window/geometry"
"""Settings key of Qt's saved window geometry."""


def restore_geometry(window: QMainWindow, settings: QSettings, views: int) -> bool:
    """Restore the saved geometry when it fits a screen, else fit a first size; True if restored.

    Qt clamps a restored geometry to the screen, hiding how big it was, so the
    frame saved beside it (:func:`save_frame`) decides.
    """
    geometry = settings.value(GEOMETRY_KEY)
    if geometry is not None and saved_frame_is_sane(settings) and window.restoreGeometry(geometry):
        return True
    fit_first_size(window, DEFAULT_SENSOR, views)  # first start, or a size that no longer fits
    return False


def save_geometry(window: QMainWindow, settings: QSettings) -> bool:
    """Save the window's geometry and frame only while they fit a screen; True if saved."""
    if not window_is_sane(window):
        return False
    save_frame(settings, window)
    settings.setValue(GEOMETRY_KEY, window.saveGeometry())
    return True
