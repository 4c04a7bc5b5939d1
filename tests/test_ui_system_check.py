"""The xcb library check: ldd's "not found" lines become one apt-get line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.main import main
from ui.system_check import (
    apt_line,
    missing_libraries,
    uses_xcb,
    x_display_problem,
    xcb_plugin,
    xcb_problem,
)

LDD = """\tlinux-vdso.so.1 (0x00007ffc)
\tlibQt6XcbQpa.so.6 => /x/PyQt6/Qt6/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-cursor.so.0 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
"""


def test_not_found_lines_are_the_missing_libraries(tmp_path: Path) -> None:
    seen: list[list[str]] = []

    def fake_ldd(command: list[str]) -> str:
        seen.append(command)
        return LDD

    plugin = tmp_path / "libqxcb.so"
    missing = missing_libraries(plugin, run=fake_ldd)
    assert seen == [["ldd", str(plugin)]]
    assert missing == ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert apt_line(missing) == ("sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 "
                                 "libxcb-keysyms1")
    problem = xcb_problem(missing)
    assert problem is not None and "\n" not in problem
    assert problem.endswith("sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1")
    assert xcb_problem([]) is None


def test_this_pyqt_has_an_xcb_plugin_that_ldd_can_read() -> None:
    plugin = xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"
    assert all(name.endswith(tuple(f".so.{n}" for n in range(10)))
               for name in missing_libraries(plugin))


def test_which_sessions_use_xcb() -> None:
    assert uses_xcb({"DISPLAY": ":0"}, "linux")
    assert not uses_xcb({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert uses_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not uses_xcb({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not uses_xcb({"DISPLAY": ":0"}, "darwin")


def test_the_app_says_what_to_install_instead_of_aborting(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr("ui.system_check.missing_libraries", lambda: ["libxcb-icccm.so.4"])
    status = main(["--source", "demo", "--settings", str(tmp_path / "ui.ini")])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err.splitlines() == [err]
    assert "sudo apt-get install -y libxcb-icccm4" in err


def test_an_unreachable_display_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert x_display_problem(":987") is not None  # no X server there
    monkeypatch.setenv("DISPLAY", ":987")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr("ui.system_check.missing_libraries", lambda: [])
    status = main(["--source", "demo", "--settings", str(tmp_path / "ui.ini")])
    err = capsys.readouterr().err.strip()
    assert status == 2 and err.splitlines() == [err]
    assert "cannot connect to the X display ':987'" in err and "--headless" in err
