"""The real DAVIS346 recording: frames arrive after all the events of their exposure window.

``davis346_aedat_test.aedat4`` (346x260, 59 APS frames at 25 fps, 78,830 events)
is real camera data, so this checks the pairing rule on what a DAVIS writes,
not on synthetic streams: when a frame is delivered, every event inside its
exposure window has been delivered too (in that packet or an earlier one), and
none of the events delivered with or before it is later than the packet's
watermark. A frame's (0.5 ms) exposure window also holds events where the picture
changes between frames.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from stra_live.io.aedat4 import read_aedat4
from stra_live.sources.aedat4 import Aedat4Source
from tests.shared_data import DAVIS346_SAMPLE


@pytest.fixture(scope="module")
def recording():  # type: ignore[no-untyped-def]
    return read_aedat4(DAVIS346_SAMPLE)


def test_recording_is_what_the_tests_assume(recording) -> None:  # type: ignore[no-untyped-def]
    assert recording.resolution == (260, 346)
    assert len(recording.frames) == 59 and len(recording.events) == 78_830
    periods = np.diff([frame.timestamp for frame in recording.frames])
    assert np.median(periods) == pytest.approx(40_000, rel=0.05)  # 25 fps


def test_each_frame_comes_after_every_event_of_its_exposure(recording) -> None:  # type: ignore[no-untyped-def]
    times = recording.events["t"]
    delivered = 0
    frames_seen = 0
    source = Aedat4Source(DAVIS346_SAMPLE, packet_us=10_000)
    for packet in source.packets():
        delivered += len(packet.events)
        for frame in packet.frames:
            frames_seen += 1
            assert frame.exposure_start <= frame.exposure_end < packet.watermark
            inside = np.searchsorted(times, frame.exposure_end, side="right")
            assert delivered >= inside  # every event up to the exposure end is already out
            window = (times >= frame.exposure_start) & (times <= frame.exposure_end)
            if frame.exposure_start > times[0]:
                assert window.sum() > 0  # a real (0.5 ms) exposure window holds events
    source.close()
    assert frames_seen == 59 and delivered == len(recording.events)


def test_exposure_events_sit_where_the_picture_changes(recording) -> None:  # type: ignore[no-untyped-def]
    events, frames = recording.events, recording.frames
    ratios = []
    for before, frame in itertools.pairwise(frames):
        change = np.abs(frame.as_float() - before.as_float())
        inside = events[(events["t"] >= frame.exposure_start)
                        & (events["t"] <= frame.exposure_end)]
        if len(inside) >= 5:
            ratios.append(float(change[inside["y"], inside["x"]].mean() / (change.mean() + 1e-6)))
    # Events of a frame's own 0.5 ms exposure fall on pixels that change between frames
    # (the moving cars) far more than the average pixel does.
    assert len(ratios) >= 40
    assert np.median(ratios) > 5.0


@pytest.mark.timeout(300)
def test_headless_deblurs_all_59_frames(tmp_path, tiny_checkpoint) -> None:  # type: ignore[no-untyped-def]
    from stra_live.engine.config import EngineConfig, LiveConfig
    from stra_live.engine.headless import run_headless

    config = LiveConfig(source=str(DAVIS346_SAMPLE),
                        engine=EngineConfig(checkpoint=tiny_checkpoint, device="cpu"))
    stats = run_headless(config, tmp_path / "out")
    assert stats["resolution"] == [260, 346]
    assert stats["frames_written"] == 59 and stats["errors"] == []
