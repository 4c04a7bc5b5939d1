"""A DAVIS240C-like test stream for `stra-bench pipeline`: an AEDAT4 file and a DV server for it.

The recording is the simulator's moving-camera scene at DAVIS240C rates (240x180,
26.7 fps APS with 33 ms exposures, a contrast threshold that gives 1-5 M events
per second), rendered once through the demo source's cache and written to
AEDAT4 with the project's writer. :func:`serve` replays such a file on two
``dv.io.NetworkWriter`` ports (events, frames) at the recording's own pace, in
a separate process, as a DV server on another machine would; run this module
as a script to start it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from stra_live.events import Frame
from stra_live.io.aedat4 import write_aedat4
from stra_live.simulator.config import SimulatorConfig
from stra_live.sources.demo import ensure_demo_cache
from stra_live.sources.simulated import SimulatorSourceConfig


def davis240_config(contrast: float = 0.1, seed: int = 0) -> SimulatorSourceConfig:
    """Scene settings at DAVIS240C rates: 26.7 fps (every 9th 240 Hz frame), 33 ms exposures."""
    events = SimulatorConfig(pos_threshold=contrast, neg_threshold=contrast)
    return SimulatorSourceConfig(events=events, seed=seed, aps_fps=240 / 9, blur_frames=9,
                                 pacing="fast", ground_truth_frames=0)


def write_davis_recording(path: Path, seconds: float, cache_dir: Path,
                          config: SimulatorSourceConfig | None = None) -> dict:
    """Render (or reuse) the scene and write ``seconds`` of it to ``path``; returns its figures."""
    config = config or davis240_config()
    folder = ensure_demo_cache(config, seconds, cache_dir)
    events = np.load(folder / "events.npy")
    images = np.load(folder / "images.npy")
    times = np.load(folder / "times.npy")
    frames = [Frame(image, int(t), int(start), int(end))
              for image, (t, start, end) in zip(images, times, strict=True)]
    write_aedat4(path, events, frames, config.scene.resolution)
    span_s = (int(events["t"][-1]) - int(events["t"][0])) / 1e6 if len(events) else 0.0
    exposures = (times[:, 2] - times[:, 1] + 1) / 1e3
    return {"frames": len(frames), "events": len(events), "seconds": round(span_s, 2),
            "events_per_s": round(len(events) / span_s) if span_s else 0,
            "fps": round((len(frames) - 1) / ((times[-1, 0] - times[0, 0]) / 1e6), 2),
            "exposure_ms": round(float(np.median(exposures)), 1)}


class DvServer:
    """A child process serving an AEDAT4 file on two DV network ports at its own pace.

    Args:
        path: the recording.
        events_port, frames_port: localhost ports.
    """

    def __init__(self, path: Path, events_port: int, frames_port: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "stra_live.benchmarks.davis_stream", str(path),
             str(events_port), str(frames_port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().strip()  # type: ignore[union-attr]
        if line != "ready":
            self.close()
            raise RuntimeError(f"the DV server did not start (it said {line!r})")

    def go(self) -> None:
        """Start sending (clients are connected)."""
        self.process.stdin.write("go\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]

    def wait_sent(self, timeout: float) -> bool:
        """Wait until everything was sent; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.stdout.readline().strip() == "sent":  # type: ignore[union-attr]
                return True
        return False

    def close(self) -> None:
        """Kill the server (a NetworkWriter with clients blocks in its destructor)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


def serve(path: str, events_port: int, frames_port: int) -> None:
    """Replay ``path`` on two ports at its own pace once told "go" on stdin.

    At idle priority (SCHED_IDLE, nice 19 where that is refused): dv's
    ``NetworkWriter`` busy-polls, taking about two cores of this machine even
    with nothing to send (measured: 3.7 CPU-s in 2 s idle). A real DV server
    runs elsewhere, or is not the app's to pay for; at idle priority it only
    gets the cycles the app leaves, and every wake-up of an app thread
    preempts it at once.
    """
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(19)
    import dv_processing as dv

    recording = dv.io.MonoCameraRecording(path)
    size = recording.getEventResolution()
    writers = {
        "events": dv.io.NetworkWriter("127.0.0.1", events_port,
                                      dv.io.Stream.EventStream(0, "events", "DAVIS240C", size)),
        "frames": dv.io.NetworkWriter("127.0.0.1", frames_port,
                                      dv.io.Stream.FrameStream(0, "frames", "DAVIS240C", size)),
    }
    items = []
    while (batch := recording.getNextEventBatch()) is not None:
        items.append((batch.getHighestTime(), "events", batch))
    while (frame := recording.getNextFrame()) is not None:
        end = frame.timestamp + int(frame.exposure.total_seconds() * 1e6)
        items.append((end, "frames", frame))
    items.sort(key=lambda item: item[0])
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        os._exit(1)
    t0, began = items[0][0], time.monotonic()
    for due, kind, item in items:
        delay = began + (due - t0) / 1e6 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if kind == "events":
            writers[kind].writeEvents(item)
        else:
            writers[kind].writeFrame(item)
    while any(w.getQueuedPacketCount() for w in writers.values()):
        time.sleep(0.01)
    print("sent", flush=True)
    sys.stdin.readline()
    os._exit(0)  # destroying writers with clients connected blocks in dv


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
