"""SessionRecorder: round trips, full and slow disks stop with a message, a kill loses <= 1 s."""

from __future__ import annotations

import errno
import functools
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import dv_processing as dv
import imageio_ffmpeg
import numpy as np
import pytest

from stra_live.events import Frame, make_events
from stra_live.io.aedat4 import Aedat4Writer, read_aedat4
from stra_live.io.aedat4_writer import APS_STREAM
from stra_live.recording import (
    DEBLURRED_STREAM,
    RecorderConfig,
    SessionRecorder,
    side_by_side,
)
from stra_live.recording.priority import RECORDING_NICE_INCREMENT
from stra_live.recording.video import to_grey_uint8
from stra_live.sources.base import Packet

pytestmark = pytest.mark.timeout(60)

RES = (17, 23)  # odd on purpose: the MP4 must be padded to even sizes
STARTED = datetime(2026, 11, 25, 17, 3, 12)


def make_packets(n: int, seed: int = 0, per_packet: int = 50, res: tuple[int, int] = RES,
                 noisy_frames: bool = False) -> list[Packet]:
    """n packets of 10 ms, each with events and one frame exposed inside it."""
    rng = np.random.default_rng(seed)
    packets = []
    for k in range(n):
        t = np.sort(rng.integers(k * 10_000, (k + 1) * 10_000, per_packet))
        events = make_events(t, rng.integers(0, res[1], per_packet),
                             rng.integers(0, res[0], per_packet),
                             np.where(rng.random(per_packet) < 0.5, 1, -1))
        image = (rng.integers(0, 256, res, dtype=np.uint8) if noisy_frames
                 else np.full(res, (10 * k) % 256, dtype=np.uint8))
        start = k * 10_000 + 1_000
        frame = Frame(image, start, start, start + 4_999)
        packets.append(Packet(events=events, frames=(frame,), watermark=(k + 1) * 10_000))
    return packets


def all_events(packets: list[Packet]) -> np.ndarray:
    return np.concatenate([p.events for p in packets])


def test_records_packets_and_results_that_read_back_intact(tmp_path: Path) -> None:
    packets = make_packets(5)
    recorder = SessionRecorder(tmp_path / "rec", RES, record_mp4=True, started=STARTED,
                               config=RecorderConfig(fps=10))
    for packet in packets:
        recorder.write_packet(packet)
    blurry = np.full(RES, 0.25, np.float32)
    deblurred = np.full(RES, 0.75, np.float32)
    for k in range(4):
        recorder.write_result(packets[k].frames[0].timestamp, deblurred, blurry)
    summary = recorder.stop()

    assert summary.error is None
    aedat4, mp4 = summary.paths
    assert aedat4.name == "stra_2026-11-25_17-03-12.aedat4"
    assert mp4.name == "stra_2026-11-25_17-03-12_side_by_side.mp4"
    assert (summary.events_written, summary.frames_written, summary.deblurred_written,
            summary.video_frames_written) == (250, 5, 4, 4)

    raw = read_aedat4(aedat4)
    assert raw.resolution == RES
    np.testing.assert_array_equal(raw.events, all_events(packets))
    assert [f.exposure_start for f in raw.frames] == [p.frames[0].exposure_start for p in packets]
    np.testing.assert_array_equal(raw.frames[3].image, packets[3].frames[0].image)
    outputs = read_aedat4(aedat4, frame_stream=DEBLURRED_STREAM).frames
    assert [f.timestamp for f in outputs] == [p.frames[0].timestamp for p in packets[:4]]
    assert all(int(f.image[0, 0]) == 191 for f in outputs)  # 0.75 * 255, rounded

    assert imageio_ffmpeg.count_frames_and_secs(str(mp4))[0] == 4
    reader = imageio_ffmpeg.read_frames(str(mp4), pix_fmt="gray", bpp=1)
    meta = next(reader)
    assert tuple(meta["size"]) == (46, 18)  # (2 * 23, 17 + 1)
    first = np.frombuffer(next(reader), np.uint8).reshape(18, 46)
    reader.close()
    assert abs(float(first[:17, :23].mean()) - 64) < 6  # blurry on the left
    assert abs(float(first[:17, 23:].mean()) - 191) < 6  # deblurred on the right


def test_side_by_side_pads_to_even_sizes_and_converts_floats() -> None:
    blurry = np.zeros(RES, np.float32)
    blurry[0, 0] = 1.0
    picture = side_by_side(blurry, np.full(RES, 2.0, np.float32), RES)
    assert picture.shape == (18, 46) and picture.dtype == np.uint8
    assert picture[0, 0] == 255 and picture[0, 1] == 0
    assert np.all(picture[:17, 23:] == 255)  # clipped to [0, 1]
    assert np.all(picture[17] == 0)  # the padding row
    assert np.all(side_by_side(None, np.zeros(RES, np.uint8), RES)[:17, :23] == 0)


def test_a_network_output_that_is_not_finite_still_draws() -> None:
    # A diverged output (NaN, inf) must become black / white pixels, not garbage bytes.
    odd = np.array([[np.nan, -np.inf, np.inf, 0.5, -0.2, 1.7]], np.float32)
    assert to_grey_uint8(odd, (1, 6)).tolist() == [[0, 0, 255, 128, 0, 255]]


def test_names_never_overwrite_an_earlier_session(tmp_path: Path) -> None:
    first = SessionRecorder(tmp_path, RES, record_mp4=False, started=STARTED).stop()
    second = SessionRecorder(tmp_path, RES, record_mp4=False, started=STARTED).stop()
    assert first.paths[0].name == "stra_2026-11-25_17-03-12.aedat4"
    assert second.paths[0].name == "stra_2026-11-25_17-03-12_2.aedat4"
    assert re.fullmatch(r"stra_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.aedat4",
                        SessionRecorder(tmp_path, RES, False).stop().paths[0].name)


class FullDisk:
    """An ``os.write`` whose disk fills up after ``room`` bytes (ENOSPC, as a real full disk)."""

    def __init__(self, room: int) -> None:
        self.room = room

    def __call__(self, fd: int, data: bytes | memoryview) -> int:
        if len(data) > self.room:
            if self.room:
                written = os.write(fd, bytes(data[:self.room]))  # a partial write, then full
                self.room -= written
                return written
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(data)
        return os.write(fd, data)


def test_a_full_disk_stops_the_recording_keeping_what_was_written(tmp_path: Path) -> None:
    packets = make_packets(60, per_packet=400)
    errors: list[str] = []
    full = FullDisk(room=60_000)
    recorder = SessionRecorder(
        tmp_path, RES, record_mp4=False, on_error=errors.append,
        config=RecorderConfig(flush_interval_s=0.001, compression="none"),
        open_aedat4=functools.partial(Aedat4Writer, write=full))
    for packet in packets:
        recorder.write_packet(packet)  # never raises, also after the failure
        recorder.wait_until_written(10)
        time.sleep(0.002)  # past the flush interval: one event packet per input packet
    recorder.write_result(0, np.zeros(RES, np.float32))
    summary = recorder.stop()
    assert summary.error is not None and "disk full" in summary.error
    assert "No space left on device" in summary.error
    assert errors == [summary.error]
    raw = read_aedat4(summary.paths[0])
    dv_events, dv_frames = dv_counts(summary.paths[0])  # dv-processing opens it too
    assert len(raw.events) == len(dv_events) == summary.events_written
    assert len(raw.frames) == len(dv_frames) == summary.frames_written
    assert 0 < len(raw.events) < 60 * 400
    np.testing.assert_array_equal(raw.events, all_events(packets)[:len(raw.events)])


class SlowFrames(Aedat4Writer):
    """A writer whose frames take 3 ms each and that counts its event packets."""

    event_packets = 0

    def write_event_batch(self, parts) -> None:  # type: ignore[no-untyped-def]
        SlowFrames.event_packets += 1
        super().write_event_batch(parts)

    def write_frame(self, frame, stream=APS_STREAM) -> None:  # type: ignore[no-untyped-def]
        time.sleep(0.003)
        super().write_frame(frame, stream)


def test_events_are_flushed_on_time_while_the_queue_is_never_empty(tmp_path: Path) -> None:
    # Everything is queued at once and each frame outlasts the flush interval, so the
    # writer always finds another packet waiting: the events must still go out every
    # interval, not only once the queue runs dry (what a kill -9 would lose).
    SlowFrames.event_packets = 0
    packets = make_packets(30, per_packet=100)
    recorder = SessionRecorder(tmp_path, RES, record_mp4=False,
                               config=RecorderConfig(flush_interval_s=0.001),
                               open_aedat4=SlowFrames)
    for packet in packets:
        recorder.write_packet(packet)
    summary = recorder.stop()
    assert summary.error is None and summary.events_written == 30 * 100
    assert SlowFrames.event_packets >= 20


def dv_counts(path: Path) -> tuple[list[int], list[int]]:
    """Event timestamps and frame timestamps of ``path`` as dv-processing reads them."""
    reader = dv.io.MonoCameraRecording(str(path))
    events: list[int] = []
    while (batch := reader.getNextEventBatch()) is not None:
        events.extend(batch.timestamps().tolist())
    frames = []
    while reader.isFrameStreamAvailable() and (frame := reader.getNextFrame()) is not None:
        frames.append(frame.timestamp)
    return events, frames


def test_stops_before_the_disk_is_full(tmp_path: Path) -> None:
    calls = []

    def free_bytes(folder: Path) -> int:
        calls.append(folder)
        return 10 << 30 if len(calls) <= 5 else 10 << 20  # 10 GiB, then 10 MiB

    packets = make_packets(5)
    recorder = SessionRecorder(tmp_path, RES, record_mp4=False, free_bytes=free_bytes)
    for packet in packets:
        recorder.write_packet(packet)
    summary = recorder.stop()
    assert summary.error is not None and "disk full: 10 MiB left" in summary.error
    raw = read_aedat4(summary.paths[0])  # what went through before the check is all there
    assert len(raw.frames) == summary.frames_written >= 1
    assert len(raw.events) == summary.events_written
    with pytest.raises(OSError, match="disk full"):
        SessionRecorder(tmp_path, RES, record_mp4=False, free_bytes=lambda folder: 1 << 20)


def test_a_slow_disk_stops_with_a_message_and_no_holes(tmp_path: Path) -> None:
    release = threading.Event()

    def slow_write(fd: int, data: bytes | memoryview) -> int:
        release.wait(10)  # the disk hangs until the test lets it go
        return os.write(fd, data)

    packets = make_packets(40, per_packet=200)  # 2.6 kB of events + 391 B frame each
    config = RecorderConfig(max_queue_mb=20_000 / 2**20, flush_interval_s=0.01)
    recorder = SessionRecorder(tmp_path, RES, record_mp4=False, config=config,
                               open_aedat4=functools.partial(Aedat4Writer, write=slow_write))
    for packet in packets:
        recorder.write_packet(packet)
    recorder.request_stop()  # the record button: returns at once, even with the disk stuck
    assert not recorder.finished  # it did not wait: the disk is still stuck
    assert recorder.error is not None and "the disk is too slow" in recorder.error
    release.set()
    summary = recorder.stop(20)
    assert summary.finished
    raw = read_aedat4(summary.paths[0])
    accepted = summary.frames_written
    assert 1 < accepted < len(packets)
    assert len(raw.frames) == accepted
    np.testing.assert_array_equal(raw.events, all_events(packets[:accepted]))


def test_writes_from_worker_threads_while_another_thread_stops(tmp_path: Path) -> None:
    packets = make_packets(30, per_packet=20)
    recorder = SessionRecorder(tmp_path, RES, record_mp4=False)
    image = np.zeros(RES, np.float32)

    def feed_packets() -> None:
        for packet in packets:
            recorder.write_packet(packet)

    def feed_results() -> None:
        for k in range(30):
            recorder.write_result(k * 10_000, image, image)

    workers = [threading.Thread(target=feed_packets), threading.Thread(target=feed_results)]
    for worker in workers:
        worker.start()
    time.sleep(0.005)
    summary = recorder.stop()  # while the workers may still be writing
    for worker in workers:
        worker.join(10)
    assert summary.error is None
    raw = read_aedat4(summary.paths[0])
    assert len(raw.events) == summary.events_written and len(raw.frames) == summary.frames_written
    np.testing.assert_array_equal(raw.events, all_events(packets)[:len(raw.events)])
    deblurred = read_aedat4(summary.paths[0], frame_stream=DEBLURRED_STREAM).frames
    assert len(deblurred) == summary.deblurred_written
    assert recorder.stop() == summary  # twice is fine


def test_out_of_order_results_are_skipped_and_bad_shapes_refused(tmp_path: Path) -> None:
    recorder = SessionRecorder(tmp_path, RES, record_mp4=False)
    image = np.zeros(RES, np.float32)
    recorder.write_result(20_000, image)
    recorder.write_result(10_000, image)
    recorder.write_result(30_000, image)
    with pytest.raises(ValueError, match="deblurred has shape"):
        recorder.write_result(40_000, np.zeros((4, 4), np.float32))
    summary = recorder.stop()
    assert (summary.deblurred_written, summary.results_skipped) == (2, 1)


def record_until_killed(folder: str) -> None:
    """Subprocess: record 10 ms packets paced like a camera, printing each watermark queued."""
    recorder = SessionRecorder(folder, (180, 240), record_mp4=True, started=STARTED)
    began = time.monotonic()
    for k, packet in enumerate(make_packets(600, res=(180, 240), per_packet=500)):
        time.sleep(max(began + k * 0.01 - time.monotonic(), 0.0))
        recorder.write_packet(packet)
        frame = packet.frames[0]
        recorder.write_result(frame.timestamp, frame.as_float(), frame.as_float())
        print(packet.watermark, flush=True)


def test_a_killed_recording_keeps_all_but_the_last_second(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, __file__, "record", str(tmp_path)],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    queued = 0
    while queued < 2_500_000:  # 2.5 s of stream handed to the recorder
        queued = int(process.stdout.readline())
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    path = tmp_path / "stra_2026-11-25_17-03-12.aedat4"
    packets = make_packets(400, res=(180, 240), per_packet=500)

    raw = read_aedat4(path)  # no index (never closed): the reader scans the packets
    assert int(raw.events["t"][-1]) >= queued - 1_000_000  # at most the last second is lost
    np.testing.assert_array_equal(raw.events, all_events(packets)[:len(raw.events)])
    assert len(raw.frames) >= (queued - 1_000_000) // 10_000
    for mine, sent in zip(raw.frames, packets, strict=False):
        np.testing.assert_array_equal(mine.image, sent.frames[0].image)
    deblurred = read_aedat4(path, frame_stream=DEBLURRED_STREAM).frames
    assert len(deblurred) >= (queued - 1_000_000) // 10_000
    dv_events, dv_frames = dv_counts(path)  # dv-processing itself reads the same
    assert len(dv_events) == len(raw.events) and len(dv_frames) == len(raw.frames)
    # ffmpeg outlives the killed recorder, sees the end of its input and finishes the MP4
    mp4 = tmp_path / "stra_2026-11-25_17-03-12_side_by_side.mp4"
    deadline = time.monotonic() + 20
    while imageio_ffmpeg.count_frames_and_secs(str(mp4))[0] < len(deblurred) // 2 and \
            time.monotonic() < deadline:
        time.sleep(0.2)
    assert imageio_ffmpeg.count_frames_and_secs(str(mp4))[0] >= len(deblurred) // 2


if __name__ == "__main__" and sys.argv[1:2] == ["record"]:
    record_until_killed(sys.argv[2])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_recording_threads_yield_to_capture_and_inference(tmp_path: Path) -> None:
    recorder = SessionRecorder(tmp_path, RES, record_mp4=True, started=STARTED)
    try:
        mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        threads = {t.name: t for t in threading.enumerate()}
        for name in ("stra-recorder", "stra-recorder-mp4"):
            deadline = time.monotonic() + 5  # the threads lower themselves as they start
            expected = min(mine + RECORDING_NICE_INCREMENT, 19)
            while os.getpriority(os.PRIO_PROCESS, threads[name].native_id) != expected:
                assert time.monotonic() < deadline, name
                time.sleep(0.01)
    finally:
        recorder.stop()
