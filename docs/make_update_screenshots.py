"""Two real-window screenshots 1 s apart on the demo and on the DAVIS346 recording.

Shows that the deblurred view keeps updating (issue 8): for each source the
window is grabbed from the X server twice, one second apart, and the number of
deblurred frames it drew in between is printed (and written beside the pictures
as ``window_updates.txt``). Run it in Xvfb:

    PYTHONPATH=. xvfb-run -s "-screen 0 1920x1080x24" \
        .venv/bin/python docs/make_update_screenshots.py
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from make_window_screenshots import DOCS, grab_screen, wait
from PyQt6.QtWidgets import QApplication

from stra_live.config import CONFIG_DIR, load_config
from stra_live.engine.config import LiveConfig
from tests.shared_data import DAVIS346_SAMPLE
from ui.main_window import MainWindow
from ui.settings import UiConfig, open_settings


def main(argv: list[str] | None = None) -> int:
    """Grab each source twice, 1 s apart, once it has drawn a few frames."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS)
    parser.add_argument("--recording", type=Path, default=DAVIS346_SAMPLE)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    config = load_config(LiveConfig, CONFIG_DIR / "live.yaml")
    ui_config = load_config(UiConfig, CONFIG_DIR / "ui.yaml")
    app = QApplication(sys.argv[:1])
    lines = []
    with tempfile.TemporaryDirectory() as settings_dir:
        window = MainWindow(config, ui_config, open_settings(Path(settings_dir) / "ui.ini"))
        window.resize(1280, 640)
        window.show()
        for name, spec in (("demo", "demo"), ("davis346", str(args.recording))):
            if name == "demo":
                window.start_source(spec)
            else:
                window.open_source(spec)
            if not wait(app, lambda s=spec: window.session.spec == s and window.shown >= 5,
                        args.timeout):
                print(f"{name}: no frames arrived", file=sys.stderr)
                return 1
            wait(app, lambda: False, 1.0)
            drawn = []
            for second in (0, 1):
                drawn.append(window.shown)
                grab_screen(window, args.out / f"window_{name}_t{second}s.png")
                if second == 0:
                    wait(app, lambda: False, 1.0)
            lines.append(f"{name}: {drawn[1] - drawn[0]} deblurred frames drawn in the second "
                         "between the two screenshots")
            print(lines[-1])
        window.close()
        window.session.join(10.0)
    (args.out / "window_updates.txt").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
