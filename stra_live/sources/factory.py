"""Open a source from the app's ``--source`` spec.

Accepted specs (:data:`SPEC_FORMS`):

* ``auto``: the plugged-in camera if one is found, else the demo scene (:func:`default_source`);
* ``demo``: the embedded simulated scene, rendered once into a cache and replayed
  (:class:`~stra_live.sources.demo.DemoSource`);
* ``camera``: a live DAVIS (:class:`~stra_live.sources.camera.DavisCameraSource`);
* ``FILE.aedat4``: an iniVation recording (:class:`~stra_live.sources.aedat4.Aedat4Source`);
* ``FILE.h5`` / ``FILE.hdf5``: an HQF-layout file (:class:`~stra_live.sources.hdf5.Hdf5Source`);
* ``tcp://HOST:PORT[,PORT]``: a DV network stream, events and optionally frames on a
  second port (:class:`~stra_live.sources.network.NetworkSource`).

Source modules are imported only when chosen, so opening a file does not
load the simulator's kernels.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from stra_live.errors import InputError
from stra_live.sources.base import Source
from stra_live.sources.live_config import CameraConfig, LiveInputConfig

if TYPE_CHECKING:  # the drivers import dv-processing: loaded only when a live source is opened
    from stra_live.sources.live import Opener, SourceStatus

log = logging.getLogger(__name__)

SPEC_FORMS = "auto, demo, camera, FILE.aedat4, FILE.h5 (or .hdf5), tcp://HOST:PORT[,FRAMES_PORT]"
"""The accepted forms of a source spec, for messages and --help."""

StatusCallback = Callable[["SourceStatus"], None]
"""Receives the link state of live sources (camera, network)."""


FILE_SUFFIXES = (".aedat4", ".h5", ".hdf5")
"""File kinds a spec may name."""


def is_file_spec(spec: str) -> bool:
    """True when ``spec`` names a recording (finite, replayable) rather than a live input."""
    return Path(spec.strip()).suffix.lower() in FILE_SUFFIXES and not spec.startswith("tcp://")


def open_source(spec: str, *, pacing: Literal["fast", "realtime"] = "realtime",
                packet_us: int = 10_000, loop: bool = False, speed: float = 1.0,
                camera: CameraConfig | None = None, simulator: Any = None,
                network: LiveInputConfig | None = None,
                on_status: StatusCallback | None = None) -> Source:
    """Open the source that ``spec`` names (see the module docstring).

    Args:
        spec: demo, camera, a file path or tcp://HOST:PORT[,PORT].
        pacing, packet_us, loop, speed: file replay settings (files only).
        camera: camera settings (``camera`` only); default CameraConfig().
        simulator: a SimulatorSourceConfig (``demo`` only); default settings; its
            ``pacing`` decides whether the cached scene is replayed in real time.
        network: polling/reconnection of network streams; default LiveInputConfig():
            reconnect when the server comes back, with exponential backoff.
        on_status: link state changes of live sources (called from the reading thread).

    Raises:
        ValueError: the spec is none of the accepted forms (named).
        InputError: the file, camera or server cannot be used (named, with why);
            :class:`~stra_live.sources.camera.CameraNotFoundError` for "camera"
            when none is plugged in.
    """
    spec = spec.strip()
    if spec == "auto":
        return default_source(camera=camera, simulator=simulator, on_status=on_status)
    if spec == "demo":
        from stra_live.sources.demo import DemoSource

        return DemoSource(simulator)
    if spec == "camera":
        from stra_live.sources.camera import DavisCameraSource

        return DavisCameraSource(camera, on_status=on_status)
    if spec.startswith("tcp://"):
        from stra_live.sources.network import NetworkSource, parse_tcp_spec

        host, ports = parse_tcp_spec(spec)
        return NetworkSource(host, ports[0], ports[1] if len(ports) > 1 else None,
                             live=network or LiveInputConfig(), on_status=on_status)
    suffix = Path(spec).suffix.lower()
    replay = {"packet_us": packet_us, "pacing": pacing, "loop": loop, "speed": speed}
    if suffix == ".aedat4":
        from stra_live.sources.aedat4 import Aedat4Source

        return Aedat4Source(spec, **replay)
    if suffix in (".h5", ".hdf5"):
        from stra_live.sources.hdf5 import Hdf5Source

        return Hdf5Source(spec, **replay)
    raise ValueError(f"unknown source {spec!r}: expected one of {SPEC_FORMS}")


def default_source(*, camera: CameraConfig | None = None, simulator: Any = None,
                   on_status: StatusCallback | None = None,
                   discover: Callable[[], list[Any]] | None = None,
                   opener: Opener | None = None) -> Source:
    """The plugged-in camera if dv-processing finds one, else the demo scene (logged).

    Args:
        camera, simulator, on_status: as in :func:`open_source`.
        discover: lists cameras (default ``dv.io.camera.discover``).
        opener: opens the camera (default dv-processing; tests inject a fake).
    """
    from stra_live.sources.camera import DavisCameraSource, discover_cameras
    from stra_live.sources.demo import DemoSource

    found = discover_cameras(discover)
    if not found:
        log.info("no camera found; streaming the simulated demo scene")
        return DemoSource(simulator)
    try:
        source = DavisCameraSource(camera, opener=opener, on_status=on_status)
    except InputError as error:
        log.warning("camera %s found but not usable (%s); streaming the demo scene instead",
                    ", ".join(found), error)
        return DemoSource(simulator)
    log.info("streaming from %s", source.name)
    return source
