"""The demo source: the simulated scene rendered once into a cache, then played like a recording.

Simulating the demo scene live costs most of a core (rendering and the event
simulator, about 0.75 s of CPU per second of stream on a 2-core laptop), and
it shares the Python process with inference. A camera costs almost nothing to
read. So the demo renders its scene once, deterministically, into a cache
folder the first time it is needed (a few seconds, logged), and from then on
replays the cached events and frames like an AEDAT4 file, paced by the clock
and looped, which costs the capture thread about what a camera does.

The cache is versioned by a key made of the scene settings, the seed, the loop
length, :data:`CACHE_FORMAT` and the source text of the simulator itself, so
changing any of them renders a new cache instead of replaying a stale one. It
lives under ``$STRA_CACHE_DIR``, else ``$XDG_CACHE_HOME/stra-live``, else
``~/.cache/stra-live``; nothing is downloaded. Events are memory-mapped, so a
long loop does not cost resident memory beyond the pages being played.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from stra_live.events import EVENT_DTYPE, Frame
from stra_live.sources.recording import Pacing, PassData, ReplaySource, timeline_span
from stra_live.sources.simulated import SimulatorSource, SimulatorSourceConfig

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
"""Bump when the files written by :func:`render_demo` change layout."""

DEFAULT_LOOP_SECONDS = 10.0
"""Seconds of scene rendered and looped (one scene of the default 10 s)."""

CHUNK_EVENTS = 200_000
"""Events handed to the replay at a time from the memory-mapped file."""


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$STRA_CACHE_DIR``, else ``$XDG_CACHE_HOME/stra-live``, else ``~/.cache/stra-live``."""
    env = os.environ if environ is None else environ
    if env.get("STRA_CACHE_DIR"):
        return Path(env["STRA_CACHE_DIR"])
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "stra-live"


def cache_key(config: SimulatorSourceConfig, loop_seconds: float) -> str:
    """Hex digest naming one rendering: settings, seed, loop, format and simulator source."""
    import stra_live.simulator as simulator_package
    import stra_live.sources.simulated as simulated_module

    settings = dataclasses.replace(config, pacing="fast", ground_truth_frames=0)
    digest = hashlib.sha256(f"{CACHE_FORMAT}|{loop_seconds!r}|{settings!r}".encode())
    code = sorted(Path(simulator_package.__file__).parent.glob("*.py"))
    for path in [*code, Path(simulated_module.__file__)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def render_demo(config: SimulatorSourceConfig, loop_seconds: float, folder: Path) -> None:
    """Simulate ``loop_seconds`` of the scene and write it into ``folder`` (atomically).

    Files: ``events.npy`` (EVENT_DTYPE), ``images.npy`` ((N, H, W) uint8, as a
    DAVIS delivers) and ``times.npy`` ((N, 3) int64 timestamp, exposure start
    and end). ``folder`` appears complete or not at all.
    """
    source = SimulatorSource(dataclasses.replace(config, pacing="fast", ground_truth_frames=0))
    end_us = round(loop_seconds * 1e6)
    chunks, images, times = [], [], []
    for packet in source.packets():
        if packet.watermark > end_us:
            break
        if len(packet.events):
            chunks.append(packet.events)
        for frame in packet.frames:
            images.append(frame.as_uint8())
            times.append((frame.timestamp, frame.exposure_start, frame.exposure_end))
    events = np.concatenate(chunks) if chunks else np.empty(0, EVENT_DTYPE)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        np.save(staging / "events.npy", events)
        np.save(staging / "images.npy", np.stack(images))
        np.save(staging / "times.npy", np.asarray(times, dtype=np.int64).reshape(-1, 3))
        try:
            staging.rename(folder)
        except OSError:  # another process finished the same rendering first: keep theirs
            if not (folder / "times.npy").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def ensure_demo_cache(config: SimulatorSourceConfig, loop_seconds: float,
                      cache_dir: Path) -> Path:
    """The folder holding the rendering of ``config``; rendered first if missing."""
    folder = cache_dir / f"demo-{cache_key(config, loop_seconds)}"
    if not (folder / "times.npy").exists():
        log.warning("rendering the demo scene once into %s (%.0f s of stream; later starts "
                    "replay it)", folder, loop_seconds)
        began = time.perf_counter()
        render_demo(config, loop_seconds, folder)
        log.warning("demo scene rendered in %.1f s", time.perf_counter() - began)
    return folder


class DemoSource(ReplaySource):
    """The embedded demo scene, replayed from its cache, looped and paced like a camera.

    Args:
        config: the simulated scene (its ``pacing`` chooses realtime or fast replay).
        loop_seconds: seconds of scene rendered and looped.
        cache_dir: where renderings live (default :func:`default_cache_dir`).
        packet_us: replay slice length.

    Attributes:
        folder: the cache folder being replayed.
        fps: the APS frame rate.
    """

    def __init__(self, config: SimulatorSourceConfig | None = None,
                 loop_seconds: float = DEFAULT_LOOP_SECONDS, cache_dir: Path | None = None,
                 packet_us: int = 5_000) -> None:
        config = config or SimulatorSourceConfig()
        if not loop_seconds > 0:
            raise ValueError(f"loop_seconds must be positive, got {loop_seconds!r}")
        self.folder = ensure_demo_cache(config, loop_seconds, cache_dir or default_cache_dir())
        self._events = np.load(self.folder / "events.npy", mmap_mode="r")
        self._images = np.load(self.folder / "images.npy")
        self._times = np.load(self.folder / "times.npy")
        event_span = ((int(self._events["t"][0]), int(self._events["t"][-1]))
                      if len(self._events) else None)
        span = timeline_span(event_span, (int(end) for _, _, end in self._times))
        pacing: Pacing = config.pacing
        super().__init__(f"demo scene (seed {config.seed})", config.scene.resolution, True, span,
                         packet_us, pacing, loop=True, fps=config.aps_fps)
        self.frame_times = np.asarray(self._times[:, 0], dtype=np.int64)  # for frame numbers

    @contextlib.contextmanager
    def _open_pass(self) -> Iterator[PassData]:
        events = self._events
        chunks = (events[i:i + CHUNK_EVENTS] for i in range(0, len(events), CHUNK_EVENTS))
        frames = (Frame(image, int(t), int(start), int(end))
                  for image, (t, start, end) in zip(self._images, self._times, strict=True))
        yield chunks, frames
