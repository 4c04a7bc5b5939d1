"""Per-thread CPU figures of the benchmarks: by thread, so a same-named leftover cannot hide one."""

from __future__ import annotations

import threading
import time

from stra_live.benchmarks.threads import ThreadCpuSampler


def _burn(cpu_s: float) -> None:
    start = time.thread_time()
    while time.thread_time() - start < cpu_s:
        pass


def test_a_leftover_thread_of_the_same_name_ending_mid_measurement_hides_nothing() -> None:
    burned, release = threading.Event(), threading.Event()

    def leftover() -> None:  # like a worker an earlier run left behind
        _burn(0.3)
        burned.set()
        release.wait(10)

    old = threading.Thread(target=leftover, name="stra-worker")
    old.start()
    assert burned.wait(10)
    with ThreadCpuSampler(interval_s=0.02) as sampler:
        new = threading.Thread(target=_burn, args=(0.15,), name="stra-worker")
        new.start()
        new.join()
        release.set()
        old.join()
    # Keyed by name, the leftover's 0.3 s before the measurement outweighed what the new
    # thread spent once the leftover had gone, and the worker vanished from the figures.
    # (/proc counts in clock ticks, so less than the 0.15 s the thread measured itself.)
    assert 0.02 < sampler.seconds.get("stra-worker", 0.0) < 0.3

