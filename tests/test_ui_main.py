"""`stra-live` command line: headless runs, display detection, one-line errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication

from stra_live.events import Frame, make_events
from stra_live.io.hdf5 import write_hqf
from ui.main import display_available, main
from ui.main_window import MainWindow

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def small_h5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5-frame 40x56 HQF file with a few random events per exposure."""
    rng = np.random.default_rng(1)
    height, width, n_frames, period = 40, 56, 5, 40_000
    frames = [Frame(rng.integers(0, 256, (height, width), dtype=np.uint8), i * period,
                    i * period, i * period + 20_000) for i in range(n_frames)]
    n = 2000
    t = np.sort(rng.integers(0, n_frames * period, n)).astype(np.int64)
    events = make_events(t, rng.integers(0, width, n), rng.integers(0, height, n),
                         rng.choice(np.array([-1, 1], dtype=np.int8), n))
    path = tmp_path_factory.mktemp("data") / "small.h5"
    write_hqf(path, events, frames, (height, width))
    return path


def test_display_detection() -> None:
    assert display_available({"QT_QPA_PLATFORM": "offscreen"})
    if sys.platform.startswith("linux"):
        assert not display_available({})
        assert not display_available({"QT_QPA_PLATFORM": "xcb"})
        assert display_available({"DISPLAY": ":0"})
        assert display_available({"WAYLAND_DISPLAY": "wayland-0"})


def test_headless_run_writes_video_and_stats(tmp_path: Path, small_h5: Path,
                                             tiny_checkpoint: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    status = main(["--headless", "--source", str(small_h5), "--checkpoint", str(tiny_checkpoint),
                   "--device", "cpu", "--out", str(out), "--frames", "3"])
    printed = capsys.readouterr().out
    assert status == 0
    assert str(out / "side_by_side.mp4") in printed and str(out / "stats.json") in printed
    assert (out / "side_by_side.mp4").stat().st_size > 0
    stats = json.loads((out / "stats.json").read_text())
    assert json.loads(printed.strip().splitlines()[-1]) == stats


@pytest.mark.parametrize("headless", [True, False])
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--source", "missing_file.aedat4"], "missing_file.aedat4"),
        (["--source", "ftp://nowhere"], "ftp://nowhere"),
        (["--source", "demo", "--checkpoint", "wrong.safetensors"], "wrong.safetensors"),
    ],
)
def test_bad_input_ends_with_one_line_and_status_2(
        args: list[str], fragment: str, headless: bool, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # the window path, when not headless
    (tmp_path / "wrong.safetensors").write_bytes(b"not weights")
    extra = ["--headless", "--out", str(tmp_path / "out")] if headless else [
        "--settings", str(tmp_path / "ui.ini")]
    status = main([*args, *extra])
    err = capsys.readouterr().err
    assert status == 2
    lines = [line for line in err.splitlines() if line.startswith("stra-live: error:")]
    assert len(lines) == 1 and fragment in lines[0]
    assert "Traceback" not in err


def test_bad_config_value_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "live.yaml"
    config.write_text("engine:\n  lookahead: 3\n")
    assert main(["--config", str(config), "--headless"]) == 2
    assert "lookahead" in capsys.readouterr().err


def test_window_mode_shows_deblurred_frames_and_exits_cleanly(
        tmp_path: Path, tiny_checkpoint: Path, qapp: QApplication,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    seen: dict[str, MainWindow] = {}

    def close_once_drawn() -> None:
        for widget in qapp.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.latest is not None:
                seen["window"] = widget
                widget.close()  # the last window closed: app.exec() returns
                return
        QTimer.singleShot(50, close_once_drawn)

    QTimer.singleShot(50, close_once_drawn)
    status = main(["--source", "demo", "--checkpoint", str(tiny_checkpoint), "--device", "cpu",
                   "--settings", str(tmp_path / "ui.ini")])
    assert status == 0
    window = seen["window"]
    assert window.latest is not None and window.latest.deblurred is not None
    assert window.latest.deblurred.shape == (180, 240)  # the demo scene at DAVIS240C size
    assert window.session.pipeline is None  # stopped on exit
    assert (tmp_path / "ui.ini").is_file()  # geometry went to the given file, not the user's


@pytest.mark.parametrize("limit", [["--frames", "2"], ["--seconds", "1.5"]])
def test_window_mode_closes_itself_at_its_limit(
        limit: list[str], tmp_path: Path, tiny_checkpoint: Path, qapp: QApplication,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # --seconds and --frames used to be ignored in a window: `stra-live --seconds 20` ran on.
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    seen: dict[str, MainWindow] = {}

    def remember_window() -> None:
        # An earlier test's closed window may still be a top-level widget.
        windows = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)
                   and w.isVisible()]
        if windows:
            seen["window"] = windows[0]
        else:
            QTimer.singleShot(20, remember_window)

    QTimer.singleShot(20, remember_window)
    status = main(["--source", "demo", "--checkpoint", str(tiny_checkpoint), "--device", "cpu",
                   "--settings", str(tmp_path / "ui.ini"), *limit])
    assert status == 0
    window = seen["window"]
    if limit[0] == "--frames":
        assert window.shown == 2
    else:
        assert window.shown > 2  # it ran, then stopped on time
    assert window.session.pipeline is None
