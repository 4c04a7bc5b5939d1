"""The real DVXplorer recording streams through the AEDAT4 source and voxelises."""

from __future__ import annotations

import numpy as np
import pytest

from stra_live.io.aedat4 import read_aedat4
from stra_live.sources.aedat4 import Aedat4Source
from stra_live.voxel.buffer import RollingEventBuffer
from stra_live.voxel.grid import events_to_voxel
from tests.shared_data import DVXPLORER_SAMPLE

SAMPLE = DVXPLORER_SAMPLE


def test_streamed_windows_voxelise_like_the_whole_recording() -> None:
    recording = read_aedat4(SAMPLE)
    height, width = recording.resolution
    source = Aedat4Source(SAMPLE, packet_us=20_000)
    buffer = RollingEventBuffer(source.resolution, horizon_us=10_000_000)
    windows = []
    for packet in source.packets():
        buffer.append(packet.events)
        if len(packet.events):
            t0, t1 = int(packet.events["t"][0]), int(packet.events["t"][-1])
            windows.append(buffer.voxel(t0, t1, 5))
            # Each streamed window equals the pure function on the recording's slice.
            np.testing.assert_allclose(
                windows[-1], events_to_voxel(recording.events, 5, height, width, t0, t1),
                atol=1e-4)
    source.close()
    assert len(buffer) == 111_954
    streamed = sum(w.sum() for w in windows)
    assert streamed == pytest.approx(recording.events["p"].astype(np.int64).sum(), abs=1e-2)
    # Real data: both polarities, and the events cover much of the 320x240 sensor.
    whole = events_to_voxel(recording.events, 5, height, width,
                            int(recording.events["t"][0]), int(recording.events["t"][-1]))
    assert (whole > 0).any() and (whole < 0).any()
    assert (np.abs(whole).sum(axis=0) > 0).mean() > 0.2
