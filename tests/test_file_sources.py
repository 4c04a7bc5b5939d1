"""File sources: slicing into packets, frame attachment, looping, pacing, stopping, lazy HDF5."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from stra_live.errors import InputError
from stra_live.events import Frame, make_events
from stra_live.io.aedat4 import write_aedat4
from stra_live.io.hdf5 import read_hqf, write_hqf
from stra_live.io.recording import Recording
from stra_live.sources.aedat4 import Aedat4Source
from stra_live.sources.base import Packet, Source
from stra_live.sources.hdf5 import Hdf5Source
from stra_live.sources.recording import RecordingSource
from tests.shared_data import DVXPLORER_SAMPLE

RES = (6, 8)
REAL_FILE = DVXPLORER_SAMPLE


def events_at(*stamps: int) -> np.ndarray:
    n = len(stamps)
    return make_events(np.array(stamps), np.arange(n) % RES[1], np.arange(n) % RES[0],
                       np.where(np.arange(n) % 2 == 0, 1, -1))


def frame(start: int, end: int, value: int = 0) -> Frame:
    return Frame(image=np.full(RES, value, np.uint8), timestamp=start, exposure_start=start,
                 exposure_end=end)


def random_recording(seed: int = 0, n: int = 2_000, with_sharp: bool = False) -> Recording:
    rng = np.random.default_rng(seed)
    events = make_events(np.sort(rng.integers(5_000, 205_000, n)), rng.integers(0, RES[1], n),
                         rng.integers(0, RES[0], n), rng.choice(np.array([-1, 1]), n))
    starts = range(0, 200_000, 23_000)
    frames = tuple(Frame(rng.integers(0, 256, RES, dtype=np.uint8), s, s, s + 7_000)
                   for s in starts)
    sharp = tuple(Frame(rng.integers(0, 256, RES, dtype=np.uint8), s + 3_500, s + 3_500,
                        s + 3_500) for s in starts) if with_sharp else None
    return Recording("mem", RES, events, frames, sharp)


def assert_same_packets(got: list[Packet], want: list[Packet]) -> None:
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert a.watermark == b.watermark
        np.testing.assert_array_equal(a.events, b.events)
        assert len(a.frames) == len(b.frames)
        for fa, fb in zip(a.frames, b.frames, strict=True):
            np.testing.assert_array_equal(fa.image, fb.image)
            assert (fa.timestamp, fa.exposure_start, fa.exposure_end) == (
                fb.timestamp, fb.exposure_start, fb.exposure_end)


def test_hand_computed_slicing_and_frame_attachment() -> None:
    recording = Recording("hand", RES, events_at(100, 105, 119, 120, 145),
                          (frame(95, 112), frame(113, 113), frame(118, 141)))
    packets = list(RecordingSource(recording, packet_us=10).packets())
    assert [p.watermark for p in packets] == [110, 120, 130, 140, 150]
    assert [p.events["t"].tolist() for p in packets] == [[100, 105], [119], [120], [], [145]]
    assert [[f.exposure_end for f in p.frames] for p in packets] == [[], [112, 113], [], [], [141]]


def test_frame_ending_before_first_event_starts_the_timeline() -> None:
    recording = Recording("early", RES, events_at(100, 101), (frame(80, 90),))
    packets = list(RecordingSource(recording, packet_us=10).packets())
    assert [p.watermark for p in packets] == [100, 110]
    assert len(packets[0].frames) == 1 and packets[0].events.size == 0
    assert packets[1].events["t"].tolist() == [100, 101]


def test_frames_never_overtake_each_other() -> None:
    # The second frame ends before the first (shorter exposure): it must wait for it.
    recording = Recording("order", RES, events_at(0, 50), (frame(0, 35), frame(5, 12)))
    packets = list(RecordingSource(recording, packet_us=10).packets())
    attached = [(i, f.timestamp) for i, p in enumerate(packets) for f in p.frames]
    assert attached == [(3, 0), (3, 5)]


def test_random_recording_invariants() -> None:
    recording = random_recording()
    source = RecordingSource(recording, packet_us=3_000)
    assert isinstance(source, Source)
    assert (source.name, source.resolution, source.has_frames) == ("mem", RES, True)
    packets = list(source.packets())
    np.testing.assert_array_equal(np.concatenate([p.events for p in packets]), recording.events)
    previous = None
    for packet in packets:
        if previous is not None:
            assert packet.watermark == previous + 3_000
        assert np.all(packet.events["t"] < packet.watermark)
        assert np.all(packet.events["t"] >= packet.watermark - 3_000)
        assert all(f.exposure_end < packet.watermark for f in packet.frames)
        previous = packet.watermark
    delivered = [f.timestamp for p in packets for f in p.frames]
    assert delivered == [f.timestamp for f in recording.frames]


def test_loop_shifts_each_pass_by_whole_slices() -> None:
    recording = random_recording(n=300)
    one_pass = list(RecordingSource(recording, packet_us=7_000).packets())
    duration = len(one_pass) * 7_000
    source = RecordingSource(recording, packet_us=7_000, loop=True)
    stream = source.packets()
    looped = [next(stream) for _ in range(3 * len(one_pass))]
    source.close()
    assert next(stream, None) is None
    watermarks = np.array([p.watermark for p in looped])
    assert np.all(np.diff(watermarks) == 7_000)
    for k in (1, 2):
        part = looped[k * len(one_pass):(k + 1) * len(one_pass)]
        shifted = [Packet(p.events.copy(), tuple(
            Frame(f.image, f.timestamp - k * duration, f.exposure_start - k * duration,
                  f.exposure_end - k * duration) for f in p.frames), p.watermark - k * duration)
            for p in part]
        for p in shifted:
            p.events["t"] -= k * duration
        assert_same_packets(shifted, one_pass)


def test_consumer_mutation_does_not_change_later_passes() -> None:
    recording = random_recording(n=50)
    original = recording.events.copy()
    source = RecordingSource(recording, packet_us=50_000, loop=True)
    for packet, _ in zip(source.packets(), range(20), strict=False):
        packet.events["x"] = 0
    np.testing.assert_array_equal(recording.events, original)


def test_realtime_pacing_yields_the_same_packets() -> None:
    recording = random_recording(n=200)
    fast = list(RecordingSource(recording, packet_us=20_000).packets())
    paced = list(RecordingSource(recording, packet_us=20_000, pacing="realtime",
                                 speed=50.0).packets())
    assert_same_packets(paced, fast)


@pytest.mark.timeout(20)
def test_close_from_another_thread_stops_a_waiting_realtime_stream() -> None:
    # 100 s of recording at real speed: only close() can end this promptly.
    recording = Recording("long", RES, events_at(0, 100_000_000), ())
    source = RecordingSource(recording, packet_us=50_000_000, pacing="realtime")
    received: list[Packet] = []
    worker = threading.Thread(target=lambda: received.extend(source.packets()))
    worker.start()
    time.sleep(0.2)  # let the worker reach its wait for the first deadline (50 s away)
    source.close()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert len(received) <= 1
    assert list(source.packets()) == []
    source.close()  # twice is fine


def test_bad_options_and_recordings_rejected() -> None:
    recording = random_recording(n=10)
    for bad in ({"packet_us": 0}, {"packet_us": 2.5}, {"speed": 0.0},
                {"speed": float("nan")}, {"pacing": "slow"}):
        with pytest.raises(ValueError):
            RecordingSource(recording, **bad)
    unsorted = Recording("bad", RES, recording.events[::-1], ())
    with pytest.raises(InputError, match="backwards"):
        RecordingSource(unsorted)


def test_empty_recording_yields_nothing() -> None:
    source = RecordingSource(Recording("empty", RES, events_at(), ()), loop=True)
    assert list(source.packets()) == [] and not source.has_frames


def test_aedat4_source_matches_recording_source(tmp_path: Path) -> None:
    recording = random_recording(seed=4)
    write_aedat4(tmp_path / "r.aedat4", recording)
    source = Aedat4Source(tmp_path / "r.aedat4", packet_us=4_000)
    assert source.resolution == RES and source.has_frames
    assert source.name == str(tmp_path / "r.aedat4")
    assert_same_packets(list(source.packets()),
                        list(RecordingSource(recording, packet_us=4_000).packets()))


def test_aedat4_source_bad_file(tmp_path: Path) -> None:
    (tmp_path / "bad.aedat4").write_bytes(b"not aedat")
    with pytest.raises(InputError, match=r"bad\.aedat4"):
        Aedat4Source(tmp_path / "bad.aedat4")


@pytest.mark.skipif(not REAL_FILE.exists(), reason="shared real sample not present")
def test_aedat4_source_real_file() -> None:
    source = Aedat4Source(REAL_FILE, packet_us=50_000)
    packets = list(source.packets())
    assert source.resolution == (240, 320) and not source.has_frames
    assert sum(len(p.events) for p in packets) == 111_954
    assert all(p.frames == () for p in packets)


def test_hdf5_source_streams_lazily_like_the_whole_file(tmp_path: Path) -> None:
    recording = random_recording(seed=5, with_sharp=True)
    path = tmp_path / "r.h5"
    write_hqf(path, recording.events, recording.frames, RES, recording.sharp_frames)
    want = list(RecordingSource(read_hqf(path), packet_us=5_000).packets())
    source = Hdf5Source(path, packet_us=5_000, chunk_events=37)
    assert (source.resolution, source.has_frames) == (RES, True)
    assert_same_packets(list(source.packets()), want)
    sharp = Hdf5Source(path, packet_us=5_000, use_sharp=True)
    delivered = [f for p in sharp.packets() for f in p.frames]
    assert [f.timestamp for f in delivered] == [f.timestamp for f in recording.sharp_frames]
    np.testing.assert_array_equal(delivered[2].image, recording.sharp_frames[2].image)


def test_hdf5_source_loops_by_reopening_the_file(tmp_path: Path) -> None:
    recording = random_recording(seed=6, n=100)
    write_hqf(tmp_path / "r.h5", recording.events, recording.frames, RES)
    source = Hdf5Source(tmp_path / "r.h5", packet_us=10_000, loop=True, chunk_events=16)
    one = len(list(RecordingSource(recording, packet_us=10_000).packets()))
    stream = source.packets()
    packets = [next(stream) for _ in range(2 * one + 1)]
    stream.close()
    assert sum(len(p.events) for p in packets[:2 * one]) == 2 * len(recording.events)
    assert np.all(np.diff([p.watermark for p in packets]) == 10_000)


def test_hdf5_source_bad_files(tmp_path: Path) -> None:
    recording = random_recording(seed=7, n=40)
    write_hqf(tmp_path / "r.h5", recording.events, recording.frames, RES)
    with pytest.raises(InputError, match="sharp_images"):
        Hdf5Source(tmp_path / "r.h5", use_sharp=True)
    (tmp_path / "junk.h5").write_bytes(b"junk")
    with pytest.raises(InputError, match=r"junk\.h5"):
        Hdf5Source(tmp_path / "junk.h5")
    with h5py.File(tmp_path / "r.h5", "r+") as file:  # one timestamp jumps back, mid-file
        ts = file["events/ts"]
        ts[30] = ts[10]
    source = Hdf5Source(tmp_path / "r.h5", chunk_events=8)
    with pytest.raises(InputError, match="backwards"):
        list(source.packets())
