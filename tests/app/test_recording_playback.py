"""The window plays a STRA Live recording back with its recorded deblurring beside a fresh one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from stra_live.recording import RecordConfig, SessionRecorder
from tests.app.support import wait_for_result
from tests.test_session_recorder import make_packets
from ui.main_window import MainWindow

pytestmark = pytest.mark.timeout(180)


def test_a_recording_plays_back_beside_its_recorded_output(
        make_window: Callable[..., MainWindow], qtbot: object, tmp_path: Path) -> None:
    res = (36, 48)
    folder = tmp_path / "session"
    recorder = SessionRecorder(folder, res, record_mp4=False, config=RecordConfig(folder=folder))
    for packet in make_packets(30, res=res, per_packet=200):
        recorder.write_packet(packet)
        recorder.write_result(packet.frames[0].timestamp, np.full(res, 200, np.uint8))
    path = recorder.stop().paths[0]
    window = make_window(resolution=res)
    window.start_source(str(path))
    wait_for_result(qtbot, window, lambda w: w.views.recorded_plot in w.views.visible_plots())
    image = window.views.recorded.image
    assert image is not None and image.shape == res and int(image.max()) in (0, 200)
