"""Camera exposure and frame interval change on the running camera and stay for reconnections."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from stra_live.sources.camera import CameraConfig, DavisCameraSource
from tests.test_camera_source import FakeCamera, fast_live, make_recording


def test_update_settings_reaches_the_open_camera() -> None:
    events, frames = make_recording()
    camera = FakeCamera(events, frames)
    source = DavisCameraSource(CameraConfig(live=fast_live()), opener=lambda cancel: camera)
    camera.calls.clear()
    config = dataclasses.replace(source.config, exposure_us=4000, frame_interval_us=20_000)
    applied = source.update_settings(config)
    assert "setExposureDuration" in applied and "setFrameInterval" in applied
    assert ("setExposureDuration", timedelta(microseconds=4000)) in camera.calls
    assert ("setFrameInterval", timedelta(microseconds=20_000)) in camera.calls
    assert source.config.exposure_us == 4000  # kept for a reconnection
    with pytest.raises(ValueError, match="frames"):
        source.update_settings(dataclasses.replace(config, frames=False))
    source.close()
    assert source.update_settings(config) == []  # closed: nothing to set
