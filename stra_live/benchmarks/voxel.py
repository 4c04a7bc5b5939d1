"""`stra-bench voxel`: voxel-grid throughput of the Numba kernel, the rolling buffer and NumPy.

All three build 5-bin grids of the same random events (sorted timestamps,
about one event per microsecond) on a 240x180 sensor in one run:

* numba: :func:`~stra_live.voxel.grid.events_to_voxel` over one window holding
  every event (warm, best of ``--repeats``), as it runs by default: one thread
  per CPU for an input this large; also timed on a single thread;
* buffer: :class:`~stra_live.voxel.buffer.RollingEventBuffer` fed in packets,
  queried for consecutive windows that tile the whole stream, as the engine
  does (best of ``--repeats``; includes appending and validation);
* numpy: the ``np.add.at`` reference (best of ``--repeats``).

The grids are cross-checked so a fast but wrong kernel cannot pass.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from stra_live.events import DAVIS240_RESOLUTION, EVENT_DTYPE
from stra_live.voxel.buffer import RollingEventBuffer
from stra_live.voxel.grid import events_to_voxel, voxel_threads
from stra_live.voxel.reference import _events_to_voxel_numpy


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `stra-bench voxel`."""
    parser.add_argument("--events", type=int, default=10_000_000, help="number of events")
    parser.add_argument("--bins", type=int, default=5, help="temporal bins of the grid")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs (best is kept)")
    parser.add_argument("--packet-events", type=int, default=10_000,
                        help="events per packet appended to the buffer")
    parser.add_argument("--window-us", type=int, default=50_000,
                        help="length of each buffer window (microseconds)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random events")


def run(args: argparse.Namespace) -> dict[str, float | int]:
    """Time the three implementations; return throughputs in million events per second."""
    if args.events < 1 or args.repeats < 1 or args.packet_events < 1 or args.window_us < 1:
        raise SystemExit("--events, --repeats, --packet-events and --window-us must be >= 1")
    height, width = DAVIS240_RESOLUTION
    events = random_stream(args.events, (height, width), args.seed)
    t0, t1 = int(events["t"][0]), int(events["t"][-1])
    print(f"{args.events:,} events, {args.bins} bins, {width}x{height}, "
          f"{(t1 - t0) / 1e6:.2f} s of stream")

    def kernel() -> np.ndarray:
        return events_to_voxel(events, args.bins, height, width, t0, t1)

    def kernel_one_thread() -> np.ndarray:
        return events_to_voxel(events, args.bins, height, width, t0, t1, max_threads=1)

    def reference() -> np.ndarray:
        return _events_to_voxel_numpy(events, args.bins, height, width, t0, t1)

    def buffer(check: bool = False) -> float:
        return buffered_windows(events, (height, width), args.bins, args.packet_events,
                                args.window_us, check)

    kernel()  # warm-up: loads (or compiles) the cached kernel
    numba_s = best_time(kernel, args.repeats)
    single_s = best_time(kernel_one_thread, args.repeats)
    buffer_s = best_time(buffer, args.repeats)
    numpy_s = best_time(reference, args.repeats)
    want, buffer_total = reference(), buffer(check=True)
    for grid in (kernel(), kernel_one_thread()):
        check_results(grid, want, buffer_total, events)

    n = args.events
    result = {
        "events": n,
        "bins": args.bins,
        "numba_mev_s": round(n / numba_s / 1e6, 2),
        "numba_one_thread_mev_s": round(n / single_s / 1e6, 2),
        "buffer_mev_s": round(n / buffer_s / 1e6, 2),
        "numpy_mev_s": round(n / numpy_s / 1e6, 2),
        "speedup_vs_numpy": round(numpy_s / numba_s, 1),
        "one_thread_speedup_vs_numpy": round(numpy_s / single_s, 1),
    }
    print(f"numba kernel : {result['numba_mev_s']:8.1f} M events/s ({numba_s * 1e3:.1f} ms, "
          f"{voxel_threads(n, None)} thread(s))")
    print(f"  one thread : {result['numba_one_thread_mev_s']:8.1f} M events/s "
          f"({single_s * 1e3:.1f} ms)")
    print(f"rolling buf. : {result['buffer_mev_s']:8.1f} M events/s ({buffer_s * 1e3:.1f} ms, "
          f"packets of {args.packet_events:,}, windows of {args.window_us:,} us)")
    print(f"numpy add.at : {result['numpy_mev_s']:8.1f} M events/s ({numpy_s * 1e3:.1f} ms)")
    print(f"speed-up of the kernel over numpy: {result['speedup_vs_numpy']}x "
          f"(one thread: {result['one_thread_speedup_vs_numpy']}x)")
    return result


def random_stream(n: int, resolution: tuple[int, int], seed: int) -> np.ndarray:
    """(n,) EVENT_DTYPE uniform random events, sorted, about one per microsecond."""
    rng = np.random.default_rng(seed)
    events = np.empty(n, dtype=EVENT_DTYPE)
    events["t"] = np.sort(rng.integers(0, n, n))
    events["x"] = rng.integers(0, resolution[1], n)
    events["y"] = rng.integers(0, resolution[0], n)
    events["p"] = rng.choice(np.array([-1, 1], dtype=np.int8), n)
    return events


def buffered_windows(events: np.ndarray, resolution: tuple[int, int], bins: int,
                     packet_events: int, window_us: int, check: bool = False) -> float:
    """Stream ``events`` through a buffer; grid each window once it is complete.

    Windows ``[start, start + window_us - 1]`` tile the stream, so every event
    lands in exactly one. With ``check``, returns the sum of all grids (the net
    polarity); without, 0 (summing is not part of the timed work).
    """
    buffer = RollingEventBuffer(resolution, horizon_us=2 * window_us)
    start = int(events["t"][0])
    total = 0.0
    for begin in range(0, len(events), packet_events):
        buffer.append(events[begin:begin + packet_events])
        # A window is complete once a newer event arrived (sources deliver in order).
        while buffer.t_last is not None and buffer.t_last >= start + window_us:
            voxel = buffer.voxel(start, start + window_us - 1, bins)
            total += float(voxel.sum(dtype=np.float64)) if check else 0.0
            start += window_us
    voxel = buffer.voxel(start, start + window_us - 1, bins)
    return (total + float(voxel.sum(dtype=np.float64))) if check else 0.0


def best_time(function: Callable[[], object], repeats: int) -> float:
    """Shortest wall time (seconds) of ``repeats`` calls."""
    best = float("inf")
    for _ in range(repeats):
        begin = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - begin)
    return best


def check_results(kernel: np.ndarray, reference: np.ndarray, buffer_total: float,
                  events: np.ndarray) -> None:
    """Raise RuntimeError when the implementations disagree."""
    error = float(np.abs(kernel - reference).max())
    net = int(events["p"].sum(dtype=np.int64))
    print(f"check: max |numba - numpy| = {error:.2e}; net polarity {net}, "
          f"buffer windows sum to {buffer_total:.1f}")
    if error > 1e-3 * max(1.0, float(np.abs(reference).max())):
        raise RuntimeError(f"numba and numpy grids differ by {error}")
    # Both sides are whole numbers up to float32 rounding, so 0.5 separates right from wrong.
    if abs(buffer_total - net) > 0.5:
        raise RuntimeError(f"buffer windows sum to {buffer_total}, expected {net}")
