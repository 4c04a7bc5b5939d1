"""Are the system libraries Qt's xcb (X11) platform plugin needs installed?

Without them Qt aborts the process (SIGABRT) while creating the application,
with a hint only on its own log. This check asks the dynamic linker, before
Qt is touched, which libraries the plugin would fail to load (``ldd`` on
``libqxcb.so``, which lists the plugin's whole dependency tree), and turns
them into the one ``apt-get install`` line that fixes it. ``make setup`` runs
it (``python -m ui.system_check``); ``stra-live`` runs it before opening a window.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}
"""Shared library -> the Debian/Ubuntu package that provides it."""

Runner = Callable[[list[str]], str]
"""Runs a command and returns its standard output (tests pass a fake)."""


def xcb_plugin() -> Path | None:
    """Path of PyQt6's ``libqxcb.so``, or None when this PyQt6 has none (not Linux)."""
    import importlib.util

    spec = importlib.util.find_spec("PyQt6")
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(spec.submodule_search_locations[0]) / "Qt6/plugins/platforms/libqxcb.so"
    return plugin if plugin.is_file() else None


def _ldd(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""  # no ldd: nothing can be said, Qt will tell
    return done.stdout


def missing_libraries(plugin: Path | None = None, run: Runner = _ldd) -> list[str]:
    """Shared libraries the xcb plugin needs that the dynamic linker cannot find, sorted."""
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return []
    missing = set()
    for line in run(["ldd", str(plugin)]).splitlines():
        name, sep, where = line.strip().partition("=>")
        if sep and where.strip() == "not found":
            missing.add(name.strip())
    return sorted(missing)


def apt_line(libraries: list[str]) -> str:
    """The ``sudo apt-get install -y ...`` line that provides ``libraries``."""
    packages = sorted({DEBIAN_PACKAGES.get(name, name) for name in libraries})
    return "sudo apt-get install -y " + " ".join(packages)


def xcb_problem(missing: list[str]) -> str | None:
    """One line saying what is missing and the command that installs it; None when fine."""
    if not missing:
        return None
    return (f"Qt's X11 (xcb) platform plugin cannot load: missing {', '.join(missing)}; "
            f"install them with: {apt_line(missing)}")


def x_display_problem(display: str) -> str | None:
    """Why the X server at ``display`` cannot be reached, or None when it can (or libxcb is absent).

    Qt aborts the process when its xcb plugin cannot connect; asking libxcb first
    turns that into one line.
    """
    import ctypes

    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return None  # missing_libraries() reports it
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        failed = xcb.xcb_connection_has_error(connection) != 0
    finally:
        xcb.xcb_disconnect(connection)
    if not failed:
        return None
    return (f"cannot connect to the X display {display!r} (is DISPLAY right and the X server "
            "running?); use --headless to run without a window")


def uses_xcb(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """True when Qt would pick the xcb plugin (Linux, X11 session, no other plugin asked for)."""
    if not platform.startswith("linux"):
        return False
    requested = environ.get("QT_QPA_PLATFORM", "")
    if requested:
        return requested.split(";")[0].split(":")[0] == "xcb"
    return not environ.get("WAYLAND_DISPLAY")  # Qt 6 prefers Wayland in a Wayland session


def main() -> int:
    """``python -m ui.system_check``: say whether the window can open (never fails setup)."""
    problem = xcb_problem(missing_libraries()) if sys.platform.startswith("linux") else None
    if problem is None:
        print("system libraries for Qt's X11 window: ok")
    else:
        print(f"warning: {problem} (headless runs work without them)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
