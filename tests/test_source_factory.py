"""open_source and default_source: every spec form, and the errors for the others."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from stra_live.errors import InputError
from stra_live.events import Frame, make_events
from stra_live.io.aedat4 import write_aedat4
from stra_live.io.hdf5 import write_hqf
from stra_live.sources.aedat4 import Aedat4Source
from stra_live.sources.camera import CameraNotFoundError, DavisCameraSource, discover_cameras
from stra_live.sources.demo import DemoSource
from stra_live.sources.factory import default_source, open_source
from stra_live.sources.hdf5 import Hdf5Source

pytestmark = pytest.mark.timeout(60)

RES = (18, 24)


def tiny_recording() -> tuple[np.ndarray, list[Frame]]:
    rng = np.random.default_rng(0)
    n = 200
    events = make_events(np.sort(rng.integers(0, 50_000, n)), rng.integers(0, RES[1], n),
                         rng.integers(0, RES[0], n), np.where(rng.random(n) < 0.5, 1, -1))
    frames = [Frame(rng.integers(0, 256, RES, dtype=np.uint8), t, t, t + 4_999)
              for t in (5_000, 25_000)]
    return events, frames


@pytest.mark.parametrize(("name", "kind"), [("rec.aedat4", Aedat4Source), ("rec.h5", Hdf5Source),
                                            ("REC.HDF5", Hdf5Source)])
def test_files_open_with_their_source_and_replay_everything(tmp_path: Path, name: str,
                                                            kind: type) -> None:
    events, frames = tiny_recording()
    path = tmp_path / name
    if kind is Aedat4Source:
        write_aedat4(path, events, frames, RES)
    else:
        write_hqf(path, events, frames, RES)
    source = open_source(str(path), pacing="fast", packet_us=5_000)
    assert isinstance(source, kind)
    assert source.resolution == RES and source.has_frames
    packets = list(source.packets())
    assert sum(len(p.events) for p in packets) == len(events)
    assert sum(len(p.frames) for p in packets) == len(frames)
    assert packets[1].watermark - packets[0].watermark == 5_000  # packet_us was passed on
    source.close()


def test_demo_is_the_cached_simulated_scene() -> None:
    source = open_source("demo")
    assert isinstance(source, DemoSource) and source.loop and source.pacing == "realtime"
    source.close()


def test_missing_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.aedat4"):
        open_source(str(tmp_path / "missing.aedat4"))


@pytest.mark.parametrize("spec", ["", "webcam", "recording.mp4", "udp://host:1", "tcp://host"])
def test_unknown_specs_name_the_spec_and_the_accepted_forms(spec: str) -> None:
    with pytest.raises(ValueError, match=r"tcp://HOST:PORT") as caught:
        open_source(spec)
    if spec.startswith("tcp"):
        assert spec in str(caught.value)
    else:
        assert repr(spec) in str(caught.value) and "camera" in str(caught.value)


def test_tcp_spec_reaches_the_network_source() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    with pytest.raises(InputError, match=rf"tcp://127.0.0.1:{port}: cannot connect"):
        open_source(f"tcp://127.0.0.1:{port}")


def test_camera_without_a_camera_says_so() -> None:
    if discover_cameras():
        pytest.skip("a camera is plugged in")
    with pytest.raises(CameraNotFoundError, match="no DAVIS camera found"):
        open_source("camera")


def test_default_source_falls_back_to_the_demo_with_a_log_line(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="stra_live.sources.factory"):
        source = default_source(discover=lambda: [])
    assert isinstance(source, DemoSource)
    assert "no camera found" in caplog.text
    source.close()


def test_default_source_takes_a_discovered_camera() -> None:
    from tests.test_camera_source import FakeCamera, make_recording

    descriptor = SimpleNamespace(cameraModel="DAVIS240C", serialNumber="02460013")
    events, frames = make_recording()
    source = default_source(discover=lambda: [descriptor],
                            opener=lambda cancel: FakeCamera(events, frames))
    assert isinstance(source, DavisCameraSource) and "camera" in source.name.lower()
    source.close()


def test_default_source_uses_the_demo_when_the_camera_cannot_be_opened(
        caplog: pytest.LogCaptureFixture) -> None:
    descriptor = SimpleNamespace(cameraModel="DAVIS346", serialNumber="1")

    def busy(cancel: object) -> None:
        raise InputError("camera DAVIS346_1", "cannot open it: device busy")

    with caplog.at_level(logging.WARNING):
        source = default_source(discover=lambda: [descriptor], opener=busy)
    assert isinstance(source, DemoSource)
    assert "DAVIS346_1" in caplog.text and "device busy" in caplog.text
    source.close()


def test_auto_spec_falls_back_to_the_demo_scene_without_a_camera() -> None:
    from stra_live.sources.demo import DemoSource

    if discover_cameras():
        pytest.skip("a camera is plugged in")
    source = open_source("auto")
    try:
        assert isinstance(source, DemoSource)
    finally:
        source.close()
