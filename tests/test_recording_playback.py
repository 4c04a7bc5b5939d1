"""A recording is a first-class source: its recorded deblurring is found for each replayed frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stra_live.recording import RecordConfig, SessionRecorder
from stra_live.sources.aedat4 import Aedat4Source
from tests.shared_data import DAVIS346_SAMPLE
from tests.test_session_recorder import RES, make_packets


def record_session(folder: Path) -> Path:
    """8 packets, each frame's 'deblurred' output a constant image of its index."""
    packets = make_packets(8)
    recorder = SessionRecorder(folder, RES, record_mp4=False, config=RecordConfig(folder=folder))
    for k, packet in enumerate(packets):
        recorder.write_packet(packet)
        if k != 3:  # frame 3 was dropped live: nothing recorded for it
            recorder.write_result(packet.frames[0].timestamp, np.full(RES, k, np.uint8))
    return recorder.stop().paths[0]


def test_playback_finds_the_recorded_output_of_each_frame(tmp_path: Path) -> None:
    source = Aedat4Source(record_session(tmp_path), loop=True)
    outputs = source.recorded_outputs
    assert outputs is not None and len(outputs) == 7
    stamps = [f.timestamp for f in source.recording.frames]
    assert int(outputs.at(stamps[5])[0, 0]) == 5
    assert outputs.at(stamps[3]) is None  # none recorded: the view shows black, not another
    later_pass = stamps[6] + 2 * source.duration_us  # looping shifts time by whole passes
    assert int(outputs.at(later_pass, source.start_time_us, source.duration_us)[0, 0]) == 6


def test_a_camera_file_has_no_recorded_outputs() -> None:
    assert Aedat4Source(DAVIS346_SAMPLE).recorded_outputs is None
