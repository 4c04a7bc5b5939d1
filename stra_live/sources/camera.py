"""A live DAVIS camera (DAVIS240C, DAVIS346) through dv-processing.

Opening: ``dv.io.camera.discover()`` lists the plugged-in cameras and
``dv.io.camera.open(descriptor)`` opens one; no camera gives
:class:`CameraNotFoundError` ("no DAVIS camera found"). After every (re)opening
the exposure, frame interval and packet interval of :class:`CameraConfig` are
applied with dv's DAVIS setters (``setExposureDuration``, ``setFrameInterval``,
``setAutoExposure``, ``setFramesRunning``, ``setTimeInterval``).

Streaming, disconnection and reconnection are :class:`~stra_live.sources.live.LiveDvSource`'s.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import dv_processing as dv

from stra_live.errors import InputError
from stra_live.sources.live import (
    CameraLike,
    LiveDvSource,
    Opener,
    SourceStatus,
    first_line,
)
from stra_live.sources.live_config import CameraConfig

log = logging.getLogger(__name__)


__all__ = ["CameraConfig", "CameraNotFoundError", "DavisCameraSource", "apply_camera_settings",
           "discover_cameras", "open_dv_camera"]


class CameraNotFoundError(InputError):
    """No camera (or not the requested one) is connected."""


class DavisCameraSource(LiveDvSource):
    """A live DAVIS camera (DAVIS240C, DAVIS346) through dv-processing.

    Args:
        config: which camera, exposure, frame interval, reconnection.
        opener: opens the camera; default :func:`open_dv_camera` (tests inject a fake).
        on_status: see :class:`LiveDvSource`.

    Raises:
        CameraNotFoundError: no (matching) camera is plugged in.
        InputError: the camera cannot be opened or configured.
    """

    def __init__(self, config: CameraConfig | None = None, *, opener: Opener | None = None,
                 on_status: Callable[[SourceStatus], None] | None = None) -> None:
        self.config = config or CameraConfig()
        self._bias_defaults: dict[str, tuple[int, int]] | None = None
        self._open_camera = opener or (lambda cancel: open_dv_camera(self.config))
        super().__init__(self._open_configured, self.config.live,
                         name=lambda camera: f"camera {camera.getCameraName()}",
                         frames=self.config.frames, on_status=on_status)

    def _open_configured(self, cancel: threading.Event) -> CameraLike:
        camera = self._open_camera(cancel)
        apply_camera_settings(camera, self.config)
        return camera

    def apply_bias_preset(self, preset: str) -> dict[str, tuple[int, int]]:
        """Set the ON / OFF threshold biases of the running DAVIS to ``preset`` (any thread).

        The first call remembers the camera's own biases as "default"; the other
        presets scale from them (see :data:`BIAS_PRESETS`).

        Returns:
            the (coarse, fine) values set, by bias name ({} while disconnected).

        Raises:
            ValueError: an unknown preset, or a camera without DAVIS bias setters.
        """
        with self._io_lock:
            camera = self._input
            if camera is None:
                return {}
            if self._bias_defaults is None:
                self._bias_defaults = read_threshold_biases(camera)
            return set_threshold_biases(camera, self._bias_defaults, preset)

    def update_settings(self, config: CameraConfig) -> list[str]:
        """Apply new exposure / frame interval settings to the running camera (any thread).

        They also hold for every reconnection. ``frames`` and ``serial`` cannot
        change while streaming (they decide what the stream is): reopen for those.

        Returns:
            names of the dv setters that were called ([] while disconnected).

        Raises:
            ValueError: ``frames`` or ``serial`` differ from the running stream's.
            InputError: the camera refused a setting.
        """
        if (config.frames, config.serial) != (self.config.frames, self.config.serial):
            raise ValueError("frames and serial cannot change while streaming; reopen the camera")
        self.config = config
        with self._io_lock:
            camera = self._input
            return apply_camera_settings(camera, config) if camera is not None else []


def open_dv_camera(config: CameraConfig, *, discover: Callable[[], list[Any]] | None = None,
                   open_device: Callable[[Any], CameraLike] | None = None) -> CameraLike:
    """Open the configured camera with dv-processing.

    Args:
        config: ``serial`` picks the camera; None takes the first discovered.
        discover: lists device descriptors (default ``dv.io.camera.discover``).
        open_device: opens one descriptor (default ``dv.io.camera.open``).

    Raises:
        CameraNotFoundError: nothing (or not the requested serial) is plugged in.
        InputError: dv cannot open the device (busy, permissions).
    """
    discover = discover or dv.io.camera.discover
    open_device = open_device or dv.io.camera.open
    devices = list(discover())
    wanted = [d for d in devices if config.serial in (None, d.serialNumber)]
    if not wanted:
        seen = ", ".join(_describe(d) for d in devices) or "none"
        which = f"with serial {config.serial}" if config.serial else "(DAVIS240C/DAVIS346)"
        raise CameraNotFoundError("camera", f"no DAVIS camera found {which}; cameras seen: "
                                  f"{seen}. Is it plugged in, and may this user open USB devices?")
    try:
        return open_device(wanted[0])
    except RuntimeError as error:
        raise InputError(f"camera {_describe(wanted[0])}",
                         f"cannot open it: {first_line(error)}") from error


def discover_cameras(discover: Callable[[], list[Any]] | None = None) -> list[str]:
    """Names (model_serial) of the cameras dv-processing can see; [] if none or on error."""
    try:
        return [_describe(d) for d in (discover or dv.io.camera.discover)()]
    except RuntimeError as error:
        log.warning("camera discovery failed: %s", first_line(error))
        return []


def apply_camera_settings(camera: Any, config: CameraConfig) -> list[str]:
    """Apply exposure, frame interval and packet interval where the camera supports them.

    DAVIS cameras have all of them; event-only cameras (DVXplorer) have only
    the packet interval, and settings they lack are skipped with a log line.

    Returns:
        names of the dv setters that were called.

    Raises:
        InputError: the camera refused a setting.
    """
    us = timedelta(microseconds=1)
    calls: list[tuple[str, Any]] = [("setTimeInterval", config.packet_interval_us * us)]
    if config.frames:
        calls += [("setFramesRunning", True), ("setAutoExposure", config.auto_exposure)]
        if not config.auto_exposure:
            calls.append(("setExposureDuration", config.exposure_us * us))
        calls.append(("setFrameInterval", config.frame_interval_us * us))
    else:
        calls.append(("setFramesRunning", False))
    applied = []
    for name, value in calls:
        setter = getattr(camera, name, None)
        if setter is None:
            log.info("camera has no %s; setting skipped", name)
            continue
        try:
            setter(value)
        except RuntimeError as error:
            raise InputError("camera", f"{name}({value}) failed: {first_line(error)}") from error
        applied.append(name)
    return applied


BIAS_PRESETS = {"default": 1.0, "fewer events (less noise)": 1.5, "more events (sensitive)": 0.7}
"""Preset -> factor on the ON-threshold bias current (the OFF one gets its inverse).

A DAVIS pixel's ON threshold rises with the ON bias (OnBn) and its OFF threshold
with a lower OFF bias (OffBn), both against the differencing bias; a factor above
1 therefore raises both thresholds (fewer, less noisy events). Only the fine
values change, clamped to 1..255, from the camera's own biases at first use.
"""


def _bias_setters(camera: Any) -> tuple[Any, Any, Any] | None:
    """(getter, setter, bias enum) of a DAVIS346 or DAVIS240 camera, None for others."""
    kinds = dv.io.camera.DAVIS
    for model, enum in (("Davis346", kinds.Davis346BiasCF), ("Davis240", kinds.Davis240BiasCF)):
        getter = getattr(camera, f"get{model}BiasCoarseFine", None)
        setter = getattr(camera, f"set{model}BiasCoarseFine", None)
        if getter is not None and setter is not None:
            try:
                getter(enum.On)
            except RuntimeError:
                continue  # the other model's biases
            return getter, setter, enum
    return None


def read_threshold_biases(camera: Any) -> dict[str, tuple[int, int]]:
    """The camera's ON and OFF threshold biases as (coarse, fine).

    Raises:
        ValueError: the camera has no DAVIS bias getters (an event-only camera).
    """
    found = _bias_setters(camera)
    if found is None:
        raise ValueError("this camera has no DAVIS threshold biases")
    getter, _, enum = found
    return {name: tuple(getter(getattr(enum, name))) for name in ("On", "Off")}  # type: ignore[misc]


def set_threshold_biases(camera: Any, defaults: dict[str, tuple[int, int]],
                         preset: str) -> dict[str, tuple[int, int]]:
    """Set ON / OFF threshold biases to ``preset`` scaled from ``defaults``; returns them.

    Raises:
        ValueError: an unknown preset, or a camera without DAVIS bias setters.
    """
    if preset not in BIAS_PRESETS:
        raise ValueError(f"unknown bias preset {preset!r}: expected one of {list(BIAS_PRESETS)}")
    found = _bias_setters(camera)
    if found is None:
        raise ValueError("this camera has no DAVIS threshold biases")
    _, setter, enum = found
    factor = BIAS_PRESETS[preset]
    values = {}
    for name, scale in (("On", factor), ("Off", 1.0 / factor)):
        coarse, fine = defaults[name]
        values[name] = (coarse, min(255, max(1, round(fine * scale))))
        try:
            setter(getattr(enum, name), *values[name])
        except RuntimeError as error:
            raise InputError("camera", f"bias {name} {values[name]}: "
                             f"{first_line(error)}") from error
    return values


def _describe(descriptor: Any) -> str:
    model = getattr(descriptor, "cameraModel", "camera")
    model = getattr(model, "name", model)  # dv may give an enum
    return f"{model}_{getattr(descriptor, 'serialNumber', '?')}"


