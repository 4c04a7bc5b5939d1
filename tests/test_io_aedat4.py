"""AEDAT4 reading and writing through dv-processing: round trips, real file, bad files."""

from __future__ import annotations

import functools
import logging
import os
import struct
from datetime import timedelta
from pathlib import Path

import dv_processing as dv
import numpy as np
import pytest

from stra_live.errors import InputError
from stra_live.events import EVENT_DTYPE, Frame, make_events
from stra_live.io.aedat4 import Aedat4Writer, read_aedat4, write_aedat4
from stra_live.io.aedat4_header import copy_without_data_table, data_table_offset
from stra_live.io.isolated import Progress, call_isolated
from stra_live.io.recording import Recording
from tests.shared_data import DVXPLORER_SAMPLE

RES = (18, 24)  # (height, width)
REAL_FILE = DVXPLORER_SAMPLE

# Most tests decode in-process to stay fast; the isolated path has its own tests below.
read = functools.partial(read_aedat4, isolate=False)


def random_events(n: int, seed: int = 0, t_max: int = 1_000_000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return make_events(np.sort(rng.integers(0, t_max, n)), rng.integers(0, RES[1], n),
                       rng.integers(0, RES[0], n), rng.choice(np.array([-1, 1]), n))


def random_frames(starts: list[int], exposure: int = 3_000, seed: int = 1) -> tuple[Frame, ...]:
    rng = np.random.default_rng(seed)
    return tuple(Frame(image=rng.integers(0, 256, RES, dtype=np.uint8), timestamp=s,
                       exposure_start=s, exposure_end=s + exposure - 1) for s in starts)


def assert_frames_equal(got: tuple[Frame, ...], want: tuple[Frame, ...]) -> None:
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a.image, b.image)
        assert (a.timestamp, a.exposure_start, a.exposure_end) == (
            b.timestamp, b.exposure_start, b.exposure_end)


def test_write_read_round_trip_is_exact(tmp_path: Path) -> None:
    events = random_events(3_000)
    frames = random_frames([0, 250_000, 500_000, 999_000])
    path = tmp_path / "rec.aedat4"
    write_aedat4(path, events, frames, RES)
    recording = read(path)
    assert recording.resolution == RES and recording.source == str(path)
    assert recording.events.dtype == EVENT_DTYPE
    np.testing.assert_array_equal(recording.events, events)
    assert_frames_equal(recording.frames, frames)


def test_write_accepts_a_recording(tmp_path: Path) -> None:
    recording = Recording("mem", RES, random_events(50), random_frames([10]))
    write_aedat4(tmp_path / "r.aedat4", recording)
    np.testing.assert_array_equal(read(tmp_path / "r.aedat4").events, recording.events)
    with pytest.raises(TypeError):
        write_aedat4(tmp_path / "r.aedat4", recording, resolution=RES)


def test_frame_exposure_matches_dv_convention(tmp_path: Path) -> None:
    # Written with dv directly: timestamp = exposure start, exposure = length.
    path = tmp_path / "dv.aedat4"
    writer = dv.io.MonoCameraWriter(str(path), dv.io.MonoCameraWriter.DAVISConfig("x", (24, 18)))
    image = np.arange(18 * 24, dtype=np.uint8).reshape(RES)
    writer.writeFrame(dv.Frame(1_000, 4_000, 0, 0, image, dv.FrameSource.SENSOR))
    writer.writeFrame(dv.Frame(9_000, 0, 0, 0, image, dv.FrameSource.SENSOR))
    del writer
    first, second = read(path).frames
    assert (first.timestamp, first.exposure_start, first.exposure_end) == (1_000, 1_000, 4_999)
    assert second.exposure_start == second.exposure_end == 9_000  # zero exposure: one instant
    np.testing.assert_array_equal(first.image, image)
    # ...and our writer stores the same numbers dv would.
    write_aedat4(tmp_path / "ours.aedat4", random_events(0), [first], RES)
    frame = dv.io.MonoCameraRecording(str(tmp_path / "ours.aedat4")).getNextFrame()
    assert frame.timestamp == 1_000 and frame.exposure == timedelta(microseconds=4_000)


def test_colour_frames_become_grey_with_bgr_weights(tmp_path: Path) -> None:
    path = tmp_path / "colour.aedat4"
    writer = dv.io.MonoCameraWriter(str(path), dv.io.MonoCameraWriter.DAVISConfig("x", (3, 2)))
    image = np.zeros((2, 3, 3), np.uint8)
    image[0] = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]  # pure blue, green, red (BGR order)
    image[1] = (10, 20, 30)
    writer.writeFrame(dv.Frame(5, 10, 0, 0, image, dv.FrameSource.SENSOR))
    del writer
    (frame,) = read(path).frames
    # 0.114 B + 0.587 G + 0.299 R, rounded: 29, 150, 76; 1.14 + 11.74 + 8.97 = 21.85 -> 22
    np.testing.assert_array_equal(frame.image, [[29, 150, 76], [22, 22, 22]])


def test_streaming_writer_with_deblurred_stream(tmp_path: Path) -> None:
    events = random_events(2_000)
    frames = random_frames([100_000, 600_000])
    deblurred = tuple(Frame(image=f.as_float() * 0.5, timestamp=f.timestamp,
                            exposure_start=f.exposure_start, exposure_end=f.exposure_end)
                      for f in frames)
    path = tmp_path / "live.aedat4"
    with Aedat4Writer(path, RES, extra_frame_streams=("deblurred",)) as writer:
        assert writer.frame_streams == ("frames", "deblurred")
        writer.write_events(events[:700])
        writer.write_frame(frames[0])
        writer.write_frame(deblurred[0], stream="deblurred")
        writer.write_events(events[700:])
        writer.write_frame(frames[1])
        writer.write_frame(deblurred[1], stream="deblurred")
    np.testing.assert_array_equal(read(path).events, events)
    assert_frames_equal(read(path).frames, frames)
    got = read(path, frame_stream="deblurred").frames
    for frame, want in zip(got, deblurred, strict=True):
        np.testing.assert_array_equal(frame.image, want.as_uint8())
    with pytest.raises(InputError, match="no frame stream 'nope'"):
        read(path, frame_stream="nope")


def test_events_only_file(tmp_path: Path) -> None:
    events = random_events(100)
    with Aedat4Writer(tmp_path / "ev.aedat4", RES, with_frames=False) as writer:
        writer.write_events(events)
        with pytest.raises(ValueError, match="no frame stream"):
            writer.write_frame(random_frames([5])[0])
    recording = read(tmp_path / "ev.aedat4")
    assert recording.frames == () and recording.resolution == RES
    np.testing.assert_array_equal(recording.events, events)


def test_writer_rejects_bad_data(tmp_path: Path) -> None:
    events = random_events(100)
    with Aedat4Writer(tmp_path / "w.aedat4", RES) as writer:
        writer.write_events(events[50:])
        with pytest.raises(InputError, match="out of order"):
            writer.write_events(events[:50])
        with pytest.raises(InputError, match="backwards"):
            writer.write_events(events[::-1])
        with pytest.raises(InputError, match="off the"):
            writer.write_events(make_events(np.array([2_000_000]), np.array([24]),
                                            np.array([0]), np.array([1])))
        with pytest.raises(InputError, match="dtype"):
            writer.write_events(np.zeros(3, np.int64))
        bad = Frame(np.zeros((18, 25), np.uint8), 0, 0, 0)
        with pytest.raises(InputError, match="shape"):
            writer.write_frame(bad)
        writer.write_frame(random_frames([500])[0])
        with pytest.raises(InputError, match="out of order"):
            writer.write_frame(random_frames([100])[0])
    with pytest.raises(ValueError, match="closed"):
        writer.write_events(events)
    with pytest.raises(InputError, match="cannot create"):
        Aedat4Writer(tmp_path / "missing_dir" / "x.aedat4", RES)


@pytest.mark.skipif(not REAL_FILE.exists(), reason="shared real sample not present")
def test_real_dvxplorer_file() -> None:
    recording = read(REAL_FILE)
    assert len(recording.events) == 111_954
    assert recording.resolution == (240, 320)
    assert recording.frames == ()
    assert np.all(np.diff(recording.events["t"]) >= 0)
    assert set(np.unique(recording.events["p"])) == {-1, 1}
    duration = recording.events["t"][-1] - recording.events["t"][0]
    assert 0.55e6 < duration < 0.62e6


def write_sample(path: Path) -> tuple[np.ndarray, tuple[Frame, ...]]:
    # Many small writes so the file holds many packets and a cut leaves some whole.
    events = random_events(20_000, t_max=2_000_000)
    frames = random_frames(list(range(0, 2_000_000, 100_000)))
    write_aedat4(path, events, frames, RES)
    return events, frames


def test_truncated_file_yields_packets_before_cut(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    events, frames = write_sample(tmp_path / "full.aedat4")
    data = (tmp_path / "full.aedat4").read_bytes()
    cut = tmp_path / "cut.aedat4"
    cut.write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING):
        recording = read(cut)
    assert "truncated" in caplog.text
    n = len(recording.events)
    assert 0 < n < len(events)
    np.testing.assert_array_equal(recording.events, events[:n])  # an exact prefix
    assert 0 < len(recording.frames) < len(frames)
    assert_frames_equal(recording.frames, frames[: len(recording.frames)])
    with pytest.raises(InputError, match="truncated") as caught:
        read(cut, strict=True)
    assert caught.value.source == str(cut)


def test_file_without_packet_index_reads_whole(tmp_path: Path) -> None:
    # What a writer that never closed leaves: header says "no index", so dv scans packets.
    events, frames = write_sample(tmp_path / "full.aedat4")
    assert copy_without_data_table(tmp_path / "full.aedat4", tmp_path / "noindex.aedat4")
    recording = read(tmp_path / "noindex.aedat4", strict=True)
    np.testing.assert_array_equal(recording.events, events)
    assert_frames_equal(recording.frames, frames)


def test_data_table_offset_points_at_the_index_position(tmp_path: Path) -> None:
    write_sample(tmp_path / "full.aedat4")
    data = (tmp_path / "full.aedat4").read_bytes()
    offset = data_table_offset(data)
    assert offset is not None
    position = int(np.frombuffer(data, "<i8", count=1, offset=offset)[0])
    assert 0 < position < len(data)  # the index sits near the end of a closed file
    assert data_table_offset(b"#!AER-DAT4.0\r\n") is None
    assert data_table_offset(np.random.default_rng(0).bytes(100)) is None
    (tmp_path / "junk.aedat4").write_bytes(b"junk")
    assert not copy_without_data_table(tmp_path / "junk.aedat4", tmp_path / "x.aedat4")
    assert not (tmp_path / "x.aedat4").exists()


@pytest.mark.parametrize("case", ["empty", "random", "header_cut", "text", "missing"])
def test_bad_files_raise_input_error_naming_file(tmp_path: Path, case: str) -> None:
    path = tmp_path / f"{case}.aedat4"
    if case == "empty":
        path.write_bytes(b"")
    elif case == "random":
        path.write_bytes(np.random.default_rng(0).bytes(5_000))
    elif case == "header_cut":
        write_sample(tmp_path / "full.aedat4")
        path.write_bytes((tmp_path / "full.aedat4").read_bytes()[:40])
    elif case == "text":
        path.write_text("#!AER-DAT4.0\r\nnot really\n")
    problem = {"empty": "empty file", "random": "not an AEDAT4 file", "missing": "no such file",
               "header_cut": "inside its header", "text": "inside its header"}[case]
    with pytest.raises(InputError, match=problem) as caught:
        read(path)
    assert caught.value.source == str(path)


# --- decoding in a watched child process (the default) ---------------------------------


def test_isolated_read_matches_in_process_read(tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    events, frames = write_sample(tmp_path / "full.aedat4")
    recording = read_aedat4(tmp_path / "full.aedat4")
    np.testing.assert_array_equal(recording.events, events)
    assert_frames_equal(recording.frames, frames)
    # A truncated file's warning is decided in the child but logged here.
    data = (tmp_path / "full.aedat4").read_bytes()
    (tmp_path / "cut.aedat4").write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING):
        assert 0 < len(read_aedat4(tmp_path / "cut.aedat4").events) < len(events)
    assert "truncated" in caplog.text
    with pytest.raises(InputError, match="truncated") as caught:
        read_aedat4(tmp_path / "cut.aedat4", strict=True)
    assert caught.value.source == str(tmp_path / "cut.aedat4")


def test_corrupt_packet_that_hangs_dv_raises_instead(tmp_path: Path) -> None:
    # These 8 random bytes inside the first event packet make dv-processing 2.0.4 loop
    # forever in LZ4 decompression; the watchdog must turn that into InputError.
    write_sample(tmp_path / "full.aedat4")
    data = bytearray((tmp_path / "full.aedat4").read_bytes())
    first_packet = len(b"#!AER-DAT4.0\r\n") + 4 + struct.unpack_from("<i", data, 14)[0]
    rng = np.random.default_rng(1)
    offset = first_packet + 8 + 64 + int(rng.integers(0, 2000))
    data[offset:offset + 8] = rng.bytes(8)
    path = tmp_path / "corrupt.aedat4"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="stalled") as caught:
        read_aedat4(path, stall_timeout_s=1.0)
    assert caught.value.source == str(path)


def _exit_abruptly(code: int, progress: Progress) -> None:
    progress()
    os._exit(code)


def test_decoder_crash_is_reported_as_input_error() -> None:
    with pytest.raises(InputError, match=r"died without an answer \(exit code 3\)"):
        call_isolated(_exit_abruptly, (3,), "crash.aedat4", stall_timeout_s=30.0)


@pytest.mark.skipif(not REAL_FILE.exists(), reason="shared real sample not present")
def test_real_file_isolated() -> None:
    recording = read_aedat4(REAL_FILE)
    assert len(recording.events) == 111_954 and recording.resolution == (240, 320)
