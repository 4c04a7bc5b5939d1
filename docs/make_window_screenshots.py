"""Real-window screenshots of STRA Live under X11 (run it in Xvfb), saved into docs/.

Three pictures, each grabbed from the X server (what a user would see):

* ``window_first_start.png``: a fresh start (no saved settings) on the demo scene;
* ``window_playback.png``: the DAVIS346 recording playing, seek bar and counter;
* ``window_filters.png``: the same with the Filters and view panel open and filters on.

Usage (a 1920x1080 virtual screen):

    PYTHONPATH=. xvfb-run -s "-screen 0 1920x1080x24" \
        .venv/bin/python docs/make_window_screenshots.py
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QApplication

from stra_live.config import CONFIG_DIR, load_config
from stra_live.engine.config import LiveConfig
from tests.shared_data import DAVIS346_SAMPLE
from ui.main_window import MainWindow
from ui.settings import UiConfig, open_settings

DOCS = Path(__file__).resolve().parent


def wait(app: QApplication, condition: Callable[[], bool], seconds: float) -> bool:
    """Run the event loop until ``condition()`` holds or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return False


def grab_screen(window: MainWindow, path: Path) -> None:
    """Save what the X server shows of ``window`` (not Qt's own rendering of it)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    assert screen is not None
    frame = window.frameGeometry()
    screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height()).save(str(path))
    print(f"saved {path} ({frame.width()}x{frame.height()})")


def parse_arguments(description: str, argv: list[str] | None) -> argparse.Namespace:
    """The screenshot scripts' options: output folder, recording, timeout."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, default=DOCS)
    parser.add_argument("--recording", type=Path, default=DAVIS346_SAMPLE)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.WARNING)
    return args


@contextlib.contextmanager
def fresh_window() -> Iterator[tuple[QApplication, MainWindow]]:
    """The app and its window with the shipped configs and no saved settings; closed after."""
    config = load_config(LiveConfig, CONFIG_DIR / "live.yaml")
    ui_config = load_config(UiConfig, CONFIG_DIR / "ui.yaml")
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as settings_dir:
        window = MainWindow(config, ui_config, open_settings(Path(settings_dir) / "ui.ini"))
        try:
            yield app, window
        finally:
            window.close()
            window.session.join(10.0)


def main(argv: list[str] | None = None) -> int:
    """Open the window three times as a user would and grab it."""
    args = parse_arguments(__doc__.splitlines()[0], argv)
    with fresh_window() as (app, window):
        window.start_source("demo")
        window.show()
        if not wait(app, lambda: window.shown >= 5, args.timeout):
            print("no frames arrived", file=sys.stderr)
            return 1
        wait(app, lambda: False, 1.0)
        grab_screen(window, args.out / "window_first_start.png")
        window.open_source(str(args.recording))
        wait(app, lambda: window.session.spec == str(args.recording) and window.shown > 0
             and window.latest is not None and window.stream.current_frame(window.latest)
             is not None and window.stream.current_frame(window.latest) >= 20, args.timeout)
        window.inspect_pixel(180, 120)
        wait(app, lambda: window.attention.result is not None, args.timeout)
        wait(app, lambda: False, 0.5)
        window.set_playing(False)
        wait(app, lambda: False, 0.5)
        grab_screen(window, args.out / "window_playback.png")
        window.set_attention_visible(False)
        window.stream.dock.setVisible(True)
        panel = window.stream.panel
        panel.ba_box.setChecked(True)
        panel.refractory_box.setChecked(True)
        panel.accumulation_box.setCurrentIndex(3)  # 100 ms
        window.controls.event_view_action.setChecked(True)
        window.stream.bar.loop_box.setChecked(True)
        window.session.seek(0)
        window.set_playing(True)
        wait(app, lambda: False, 3.0)
        grab_screen(window, args.out / "window_filters.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
