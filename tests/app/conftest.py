"""The app fixture: a MainWindow on the real engine with a tiny checkpoint, small streams."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stra_live.engine.config import EngineConfig, LiveConfig, RecordConfig
from tests.app.support import SMALL, small_opener
from ui.main_window import MainWindow
from ui.session import LiveSession
from ui.settings import UiConfig, open_settings


@pytest.fixture
def make_window(qtbot: object, tmp_path: Path,
                tiny_checkpoint: Path) -> Iterator[Callable[..., MainWindow]]:
    """Makes MainWindows on a small demo stream; closes them and joins their workers after."""
    windows: list[MainWindow] = []

    def make(resolution: tuple[int, int] = SMALL, settings: Path | None = None,
             size: tuple[int, int] | None = (1100, 520)) -> MainWindow:
        config = LiveConfig(
            source="demo",
            engine=EngineConfig(checkpoint=tiny_checkpoint, device="cpu"),
            record=RecordConfig(folder=tmp_path / "recordings", mp4=False),
            redraw_hz=50.0,
        )
        session = LiveSession(config, stop_timeout_s=0.5, opener=small_opener(resolution))
        window = MainWindow(config, UiConfig(), open_settings(settings or tmp_path / "ui.ini"),
                            session)
        qtbot.addWidget(window)  # type: ignore[attr-defined]
        if size is not None:
            window.resize(*size)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        assert window.session.join(30.0), "a worker thread did not end"
