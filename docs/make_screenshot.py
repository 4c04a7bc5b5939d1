"""Save a screenshot of the STRA Live window into docs/screenshot.png.

Opens the window offscreen on a source (default: the demo scene), waits for a
deblurred frame, clicks a pixel so the attention inspector is filled, and grabs
the window. Usage:

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_screenshot.py \
        [--source demo] [--checkpoint FILE] [--out docs/screenshot.png]
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import tempfile
import time
from pathlib import Path

from PyQt6.QtWidgets import QApplication

from stra_live.config import CONFIG_DIR, load_config
from stra_live.engine.config import LiveConfig
from ui.main_window import MainWindow
from ui.settings import UiConfig, open_settings

DOCS = Path(__file__).resolve().parent


def wait(app: QApplication, condition: object, seconds: float) -> bool:
    """Run the event loop until ``condition()`` holds or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def main(argv: list[str] | None = None) -> int:
    """Grab the window once frames and attention maps have arrived."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="demo")
    parser.add_argument("--checkpoint", type=Path)
    parser.add_argument("--out", type=Path, default=DOCS / "screenshot.png")
    parser.add_argument("--size", type=int, nargs=2, default=(1280, 600))
    parser.add_argument("--pixel", type=int, nargs=2, default=(150, 90), help="clicked x y")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)

    config = load_config(LiveConfig, CONFIG_DIR / "live.yaml", source=args.source)
    if args.checkpoint is not None:
        config = dataclasses.replace(
            config, engine=dataclasses.replace(config.engine, checkpoint=args.checkpoint))
    ui_config = dataclasses.replace(load_config(UiConfig, CONFIG_DIR / "ui.yaml"),
                                    event_view=True)
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as settings_dir:
        window = MainWindow(config, ui_config, open_settings(Path(settings_dir) / "ui.ini"))
        window.resize(*args.size)
        window.show()
        window.start_source(args.source)
        if not wait(app, lambda: window.shown >= 3, args.timeout):
            print("no frames arrived", file=sys.stderr)
            return 1
        window.inspect_pixel(*args.pixel)
        wait(app, lambda: window.attention.result is not None, args.timeout)
        wait(app, lambda: False, 0.5)  # one more redraw of the latest frame
        window.grab().save(str(args.out))
        window.close()
        window.session.join(10.0)
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
