"""Live playback of a file source: restart at a time, pause with single frames, speed, loop."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from stra_live.events import Frame, make_events
from stra_live.io.recording import Recording
from stra_live.sources.playback import PlaybackControl
from stra_live.sources.recording import RecordingSource

PERIOD = 40_000  # 25 fps
SHAPE = (6, 8)


def recording(frames: int = 10) -> Recording:
    """``frames`` frames 40 ms apart (10 ms exposure) and one event every 1 ms."""
    t = np.arange(0, frames * PERIOD, 1000, dtype=np.int64)
    events = make_events(t, t // 1000 % SHAPE[1], t // 1000 % SHAPE[0],
                         np.where(t // 1000 % 2 == 0, 1, -1).astype(np.int8))
    images = [Frame(np.full(SHAPE, i, dtype=np.uint8), i * PERIOD, i * PERIOD,
                    i * PERIOD + 10_000) for i in range(frames)]
    return Recording("synthetic", SHAPE, events, tuple(images))


def controlled(control: PlaybackControl, frames: int = 10) -> RecordingSource:
    source = RecordingSource(recording(frames), packet_us=10_000)
    source.playback = control
    return source


def test_restart_begins_at_the_slice_of_the_time_asked_for() -> None:
    source = controlled(PlaybackControl(speed=None))
    assert source.duration_us == 10 * PERIOD  # 400 slices of 1 ms events: 40 packets
    restarted = source.restarted(5 * PERIOD + 2_000)
    packets = list(restarted.packets())
    first_event = int(packets[0].events["t"][0])
    assert first_event == 5 * PERIOD  # the slice [200, 210) ms holds 202 ms
    frames = [frame.timestamp for packet in packets for frame in packet.frames]
    assert frames == [i * PERIOD for i in range(5, 10)]
    # The original is untouched: a restart is a new, unopened copy.
    assert sum(len(p.events) for p in source.packets()) == 400
    assert restarted.playback is source.playback


def test_restart_drops_a_frame_exposed_before_its_start() -> None:
    source = controlled(PlaybackControl(speed=None))
    # 212 ms: the first slice is [210, 220) ms; frame 5 (exposed 200-210 ms) ends in it.
    frames = [f.timestamp for p in source.restarted(5 * PERIOD + 12_000).packets()
              for f in p.frames]
    assert frames == [i * PERIOD for i in range(6, 10)]


def test_paused_source_releases_one_frame_per_allowed_frame() -> None:
    control = PlaybackControl(speed=None)
    control.pause()
    source = controlled(control)
    got: list[int] = []

    def pull() -> None:
        for packet in source.packets():
            got.extend(frame.timestamp for frame in packet.frames)

    thread = threading.Thread(target=pull, daemon=True)
    thread.start()
    time.sleep(0.2)
    assert got == []  # paused: nothing goes out
    control.allow_frames(2)
    deadline = time.monotonic() + 5
    while len(got) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert got == [0, PERIOD]  # exactly two frames, no more
    assert control.position_us == PERIOD + 20_000  # the packet holding frame 1's exposure end
    control.resume()
    thread.join(5)
    assert got == [i * PERIOD for i in range(10)]
    source.close()


def test_slow_speed_takes_longer_and_fast_does_not_wait() -> None:
    started = time.monotonic()
    list(controlled(PlaybackControl(speed=0.25), frames=3).packets())
    slow = time.monotonic() - started
    assert slow >= 0.9 * (3 * PERIOD - 10_000) / 1e6 / 0.25  # 110 ms of stream at 0.25x
    started = time.monotonic()
    list(controlled(PlaybackControl(speed=None), frames=50).packets())  # 2 s of stream
    assert time.monotonic() - started < 1.0


def test_loop_replays_and_frame_numbers_map_back_into_the_file() -> None:
    control = PlaybackControl(speed=None, loop=True)
    source = controlled(control, frames=3)
    stamps = []
    for packet in source.packets():
        stamps.extend(frame.timestamp for frame in packet.frames)
        if len(stamps) >= 7:
            control.loop = False  # switched off live: the pass under way is the last
    assert len(stamps) == 9 and stamps == sorted(stamps)
    assert [source.frame_number(t) for t in stamps] == [0, 1, 2] * 3


def test_bad_speed_is_named() -> None:
    with pytest.raises(ValueError, match="speed"):
        PlaybackControl(speed=8.0)


def test_session_wraps_files_keeping_a_source_that_loops_by_design() -> None:
    from stra_live.engine.config import LiveConfig
    from stra_live.sources.filtered import FilteredSource
    from ui.session import LiveSession

    session = LiveSession(LiveConfig())
    looping = RecordingSource(recording(), loop=True)  # as the demo scene is
    wrapped = session._wrap(looping)
    assert isinstance(wrapped, FilteredSource) and wrapped.inner is looping
    assert looping.playback is not None and looping.playback.loop
    plain = RecordingSource(recording())
    session._wrap(plain)
    assert plain.playback is not None and not plain.playback.loop
    assert plain.playback.speed == 1.0
