"""Switching sources and checkpoints: off the GUI thread, failures keep the running stream."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.app.support import (
    SLOW_OPEN_S,
    WAIT_MS,
    tick_times,
    wait_for_new_result,
    wait_for_result,
)
from ui.main_window import MainWindow

pytestmark = pytest.mark.timeout(180)


def test_wrong_checkpoint_shows_a_message_and_keeps_running(
        make_window: Callable[..., MainWindow], qtbot: object, tmp_path: Path,
        tiny_checkpoint: Path) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    engine = window.session.engine
    bad = tmp_path / "not_a_checkpoint.safetensors"
    bad.write_bytes(b"this is not a safetensors file")
    with qtbot.waitSignal(window.session.open_failed, timeout=WAIT_MS):  # type: ignore[attr-defined]
        window.load_checkpoint(str(bad))
        assert "Opening" in window.status.currentMessage()
    assert "not_a_checkpoint.safetensors" in window.last_message
    assert "Checkpoint not loaded" in window.last_message
    assert window._message_box is not None and window._message_box.isVisible()
    assert window.session.engine is engine
    wait_for_new_result(qtbot, window)
    good = tmp_path / "other.safetensors"
    good.write_bytes(tiny_checkpoint.read_bytes())
    with qtbot.waitSignal(window.session.opened, timeout=WAIT_MS):  # type: ignore[attr-defined]
        window.load_checkpoint(str(good))
    assert window.session.engine is not engine
    assert window.session.engine_config.checkpoint == good
    qtbot.waitUntil(lambda: window.slot.received > 0, timeout=WAIT_MS)  # type: ignore[attr-defined]


def test_bad_source_keeps_the_current_stream(make_window: Callable[..., MainWindow],
                                             qtbot: object, tmp_path: Path) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    pipeline = window.session.pipeline
    with qtbot.waitSignal(window.session.open_failed, timeout=WAIT_MS):  # type: ignore[attr-defined]
        window.open_source(str(tmp_path / "missing.aedat4"))
    assert "missing.aedat4" in window.last_message
    assert window.session.pipeline is pipeline
    wait_for_new_result(qtbot, window)


def test_gui_stays_responsive_while_a_slow_source_opens(
        make_window: Callable[..., MainWindow], qtbot: object) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    old = window.session.pipeline
    ticks = tick_times(window)
    results: list[float] = []
    window.session.result.connect(lambda result: results.append(time.monotonic()))
    started = time.monotonic()
    with qtbot.waitSignal(window.session.opened, timeout=WAIT_MS):  # type: ignore[attr-defined]
        window.open_source("slow:demo")
        assert time.monotonic() - started < SLOW_OPEN_S / 4  # returned at once
        assert window.status.currentMessage() == "Opening slow:demo…"
        assert window.session.pipeline is old and window.session.spec == "demo"
    assert time.monotonic() - started >= SLOW_OPEN_S
    during = [started, *(t for t in ticks if t < started + SLOW_OPEN_S)]
    gaps = np.diff(during)
    assert len(gaps) >= 5 and gaps.max() < SLOW_OPEN_S / 2  # the GUI thread kept running
    assert any(t < started + SLOW_OPEN_S for t in results)  # the old stream went on meanwhile
    assert window.session.pipeline is not old and window.session.spec == "slow:demo"
    assert window.windowTitle().startswith("STRA Live")
    wait_for_result(qtbot, window)  # the new stream arrives


def test_a_failing_slow_open_keeps_the_stream_and_shows_why(
        make_window: Callable[..., MainWindow], qtbot: object, tmp_path: Path) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    pipeline = window.session.pipeline
    spec = f"slow:{tmp_path / 'missing.aedat4'}"
    with qtbot.waitSignal(window.session.open_failed, timeout=WAIT_MS):  # type: ignore[attr-defined]
        window.open_source(spec)
        assert window.status.currentMessage() == f"Opening {spec}…"
        assert window.session.pending is not None
    assert window.session.pending is None
    assert window.last_message.startswith(f"Cannot open {spec}: ")
    assert "missing.aedat4" in window.last_message and "\n" not in window.last_message
    assert window._message_box is not None and window._message_box.isVisible()
    assert window.status.currentMessage() == window.last_message
    assert window.session.pipeline is pipeline and window.session.spec == "demo"
    wait_for_new_result(qtbot, window)


def test_the_newest_open_wins_and_a_stale_one_is_dropped(
        make_window: Callable[..., MainWindow], qtbot: object) -> None:
    window = make_window()
    window.start_source("demo")
    wait_for_result(qtbot, window)
    opened: list[str] = []
    window.session.opened.connect(lambda request: opened.append(request.spec))
    window.open_source("slow:demo")
    with qtbot.waitSignal(window.session.opened, timeout=WAIT_MS):  # type: ignore[attr-defined]
        window.open_source("demo")
    pipeline = window.session.pipeline
    qtbot.waitUntil(lambda: window.session.opens_in_flight == 0,  # type: ignore[attr-defined]
                    timeout=WAIT_MS)
    qtbot.wait(200)  # type: ignore[attr-defined]  # the stale outcome reaches the GUI thread
    assert opened == ["demo"]
    assert window.session.pipeline is pipeline and window.session.spec == "demo"
    wait_for_result(qtbot, window)
