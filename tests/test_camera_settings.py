"""Camera exposure and frame interval change on the running camera and stay for reconnections."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import dv_processing as dv
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


class BiasCamera(FakeCamera):
    """A fake DAVIS346 with coarse/fine bias getters and setters."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        enum = dv.io.camera.DAVIS.Davis346BiasCF
        self.biases = {enum.On: (5, 100), enum.Off: (4, 100)}

    def getDavis346BiasCoarseFine(self, bias: object) -> tuple[int, int]:  # noqa: N802
        return self.biases[bias]

    def setDavis346BiasCoarseFine(self, bias: object, coarse: int, fine: int) -> None:  # noqa: N802
        self.biases[bias] = (coarse, fine)


def test_bias_presets_scale_the_threshold_biases_from_the_defaults() -> None:
    events, frames = make_recording()
    camera = BiasCamera(events, frames)
    source = DavisCameraSource(CameraConfig(live=fast_live()), opener=lambda cancel: camera)
    enum = dv.io.camera.DAVIS.Davis346BiasCF
    assert source.apply_bias_preset("fewer events (less noise)") == {"On": (5, 150),
                                                                     "Off": (4, 67)}
    assert camera.biases[enum.On] == (5, 150) and camera.biases[enum.Off] == (4, 67)
    source.apply_bias_preset("default")  # back to what the camera had, not compounded
    assert camera.biases[enum.On] == (5, 100) and camera.biases[enum.Off] == (4, 100)
    with pytest.raises(ValueError, match="unknown bias preset"):
        source.apply_bias_preset("max")
    source.close()


def test_event_only_camera_has_no_bias_presets() -> None:
    events, frames = make_recording()
    source = DavisCameraSource(CameraConfig(live=fast_live()),
                               opener=lambda cancel: FakeCamera(events, frames))
    with pytest.raises(ValueError, match="no DAVIS threshold biases"):
        source.apply_bias_preset("default")
    source.close()
