"""`stra-live`: the desktop app, or a headless run when there is no display.

    stra-live [--config configs/live.yaml] [--source {demo,camera,FILE,tcp://HOST:PORT}]
              [--checkpoint FILE] [--device auto|cpu|cuda] [--headless --out DIR]
              [--realtime] [--record DIR] [--seconds S | --frames N]

Configuration is loaded here (the CLI edge) and handed down as frozen
dataclasses. Bad input ends with one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from stra_live.cli.checks import (
    OneLineParser,
    existing_file,
    file_with_suffix,
    output_dir,
    output_file,
    parse_or_status,
    positive_float,
    positive_int,
    source_spec,
)
from stra_live.config import CONFIG_DIR, ConfigError, load_config
from stra_live.engine.config import LiveConfig
from stra_live.errors import InputError

if TYPE_CHECKING:  # Qt is imported only when a window opens
    from ui.main_window import MainWindow

log = logging.getLogger("stra-live")

DEFAULT_OUT = Path("out/live")
"""Output folder of a headless run when --out is not given."""

EXIT_JOIN_S = 10.0
"""Longest wait at exit for a worker still inside an inference step."""


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    yaml_file = file_with_suffix(".yaml", ".yml")
    parser = OneLineParser(
        prog="stra-live",
        description="Deblur a live event-camera stream with STRA, in a window or headless.",
    )
    parser.add_argument("--config", type=yaml_file, default=CONFIG_DIR / "live.yaml",
                        help="live configuration YAML (default: configs/live.yaml)")
    parser.add_argument("--ui-config", type=yaml_file, default=CONFIG_DIR / "ui.yaml",
                        help="window defaults YAML (default: configs/ui.yaml)")
    parser.add_argument("--source", type=source_spec, help="demo, camera, FILE.aedat4, FILE.h5 or tcp://HOST:PORT")
    parser.add_argument("--checkpoint", type=existing_file, help="STRA weights (.safetensors)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), help="where STRA runs")
    parser.add_argument("--headless", action="store_true",
                        help="no window: write side_by_side.mp4 and stats.json into --out")
    parser.add_argument("--out", type=output_dir,
                        help=f"headless output folder (default {DEFAULT_OUT})")
    parser.add_argument("--realtime", action="store_true",
                        help="headless over a file: pace it like a live camera (newest frame "
                             "first, drops counted) instead of deblurring every frame")
    parser.add_argument("--record", type=output_dir, metavar="DIR",
                        help="headless: also record the session into DIR (raw input + deblurred "
                             "frames in AEDAT4, side-by-side MP4), as the record button does")
    parser.add_argument("--settings", type=output_file,
                        help="INI file for window settings (default: the user's QSettings)")
    limit = parser.add_mutually_exclusive_group()
    limit.add_argument("--seconds", type=positive_float, help="stop after this many seconds")
    limit.add_argument("--frames", type=positive_int, help="stop after this many deblurred frames")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    return parser


def load_live_config(args: argparse.Namespace) -> LiveConfig:
    """configs/live.yaml with the command-line overrides applied.

    Raises:
        ConfigError: a bad value (named).
    """
    config = load_config(LiveConfig, args.config, source=args.source)
    engine = config.engine
    if args.checkpoint is not None:
        engine = dataclasses.replace(engine, checkpoint=args.checkpoint)
    if args.device is not None:
        engine = dataclasses.replace(engine, device=args.device)
    return dataclasses.replace(config, engine=engine)


def display_available(environ: Mapping[str, str]) -> bool:
    """True when a window can be shown (X11/Wayland, offscreen Qt, or a non-Linux desktop)."""
    if environ.get("QT_QPA_PLATFORM", "").startswith("offscreen"):
        return True
    if not sys.platform.startswith("linux"):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def run_headless_cli(config: LiveConfig, args: argparse.Namespace) -> int:
    """Process the stream without Qt and print where the outputs went."""
    from stra_live.engine.headless import run_headless

    out = args.out or DEFAULT_OUT
    stats = run_headless(config, out, max_frames=args.frames, seconds=args.seconds,
                         realtime=args.realtime, record_dir=args.record)
    print(f"side-by-side video: {out / 'side_by_side.mp4'}")
    print(f"stats: {out / 'stats.json'}")
    if "recording" in stats:
        done = stats["recording"]
        print(f"recording: {', '.join(done['paths'])} ({done['events_written']} events, "
              f"{done['frames_written']} frames, {done['deblurred_written']} deblurred"
              + (f"; {done['error']}" if done["error"] else "") + ")")
    print(json.dumps(stats), flush=True)
    return 0


def close_at_limit(window: MainWindow, seconds: float | None, frames: int | None) -> None:
    """Close ``window`` after ``seconds``, or once it has drawn ``frames`` results
    (the window's --seconds / --frames, counted as a headless run counts them).

    The check runs on the window's drawing timer, right after each redraw, so a frame
    limit stops at exactly that frame.
    """
    if seconds is None and frames is None:
        return
    from PyQt6.QtCore import QElapsedTimer

    clock = QElapsedTimer()
    clock.start()

    def check() -> None:
        if ((seconds is not None and clock.elapsed() >= seconds * 1000)
                or (frames is not None and window.shown >= frames)):
            window.timer.timeout.disconnect(check)
            window.close()  # the last window: app.exec() returns

    window.timer.timeout.connect(check)


def run_window(config: LiveConfig, args: argparse.Namespace) -> int:
    """Open the window on the configured source; returns the Qt exit status."""
    from ui.system_check import missing_libraries, uses_xcb, x_display_problem, xcb_problem

    if uses_xcb(os.environ):  # Qt would abort the process (SIGABRT) with no hint
        problem = xcb_problem(missing_libraries()) or x_display_problem(
            os.environ.get("DISPLAY", ""))
        if problem is not None:
            raise OSError(problem)

    from PyQt6.QtWidgets import QApplication

    from ui.main_window import MainWindow
    from ui.settings import UiConfig, open_settings

    ui_config = load_config(UiConfig, args.ui_config)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(config, ui_config, open_settings(args.settings))
    try:
        window.start_source(config.source)  # "auto": the camera if one is found, else the demo
    except BaseException:
        window.session.stop()
        raise
    window.show()
    close_at_limit(window, args.seconds, args.frames)
    status = app.exec()
    window.session.stop()
    window.session.join(EXIT_JOIN_S)  # torch must not be mid-call when the interpreter exits
    return status


def main(argv: list[str] | None = None) -> int:
    """Entry point of `stra-live`."""
    args = parse_or_status(build_parser(), argv)
    if isinstance(args, int):  # a bad flag (one line already printed) or --help
        return args
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        config = load_live_config(args)
        if args.headless or not display_available(os.environ):
            if not args.headless:
                print("stra-live: no display found, running headless", file=sys.stderr)
            return run_headless_cli(config, args)
        if args.record is not None:
            print("stra-live: error: --record is for headless runs (add --headless); in the "
                  "window, press R to record", file=sys.stderr)
            return 2
        return run_window(config, args)
    except (InputError, ConfigError, ValueError, OSError) as error:
        # A bad spec, file, checkpoint or setting: one line; -v logs where it came from.
        log.info("stra-live failed", exc_info=True)
        print(f"stra-live: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
