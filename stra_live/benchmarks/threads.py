"""CPU seconds per thread of this process, by thread name (Linux ``/proc``; empty elsewhere)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType


def thread_cpu_seconds() -> dict[int, tuple[str, float]]:
    """User + system CPU seconds of every live Python thread: native id -> (name, seconds).

    Keyed by thread, not name: a thread left running by earlier work may share
    a name with one being measured, and may end while it is measured.
    """
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    totals: dict[int, tuple[str, float]] = {}
    for thread in threading.enumerate():
        tid = thread.native_id
        if tid is None:
            continue
        try:
            stat = Path(f"/proc/self/task/{tid}/stat").read_text()
        except OSError:
            continue
        # Fields after the command name (which may hold spaces) start at index 2.
        fields = stat.rsplit(")", 1)[1].split()
        totals[tid] = (thread.name, (int(fields[11]) + int(fields[12])) / ticks)
    return totals


def cpu_delta(before: dict[int, tuple[str, float]],
              after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds spent between two :func:`thread_cpu_seconds` readings, summed per name."""
    spent: dict[str, float] = {}
    for tid, (name, seconds) in after.items():
        spent[name] = spent.get(name, 0.0) + seconds - before.get(tid, (name, 0.0))[1]
    return {name: round(value, 2) for name, value in sorted(spent.items()) if value >= 0.005}


class ThreadCpuSampler:
    """Samples :func:`thread_cpu_seconds` every ``interval_s`` on its own thread.

    Worker threads that end before the measurement does keep the last figure
    seen, so a pipeline whose source ran out is still accounted for. Use as a
    context manager; :attr:`seconds` holds the CPU seconds per thread name
    spent while it ran.
    """

    def __init__(self, interval_s: float = 0.1) -> None:
        self.interval_s = interval_s
        self.seconds: dict[str, float] = {}
        self._stop = threading.Event()
        self._before: dict[int, tuple[str, float]] = {}
        self._latest: dict[int, tuple[str, float]] = {}
        self._thread = threading.Thread(target=self._run, name="stra-cpu-sampler", daemon=True)

    def __enter__(self) -> ThreadCpuSampler:
        self._before = thread_cpu_seconds()
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self._latest.pop(self._thread.native_id or -1, None)
        self.seconds = cpu_delta(self._before, self._latest)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def _sample(self) -> None:
        self._latest.update(thread_cpu_seconds())
