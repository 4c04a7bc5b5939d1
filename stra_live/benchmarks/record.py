"""`stra-bench record`: how many events per second the session recorder sustains, frames included.

One run records the same synthetic session twice, as fast as the recorder
takes it, each time into a fresh file:

* numpy: packets whose events exist only as arrays (the simulator, filters),
  converted at NumPy speed;
* raw: the same session read back with :class:`~stra_live.sources.aedat4.Aedat4Source`,
  so every packet carries its dv objects (``Packet.raw``), as a camera, a file
  or a network stream gives them (the recorder writes their events from the
  arrays, faster than dv's ``EventStore.numpy()`` export: see the recorder).

The session: ``--seconds`` of uniformly random events at ``--rate`` M events/s
on a 240x180 sensor (a pessimistic case for LZ4: only the timestamps
compress), 10 ms packets, APS frames at ``--fps`` and one deblurred result
per frame (float32, as the engine gives them), plus the side-by-side MP4
unless ``--no-mp4``. Time runs from the first ``write_packet`` until
``stop()`` has closed the files; each file is then read back and every event
and frame counted. The previous recorder's per-event conversion
(``dv.EventStore.push_back``) is timed on a slice in the same run, and the
result is set against ``--live-rate``, the fastest event rate the app meets live.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import dv_processing as dv
import numpy as np

from stra_live.events import Frame, make_events
from stra_live.io.aedat4 import read_aedat4
from stra_live.recording import DEBLURRED_STREAM, RecordConfig, SessionRecorder
from stra_live.sources.aedat4 import Aedat4Source
from stra_live.sources.base import Packet

RESOLUTION = (180, 240)
PACKET_US = 10_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `stra-bench record`."""
    parser.add_argument("--seconds", type=float, default=1.5, help="stream length")
    parser.add_argument("--rate", type=float, default=12.0, help="M events per second of stream")
    parser.add_argument("--fps", type=float, default=25.0, help="APS frames per second")
    parser.add_argument("--compression", choices=("lz4", "none"), default="lz4")
    parser.add_argument("--no-mp4", action="store_true", help="skip the side-by-side MP4")
    parser.add_argument("--live-rate", type=float, default=4.0,
                        help="fastest event rate the app meets live, M events/s (the demo's peak)")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> dict[str, float | int | bool | str]:
    """Record the session both ways; return events/s and the checks."""
    if args.seconds <= 0 or args.rate <= 0 or args.fps <= 0 or args.live_rate <= 0:
        raise SystemExit("--seconds, --rate, --fps and --live-rate must be > 0")
    packets = synthetic_session(args.seconds, args.rate, args.fps, args.seed)
    n_events = sum(len(p.events) for p in packets)
    n_frames = sum(len(p.frames) for p in packets)
    print(f"{n_events:,} events ({args.rate:g} M/s for {args.seconds:g} s), {n_frames} APS "
          f"frames + {n_frames} deblurred at {args.fps:g} fps, 240x180, "
          f"compression {args.compression}, MP4 {'off' if args.no_mp4 else 'on'}")
    config = RecordConfig(folder=Path(tempfile.gettempdir()), mp4=not args.no_mp4,
                          compression=args.compression, max_queue_mb=1 << 14)
    old = old_events_per_s(packets)
    with tempfile.TemporaryDirectory(prefix="stra_bench_record_") as folder:
        numpy_rate, path, ok_numpy = timed_recording(packets, Path(folder) / "numpy", config)
        size = path.stat().st_size
        del packets
        raw_packets = list(Aedat4Source(path, packet_us=PACKET_US).packets())
        assert all(p.raw is not None for p in raw_packets if len(p.events))
        raw_rate, _, ok_raw = timed_recording(raw_packets, Path(folder) / "raw", config)
    rate = min(numpy_rate, raw_rate)
    print(f"numpy packets: {numpy_rate / 1e6:.1f} M events/s; raw dv packets: "
          f"{raw_rate / 1e6:.1f} M events/s; previous recorder (push_back): {old / 1e6:.2f} M "
          f"events/s")
    print(f"sustained (slower of the two): {rate / 1e6:.1f} M events/s = "
          f"{rate / (args.live_rate * 1e6):.1f}x the live rate of {args.live_rate:g} M/s, "
          f"{rate / 12e6:.2f}x a DAVIS240C's 12 M/s; {rate / old:.0f}x the previous recorder; "
          f"{size / n_events:.1f} bytes per event on disk; everything read back: "
          f"{ok_numpy and ok_raw}")
    return {"events_per_s": round(rate), "events_per_s_numpy": round(numpy_rate),
            "events_per_s_raw": round(raw_rate), "previous_events_per_s": round(old),
            "ratio_vs_live": round(rate / (args.live_rate * 1e6), 2),
            "ratio_vs_12M": round(rate / 12e6, 2), "speedup_vs_previous": round(rate / old, 1),
            "bytes_per_event": round(size / n_events, 2), "lossless": ok_numpy and ok_raw,
            "events": n_events, "frames": n_frames, "compression": args.compression,
            "mp4": not args.no_mp4}


def synthetic_session(seconds: float, rate: float, fps: float, seed: int) -> list[Packet]:
    """10 ms packets of random events, a frame attached to the packet its exposure ends in."""
    rng = np.random.default_rng(seed)
    height, width = RESOLUTION
    duration = int(seconds * 1e6)
    per_packet = int(rate * PACKET_US)
    frame_period = int(1e6 / fps)
    image = rng.integers(0, 256, RESOLUTION, dtype=np.uint8)
    packets = []
    for start in range(0, duration, PACKET_US):
        t = np.sort(rng.integers(start, start + PACKET_US, per_packet))
        events = make_events(t, rng.integers(0, width, per_packet),
                             rng.integers(0, height, per_packet),
                             np.where(rng.random(per_packet) < 0.5, 1, -1))
        exposures = range(-(-start // frame_period) * frame_period, start + PACKET_US,
                          frame_period)
        frames = tuple(Frame(np.roll(image, k, axis=1), t0, t0, t0 + 4_999)
                       for k, t0 in enumerate(exposures) if t0 + 4_999 < start + PACKET_US)
        packets.append(Packet(events=events, frames=frames, watermark=start + PACKET_US))
    return packets


def timed_recording(packets: list[Packet], folder: Path,
                    config: RecordConfig) -> tuple[float, Path, bool]:
    """(events/s from first write to closed files, the AEDAT4 path, all counted back)."""
    recorder = SessionRecorder(folder, RESOLUTION, config.mp4, config=config)
    started = time.perf_counter()
    for packet in packets:
        recorder.write_packet(packet)
        for frame in packet.frames:  # the engine's result for it: float32 in [0, 1]
            image = frame.as_float()
            recorder.write_result(frame.timestamp, image, image)
    summary = recorder.stop()
    elapsed = time.perf_counter() - started
    n_events = sum(len(p.events) for p in packets)
    n_frames = sum(len(p.frames) for p in packets)
    back = read_aedat4(recorder.aedat4_path, isolate=False)
    deblurred = read_aedat4(recorder.aedat4_path, frame_stream=DEBLURRED_STREAM, isolate=False)
    ok = (summary.error is None and len(back.events) == n_events
          and len(back.frames) == n_frames == len(deblurred.frames))
    return n_events / elapsed, recorder.aedat4_path, ok


def old_events_per_s(packets: list[Packet], limit: int = 300_000) -> float:
    """The previous recorder's conversion: one ``push_back`` per event (timed on a slice)."""
    events = np.concatenate([p.events for p in packets])[:limit]
    started = time.perf_counter()
    store = dv.EventStore()
    push = store.push_back
    for t, x, y, p in zip(events["t"].tolist(), events["x"].tolist(), events["y"].tolist(),
                          (events["p"] > 0).tolist(), strict=True):
        push(t, x, y, p)
    return len(events) / (time.perf_counter() - started)
