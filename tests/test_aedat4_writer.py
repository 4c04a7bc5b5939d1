"""The NumPy AEDAT4 writer: dv-processing reads its files; raw dv objects round-trip unchanged."""

from __future__ import annotations

import errno
import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dv_processing as dv
import lz4.frame
import numpy as np
import pytest

from stra_live.errors import InputError
from stra_live.events import Frame, make_events
from stra_live.io.aedat4 import Aedat4Writer, read_aedat4
from stra_live.io.aedat4_packets import compress
from stra_live.recording import DEBLURRED_STREAM, RecordConfig, SessionRecorder
from stra_live.sources.aedat4 import Aedat4Source
from tests.shared_data import DAVIS346_SAMPLE

RES = (30, 40)


def random_events(n: int, t0: int, t1: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return make_events(np.sort(rng.integers(t0, t1, n)), rng.integers(0, RES[1], n),
                       rng.integers(0, RES[0], n), rng.choice([-1, 1], n))


@pytest.mark.parametrize("compression", ["lz4", "none"])
def test_dv_reads_every_event_and_frame_with_the_index(tmp_path: Path, compression: str) -> None:
    events = random_events(5_000, 0, 100_000)
    image = np.arange(RES[0] * RES[1], dtype=np.uint8).reshape(RES)
    path = tmp_path / "a.aedat4"
    with Aedat4Writer(path, RES, extra_frame_streams=("deblurred",),
                      compression=compression) as writer:
        writer.write_event_batch([events[:2_000], events[2_000:2_500]])
        writer.write_frame(Frame(image, 10_000, 10_000, 14_999))
        writer.write_frame(Frame(image.astype(np.float32) / 255, 12_000, 12_000, 12_000),
                           "deblurred")
        writer.write_events(events[2_500:])
    reader = dv.io.MonoCameraRecording(str(path))
    assert reader.getTimeRange() == (int(events["t"][0]), int(events["t"][-1]))  # the index
    stamps = []
    while (batch := reader.getNextEventBatch()) is not None:
        stamps.extend(batch.timestamps().tolist())
    assert stamps == events["t"].tolist()
    frame = reader.getNextFrame("frames")
    assert (frame.timestamp, frame.exposure.microseconds) == (10_000, 5_000)
    assert frame.source == dv.FrameSource.SENSOR
    np.testing.assert_array_equal(frame.image.squeeze(), image)
    assert reader.getNextFrame("deblurred").source == dv.FrameSource.RECONSTRUCTION
    mine = read_aedat4(path, isolate=False)
    np.testing.assert_array_equal(mine.events, events)
    assert mine.frames[0].exposure_end == 14_999


def test_lz4_blocks_form_one_standard_frame() -> None:
    data = os.urandom(3 << 20) + bytes(2 << 20) + b"tail"  # incompressible and compressible blocks
    with ThreadPoolExecutor(2) as pool:
        assert lz4.frame.decompress(compress(data, "lz4", pool)) == data
    assert lz4.frame.decompress(compress(b"", "lz4")) == b""


def test_out_of_order_and_off_sensor_events_are_refused(tmp_path: Path) -> None:
    with Aedat4Writer(tmp_path / "a.aedat4", RES) as writer:
        writer.write_events(random_events(10, 1_000, 2_000))
        with pytest.raises(InputError, match="out of order"):
            writer.write_events(random_events(10, 0, 500))
        bad = random_events(3, 3_000, 4_000)
        bad["x"][1] = RES[1]
        with pytest.raises(InputError, match="off the"):
            writer.write_events(bad)


def test_a_full_disk_leaves_whole_packets_only(tmp_path: Path) -> None:
    room = {"left": 20_000}

    def write(fd: int, data: bytes | memoryview) -> int:
        if room["left"] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = os.write(fd, bytes(data[:room["left"]]))
        room["left"] -= written
        return written

    path = tmp_path / "a.aedat4"
    writer = Aedat4Writer(path, RES, compression="none", write=write)
    events = random_events(3_000, 0, 30_000)
    with pytest.raises(OSError, match="No space"):
        for start in range(0, 3_000, 300):
            writer.write_events(events[start:start + 300])
    assert path.stat().st_size == writer.bytes_written < 20_000  # cut back to a packet boundary
    back = read_aedat4(path, isolate=False)
    assert 0 < len(back.events) < 3_000 and len(back.events) % 300 == 0
    np.testing.assert_array_equal(back.events, events[:len(back.events)])


def test_a_file_playback_is_rerecorded_exactly(tmp_path: Path) -> None:
    source = Aedat4Source(DAVIS346_SAMPLE)
    packets = list(source.packets())
    assert all(p.raw is not None for p in packets)
    written: list[object] = []

    class Spy(Aedat4Writer):
        def write_dv_frame(self, frame: object, stream: str = "frames") -> None:
            written.append(frame)
            super().write_dv_frame(frame, stream)

    recorder = SessionRecorder(tmp_path, source.resolution, record_mp4=False,
                               config=RecordConfig(folder=tmp_path),
                               open_aedat4=functools.partial(Spy))
    for packet in packets:
        recorder.write_packet(packet)
    for frame in source.recording.frames:
        recorder.write_result(frame.timestamp, frame.as_float())
    summary = recorder.stop()
    assert len(written) == 59  # the APS frames went out as the file's own dv.Frames
    original, copy = read_aedat4(DAVIS346_SAMPLE), read_aedat4(summary.paths[0])
    np.testing.assert_array_equal(copy.events, original.events)  # every event
    assert len(copy.frames) == len(original.frames) == summary.frames_written == 59
    for mine, theirs in zip(copy.frames, original.frames, strict=True):
        assert (mine.exposure_start, mine.exposure_end) == \
            (theirs.exposure_start, theirs.exposure_end)
        np.testing.assert_array_equal(mine.image, theirs.image)
    deblurred = read_aedat4(summary.paths[0], frame_stream=DEBLURRED_STREAM).frames
    assert len(deblurred) == 59


def test_compression_threads_run_the_setup_first(tmp_path: Path) -> None:
    set_up: list[str] = []

    def setup() -> None:
        set_up.append(threading.current_thread().name)

    events = random_events(400_000, 0, 1_000_000)  # several 1 MiB LZ4 blocks
    with Aedat4Writer(tmp_path / "a.aedat4", RES, compress_threads=2,
                      thread_setup=setup) as writer:
        writer.write_events(events)
    assert set_up and all(name.startswith("stra-lz4") for name in set_up)
    np.testing.assert_array_equal(read_aedat4(tmp_path / "a.aedat4", isolate=False).events,
                                  events)
