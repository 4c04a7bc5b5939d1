"""Helpers of the app tests: a small real demo stream and waits on the window."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QTimer
from PyQt6.QtGui import QImage

from stra_live.simulator.config import SceneConfig
from stra_live.sources.base import Source
from stra_live.sources.simulated import SimulatorSource, SimulatorSourceConfig
from tests.shared_data import DVXPLORER_SAMPLE
from ui.main_window import MainWindow
from ui.session import default_opener

REAL_SAMPLE = DVXPLORER_SAMPLE
SMALL = (36, 48)
WAIT_MS = 90_000  # generous: the CPU is shared; the tests never assert on speed
SLOW_OPEN_S = 2.0  # how long a "slow:" spec takes to open (a corrupt file, a network probe)


def small_opener(resolution: tuple[int, int]) -> Callable[[str, Callable[[str], None]], Source]:
    """Opens "demo" as the real simulator at ``resolution``; other specs via the factory.

    "slow:SPEC" sleeps :data:`SLOW_OPEN_S` first, then opens SPEC.
    """
    def open_spec(spec: str, on_notice: Callable[[str], None]) -> Source:
        if spec.startswith("slow:"):
            time.sleep(SLOW_OPEN_S)
            spec = spec.removeprefix("slow:")
        if spec == "demo":
            scene = SceneConfig(resolution=resolution)
            return SimulatorSource(SimulatorSourceConfig(scene=scene, pacing="realtime"))
        return default_opener(spec, on_notice)
    return open_spec



def wait_for_result(qtbot: object, window: MainWindow,
                    condition: Callable[[MainWindow], bool] = lambda w: True) -> None:
    """Wait until the window has drawn a result that satisfies ``condition``."""
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: window.latest is not None and condition(window), timeout=WAIT_MS)


def wait_for_new_result(qtbot: object, window: MainWindow) -> None:
    """Wait until one more result reaches the window: the stream is still running."""
    before = window.slot.received
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: window.slot.received > before, timeout=WAIT_MS)


def grab_array(window: MainWindow, path: Path) -> np.ndarray:
    """Save a screenshot of the window and return it as an (H, W, 4) uint8 array."""
    assert window.grab().save(str(path))
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), dtype=np.uint8)
    return data.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, :image.width()]



def settle(qtbot: object, window: MainWindow, quiet_ms: int = 1500) -> None:
    """Wait until no result has arrived for ``quiet_ms`` (an in-flight one may still land)."""
    while True:
        count = window.slot.received
        qtbot.wait(quiet_ms)  # type: ignore[attr-defined]
        if window.slot.received == count:
            window.redraw()
            return


def tick_times(window: MainWindow, interval_ms: int = 20) -> list[float]:
    """Start a GUI-thread timer that appends ``time.monotonic()`` on every tick."""
    ticks: list[float] = []
    timer = QTimer(window)
    timer.setInterval(interval_ms)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    return ticks
