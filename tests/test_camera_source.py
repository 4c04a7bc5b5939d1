"""DavisCameraSource and the live-input machinery, driven by a fake camera that replays a recording.

No camera is plugged in here: the fake implements dv's polling API
(getNextEventBatch / getNextFrame / isRunning ...) and hands out real
``dv.EventStore`` and ``dv.Frame`` objects, each becoming available at a
scripted poll step, then "disappears" (isRunning False, or a read raising).
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import timedelta
from types import SimpleNamespace

import dv_processing as dv
import numpy as np
import pytest

from stra_live.config import from_dict
from stra_live.errors import SourceDisconnectedError
from stra_live.events import EVENT_DTYPE, Frame, make_events
from stra_live.sources.base import Source
from stra_live.sources.camera import (
    CameraConfig,
    CameraNotFoundError,
    DavisCameraSource,
    apply_camera_settings,
    discover_cameras,
    open_dv_camera,
)
from stra_live.sources.live import LiveInputConfig, SourceStatus
from stra_live.sources.live_packets import PacketAssembler

pytestmark = pytest.mark.timeout(30)

RES = (180, 240)
READOUT_US = 2_000


def to_store(events: np.ndarray) -> dv.EventStore:
    store = dv.EventStore()
    for t, x, y, p in zip(events["t"].tolist(), events["x"].tolist(), events["y"].tolist(),
                          (events["p"] > 0).tolist(), strict=True):
        store.push_back(t, x, y, p)
    return store


def to_dv_frame(frame: Frame) -> dv.Frame:
    exposure = frame.exposure_end - frame.exposure_start + 1
    return dv.Frame(frame.exposure_start, exposure, 0, 0, frame.image, dv.FrameSource.SENSOR)


def make_recording(seed: int = 0, t0: int = 0, n_events: int = 1500,
                   n_frames: int = 3) -> tuple[np.ndarray, list[Frame]]:
    """Events over [t0, t0+100 ms) and frames exposed 10 ms every 30 ms."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.integers(t0, t0 + 100_000, n_events))
    events = make_events(t, rng.integers(0, RES[1], n_events), rng.integers(0, RES[0], n_events),
                         np.where(rng.random(n_events) < 0.5, 1, -1))
    frames = []
    for k in range(n_frames):
        start = t0 + 5_000 + 30_000 * k
        image = rng.integers(0, 256, RES, dtype=np.uint8)
        frames.append(Frame(image, start, start, start + 10_000 - 1))
    return events, frames


class FakeCamera:
    """A camera-like object: items become available at scripted poll steps, then it ends.

    Args:
        events: (N,) EVENT_DTYPE, cut into 1 ms batches, batch i available at step i.
        frames: each available at the step of the batch holding its exposure end + readout.
        end: "stop" (isRunning turns False), "raise" (reads raise) or "never".
    """

    def __init__(self, events: np.ndarray, frames: list[Frame], end: str = "stop",
                 name: str = "DAVIS240C_FAKE", resolution: tuple[int, int] = RES,
                 with_setters: bool = True) -> None:
        t0 = int(events["t"][0]) if len(events) else 0
        step_of = (events["t"] - t0) // 1_000
        self._events: deque = deque()
        for step in np.unique(step_of):
            self._events.append((int(step), to_store(events[step_of == step])))
        self._frames: deque = deque(
            (int((f.exposure_end + READOUT_US - t0) // 1_000), to_dv_frame(f)) for f in frames
        )
        self._clock = -1
        self._end = end
        self._name = name
        self._size = (resolution[1], resolution[0])
        self.calls: list[tuple[str, object]] = []
        if with_setters:
            for setter in ("setTimeInterval", "setFramesRunning", "setAutoExposure",
                           "setExposureDuration", "setFrameInterval"):
                setattr(self, setter, lambda value, s=setter: self.calls.append((s, value)))

    def _exhausted(self) -> bool:
        return not self._events and not self._frames

    def _next(self, queue: deque) -> object | None:
        if self._end == "raise" and self._exhausted():
            raise RuntimeError("libusb: LIBUSB_ERROR_NO_DEVICE (device unplugged)")
        if queue and queue[0][0] <= self._clock:
            return queue.popleft()[1]
        return None

    def getNextEventBatch(self) -> object | None:  # noqa: N802
        return self._next(self._events)

    def getNextFrame(self) -> object | None:  # noqa: N802
        return self._next(self._frames)

    def isRunning(self) -> bool:  # noqa: N802
        self._clock += 1
        return not (self._end == "stop" and self._exhausted())

    def isFrameStreamAvailable(self) -> bool:  # noqa: N802
        return True

    def getEventResolution(self) -> tuple[int, int]:  # noqa: N802
        return self._size

    def getCameraName(self) -> str:  # noqa: N802
        return self._name


def fast_live(**overrides: object) -> LiveInputConfig:
    values = {"reconnect": False, "retry_interval_s": 0.01, "poll_interval_s": 0.001,
              "heartbeat_s": 0.02}
    values.update(overrides)
    return LiveInputConfig(**values)  # type: ignore[arg-type]


def collect(source: DavisCameraSource, limit: int = 10_000) -> tuple[list, BaseException | None]:
    packets = []
    try:
        for packet in source.packets():
            packets.append(packet)
            if len(packets) >= limit:
                break
    except SourceDisconnectedError as error:
        return packets, error
    return packets, None


def test_replay_delivers_events_and_frames_intact_then_reports_unplug() -> None:
    events, frames = make_recording()
    statuses: list[SourceStatus] = []
    source = DavisCameraSource(CameraConfig(live=fast_live()),
                               opener=lambda cancel: FakeCamera(events, frames),
                               on_status=statuses.append)
    assert isinstance(source, Source)
    assert source.resolution == RES and source.has_frames
    assert "camera" in source.name and "DAVIS240C_FAKE" in source.name

    packets, error = collect(source)

    assert isinstance(error, SourceDisconnectedError) and "stopped" in str(error)
    assert statuses[-1].state == "disconnected"
    got = np.concatenate([p.events for p in packets])
    assert got.dtype == EVENT_DTYPE
    np.testing.assert_array_equal(got, events)  # t, x, y and signed polarity survive dv
    got_frames = [f for p in packets for f in p.frames]
    assert len(got_frames) == len(frames)
    for mine, sent in zip(got_frames, frames, strict=True):
        assert (mine.timestamp, mine.exposure_start, mine.exposure_end) == (
            sent.timestamp, sent.exposure_start, sent.exposure_end)
        np.testing.assert_array_equal(mine.image, sent.image)
    source.close()


def test_watermark_is_a_promise_and_frames_follow_their_events() -> None:
    events, frames = make_recording(seed=1)
    # frames arrive READOUT_US after their exposure, well within the assumed 20 ms delay
    source = DavisCameraSource(CameraConfig(live=fast_live(max_frame_delay_us=20_000)),
                               opener=lambda cancel: FakeCamera(events, frames))
    packets, _ = collect(source)
    marks = [p.watermark for p in packets]
    assert marks == sorted(marks)
    assert len(set(marks)) > 30  # it moves with the events between frames, not only at frames
    assert marks[-1] == int(events["t"][-1]) - 20_000
    for k, packet in enumerate(packets):
        later_events = [p.events["t"] for p in packets[k + 1:] if len(p.events)]
        if later_events:
            assert int(np.concatenate(later_events).min()) >= packet.watermark
        for later in packets[k + 1:]:
            assert all(f.timestamp >= packet.watermark for f in later.frames)
        if len(packet.events):
            assert np.all(np.diff(packet.events["t"]) >= 0)
    delivered = 0
    for packet in packets:
        delivered += len(packet.events)
        for frame in packet.frames:  # every event of the exposure came before or with it
            exposure_events = np.count_nonzero(events["t"] <= frame.exposure_end)
            assert delivered >= exposure_events
    assert source.assembler.late_frames == 0


def test_packets_keep_the_dv_objects_they_came_from_unless_changed() -> None:
    events, frames = make_recording(seed=4)
    first, second = events[: len(events) // 2], events[len(events) // 2:]
    assembler = PacketAssembler(RES, has_frames=True, max_frame_delay_us=None, source="t")
    batches = [to_store(first), to_store(second)]
    for batch in batches:
        assembler.add_dv_events(batch)
    dv_frame = to_dv_frame(frames[0])
    assembler.add_dv_frame(dv_frame)
    packet = assembler.take()
    assert packet.raw is not None and packet.raw.frames == (dv_frame,)
    raw = packet.raw.events.numpy()
    assert np.array_equal(raw["timestamp"], packet.events["t"])  # both batches, in order
    assert np.array_equal(raw["x"], packet.events["x"])
    assert batches[0].size() == len(first)  # the driver's store was not extended in place
    # A batch with an event off the sensor is changed on the way: only the arrays remain.
    last = int(events["t"][-1])
    mixed = make_events(np.array([last + 5, last + 10]), np.array([1, RES[1] + 5]),
                        np.array([1, 0]), np.array([1, 1]))
    assembler.add_dv_events(to_store(mixed))
    changed = assembler.take()
    assert changed is not None and (changed.raw is None or changed.raw.events is None)


def test_read_error_reports_disconnection_with_the_dv_message() -> None:
    events, frames = make_recording(seed=2)
    statuses: list[SourceStatus] = []
    source = DavisCameraSource(CameraConfig(live=fast_live()),
                               opener=lambda cancel: FakeCamera(events, frames, end="raise"),
                               on_status=statuses.append)
    packets, error = collect(source)
    assert isinstance(error, SourceDisconnectedError)
    assert "LIBUSB_ERROR_NO_DEVICE" in str(error) and source.name in str(error)
    assert [s.state for s in statuses] == ["disconnected"]
    assert sum(len(p.events) for p in packets) == len(events)  # nothing lost before the cut
    source.close()
    assert source.status.state == "closed"


def test_reconnects_through_the_opener_and_keeps_time_increasing() -> None:
    first, first_frames = make_recording(seed=3)
    second, second_frames = make_recording(seed=4)  # the camera's clock restarts at 0
    attempts = deque([
        FakeCamera(first, first_frames),
        CameraNotFoundError("camera", "no DAVIS camera found"),
        RuntimeError("libusb busy"),
        FakeCamera(second, second_frames, end="never"),
    ])

    def opener(cancel: threading.Event) -> FakeCamera:
        item = attempts.popleft()
        if isinstance(item, Exception):
            raise item
        return item

    statuses: list[SourceStatus] = []
    source = DavisCameraSource(CameraConfig(live=fast_live(reconnect=True)), opener=opener,
                               on_status=statuses.append)
    got = []
    for packet in source.packets():
        got.append(packet)
        if sum(len(p.events) for p in got) == len(first) + len(second):
            source.close()
    assert not attempts
    states = [(s.state, s.attempts) for s in statuses]
    assert states == [("disconnected", 0), ("disconnected", 1), ("disconnected", 2),
                      ("connected", 2), ("closed", 0)]
    assert "no DAVIS camera found" in statuses[1].message
    times = np.concatenate([p.events["t"] for p in got])
    assert np.all(np.diff(times) >= 0)
    offset = source.assembler.offset_us
    assert offset > 0
    np.testing.assert_array_equal(times[len(first):], second["t"] + offset)
    frame_times = [f.timestamp for p in got for f in p.frames]
    assert frame_times == [f.timestamp for f in first_frames] + [
        f.timestamp + offset for f in second_frames]


@pytest.mark.parametrize("phase", ["streaming", "retrying"])
def test_close_from_another_thread_stops_the_consumer_quickly(phase: str) -> None:
    events, frames = make_recording(seed=5)
    end = "never" if phase == "streaming" else "stop"
    live = fast_live(reconnect=True, retry_interval_s=30.0, heartbeat_s=0.05)
    calls = []

    def opener(cancel: threading.Event) -> FakeCamera:
        calls.append(1)
        if len(calls) > 1:
            raise CameraNotFoundError("camera", "no DAVIS camera found")
        return FakeCamera(events, frames, end=end)

    source = DavisCameraSource(CameraConfig(live=live), opener=opener)
    seen = threading.Event()
    received = []

    def consume() -> None:
        for packet in source.packets():
            received.append(packet)
            if sum(len(p.events) for p in received) == len(events):
                seen.set()

    worker = threading.Thread(target=consume, daemon=True)
    worker.start()
    assert seen.wait(10)
    if phase == "retrying":
        assert _wait_for(lambda: source.status.state == "disconnected")
    source.close()
    worker.join(0.5)
    assert not worker.is_alive()
    assert source.status.state == "closed"


def _wait_for(condition, timeout: float = 5.0) -> bool:
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return True
        done.wait(0.01)
    return False


def test_exposure_and_frame_interval_are_applied_on_every_opening() -> None:
    events, frames = make_recording(seed=6)
    cameras = [FakeCamera(events, frames), FakeCamera(events[:0], [], end="never")]
    config = CameraConfig(exposure_us=12_000, frame_interval_us=50_000, packet_interval_us=2_000,
                          live=fast_live(reconnect=True))
    queue = deque(cameras)
    source = DavisCameraSource(config, opener=lambda cancel: queue.popleft())
    for _ in source.packets():
        if not queue and source.status.state == "connected":
            source.close()
    us = timedelta(microseconds=1)
    expected = [("setTimeInterval", 2_000 * us), ("setFramesRunning", True),
                ("setAutoExposure", False), ("setExposureDuration", 12_000 * us),
                ("setFrameInterval", 50_000 * us)]
    assert cameras[0].calls == expected and cameras[1].calls == expected


def test_settings_a_camera_lacks_are_skipped() -> None:
    events_only = FakeCamera(make_recording()[0], [], with_setters=False)
    events_only.setTimeInterval = lambda value: None  # a DVXplorer has no APS settings
    applied = apply_camera_settings(events_only, CameraConfig(auto_exposure=True))
    assert applied == ["setTimeInterval"]
    davis = FakeCamera(make_recording()[0], [])
    apply_camera_settings(davis, CameraConfig(frames=False))
    assert ("setFramesRunning", False) in davis.calls
    assert not any(name == "setExposureDuration" for name, _ in davis.calls)


def test_no_camera_found_is_a_clear_error() -> None:
    with pytest.raises(CameraNotFoundError, match="no DAVIS camera found"):
        open_dv_camera(CameraConfig(), discover=lambda: [])
    other = SimpleNamespace(cameraModel="DAVIS346", serialNumber="00000499")
    with pytest.raises(CameraNotFoundError, match=r"serial 123.*DAVIS346_00000499"):
        open_dv_camera(CameraConfig(serial="123"), discover=lambda: [other])
    opened = open_dv_camera(CameraConfig(serial="00000499"), discover=lambda: [other],
                            open_device=lambda descriptor: descriptor)
    assert opened is other


def test_no_camera_plugged_in_here_with_the_real_dv_discovery() -> None:
    if discover_cameras():
        pytest.skip("a camera is plugged in")
    with pytest.raises(CameraNotFoundError, match="no DAVIS camera found"):
        DavisCameraSource(CameraConfig())


def test_camera_config_from_yaml_mapping_and_validation() -> None:
    config = from_dict(CameraConfig, {"exposure_us": 8000, "live": {"reconnect": False}})
    assert config.exposure_us == 8000 and config.live.reconnect is False
    with pytest.raises(ValueError, match="exposure_us"):
        CameraConfig(exposure_us=0)
    with pytest.raises(ValueError, match="retry_interval_s"):
        LiveInputConfig(retry_interval_s=0)
