"""NetworkSource against a real dv.io.NetworkWriter server on localhost.

The server runs in a subprocess (this file, run as a script): destroying a
NetworkWriter while a client is connected blocks in dv, and killing the
process is the realistic way for a server to go away. It replays an AEDAT4
file written by the test: events on one port, frames on another (a DV
server carries one stream per port).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from stra_live.errors import InputError, SourceDisconnectedError
from stra_live.events import Frame, make_events
from stra_live.io.aedat4 import write_aedat4
from stra_live.sources.base import Source
from stra_live.sources.live import LiveInputConfig
from stra_live.sources.network import NetworkSource, parse_tcp_spec

pytestmark = pytest.mark.timeout(60)

RES = (180, 240)


def serve(path: str, events_port: int, frames_port: int) -> None:
    """Replay ``path`` on two ports once told "go" on stdin; exit on "exit" or when killed."""
    import dv_processing as dv

    recording = dv.io.MonoCameraRecording(path)
    size = recording.getEventResolution()
    writers = {
        "events": dv.io.NetworkWriter("127.0.0.1", events_port,
                                      dv.io.Stream.EventStream(0, "events", "TestCam", size)),
        "frames": dv.io.NetworkWriter("127.0.0.1", frames_port,
                                      dv.io.Stream.FrameStream(0, "frames", "TestCam", size)),
    }
    items = []
    while (batch := recording.getNextEventBatch()) is not None:
        items.append((batch.getLowestTime(), "events", batch))
    while (frame := recording.getNextFrame()) is not None:
        items.append((frame.timestamp + int(frame.exposure.total_seconds() * 1e6), "frames",
                      frame))
    items.sort(key=lambda item: item[0])
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        os._exit(1)
    for _, kind, item in items:
        if kind == "events":
            writers[kind].writeEvents(item)
        else:
            writers[kind].writeFrame(item)
        time.sleep(0.002)
    while any(w.getQueuedPacketCount() for w in writers.values()):
        time.sleep(0.01)
    print("sent", flush=True)
    sys.stdin.readline()
    os._exit(0)  # leaving normally would destroy the writers with clients connected (blocks)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def recording(tmp_path: Path) -> tuple[Path, np.ndarray, list[Frame]]:
    rng = np.random.default_rng(0)
    n = 3000
    t = np.sort(rng.integers(1_000_000, 1_100_000, n))
    events = make_events(t, rng.integers(0, RES[1], n), rng.integers(0, RES[0], n),
                         np.where(rng.random(n) < 0.5, 1, -1))
    frames = []
    for k in range(4):
        start = 1_005_000 + 25_000 * k
        frames.append(Frame(rng.integers(0, 256, RES, dtype=np.uint8), start, start,
                            start + 8_000 - 1))
    path = tmp_path / "served.aedat4"
    write_aedat4(path, events, frames, RES)
    return path, events, frames


def start_server(path: Path, ports: tuple[int, int]) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, __file__, "serve", str(path), *map(str, ports)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return process


@pytest.fixture
def server(recording: tuple[Path, np.ndarray, list[Frame]]):
    ports = (free_port(), free_port())
    process = start_server(recording[0], ports)
    yield process, ports
    if process.poll() is None:
        process.kill()
    process.wait(10)


def test_plays_a_served_recording_intact_and_reports_the_server_going_away(
        server, recording) -> None:
    process, (events_port, frames_port) = server
    _, events, frames = recording
    # frames come on their own connection and may trail events by a few ms of send pacing
    source = NetworkSource("localhost", frames_port, events_port, timeout_s=2.0)
    assert isinstance(source, Source)
    assert source.resolution == RES and source.has_frames
    process.stdin.write("go\n")
    process.stdin.flush()

    packets, killed_at, error = [], None, None
    try:
        for packet in source.packets():
            packets.append(packet)
            got_events = sum(len(p.events) for p in packets)
            got_frames = sum(len(p.frames) for p in packets)
            if killed_at is None and got_events == len(events) and got_frames == len(frames):
                process.send_signal(signal.SIGKILL)
                killed_at = time.monotonic()
    except SourceDisconnectedError as caught:
        error = caught
    assert killed_at is not None, "not all data arrived"
    assert isinstance(error, SourceDisconnectedError) and "tcp://localhost" in str(error)
    assert time.monotonic() - killed_at < 2.0  # noticed promptly, no hang

    got = np.concatenate([p.events for p in packets])
    np.testing.assert_array_equal(got, events)
    got_frames = [f for p in packets for f in p.frames]
    for mine, sent in zip(got_frames, frames, strict=True):
        assert (mine.exposure_start, mine.exposure_end) == (sent.exposure_start,
                                                            sent.exposure_end)
        np.testing.assert_array_equal(mine.image, sent.image)
    marks = [p.watermark for p in packets]
    assert marks == sorted(marks) and marks[-1] > events["t"][0]
    assert source.assembler.late_frames == 0
    source.close()


def test_reconnects_to_a_restarted_server(server, recording) -> None:
    process, (events_port, frames_port) = server
    path, events, _ = recording
    statuses = []
    live = LiveInputConfig(reconnect=True, retry_interval_s=0.1, retry_max_s=0.4, heartbeat_s=0.02)
    source = NetworkSource("127.0.0.1", events_port, frames_port, live=live,
                           on_status=statuses.append)
    process.stdin.write("go\n")
    process.stdin.flush()
    replacement = None
    got = []
    try:
        for packet in source.packets():
            got.append(packet.events)
            count = sum(len(e) for e in got)
            if count == len(events) and replacement is None:
                process.kill()
                process.wait(10)
                replacement = start_server(path, (events_port, frames_port))
            reconnected = len(statuses) > 1 and statuses[-1].state == "connected"
            if replacement is not None and reconnected and not replacement.stdin.closed:
                replacement.stdin.write("go\n")
                replacement.stdin.close()
            if count == 2 * len(events):
                source.close()
    finally:
        if replacement is not None:
            replacement.kill()
            replacement.wait(10)
    assert [s.state for s in statuses][:1] == ["disconnected"]
    assert "connected" in [s.state for s in statuses]
    times = np.concatenate(got)["t"]
    assert np.all(np.diff(times) >= 0)  # the replay restarted its clock; it was shifted
    np.testing.assert_array_equal(times[len(events):] - source.assembler.offset_us, events["t"])


def test_close_from_another_thread_while_waiting_for_data(server) -> None:
    _, (events_port, _) = server
    source = NetworkSource("127.0.0.1", events_port)  # events only; the server never says go
    assert not source.has_frames
    worker = threading.Thread(target=lambda: list(source.packets()), daemon=True)
    worker.start()
    time.sleep(0.1)
    source.close()
    worker.join(0.5)
    assert not worker.is_alive()


def test_nobody_listening_is_a_clear_error_not_a_hang() -> None:
    port = free_port()
    started = time.monotonic()
    with pytest.raises(InputError, match=rf"tcp://127.0.0.1:{port}: cannot connect"):
        NetworkSource("127.0.0.1", port, timeout_s=1.0)
    assert time.monotonic() - started < 1.5


def test_a_silent_server_times_out_instead_of_freezing_the_process() -> None:
    with socket.socket() as listener:  # the kernel accepts; nobody ever sends
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(InputError, match=r"no DV stream header within 0\.3 s"):
            NetworkSource("127.0.0.1", port, timeout_s=0.3)
        assert time.monotonic() - started < 1.0


def test_a_server_speaking_something_else_is_rejected() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def answer() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
                time.sleep(0.5)

        threading.Thread(target=answer, daemon=True).start()
        with pytest.raises(InputError, match="does not speak the DV network protocol"):
            NetworkSource("127.0.0.1", port, timeout_s=2.0)


def test_parse_tcp_spec() -> None:
    assert parse_tcp_spec("tcp://localhost:7777") == ("localhost", [7777])
    assert parse_tcp_spec("tcp://10.0.0.2:7777,7778") == ("10.0.0.2", [7777, 7778])
    assert parse_tcp_spec("tcp://[::1]:7777") == ("::1", [7777])
    for bad in ("tcp://host", "tcp://:7777", "tcp://h:0", "tcp://h:1,2,3", "udp://h:1"):
        with pytest.raises(ValueError, match="tcp://HOST:PORT"):
            parse_tcp_spec(bad)


def test_retry_waits_back_off_exponentially_up_to_the_cap() -> None:
    live = LiveInputConfig(retry_interval_s=0.5, retry_max_s=4.0)
    assert [live.retry_delay_s(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert LiveInputConfig(retry_interval_s=30.0, retry_max_s=8.0).retry_delay_s(3) == 30.0


def test_the_factory_reconnects_network_streams_by_default() -> None:
    assert LiveInputConfig().reconnect
    from stra_live.engine.config import LiveConfig

    assert LiveConfig().network.reconnect


if __name__ == "__main__" and sys.argv[1:2] == ["serve"]:
    serve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
