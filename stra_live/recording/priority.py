"""Recording threads yield the CPU to capture and inference.

A recording must keep every event but may fall behind for a while (its queue
holds seconds of input), while a deblurred frame that waits is a frame the live
view skips. So the recorder's threads run at a lower priority than the app's
others: on a busy machine the scheduler serves capture and inference first and
the recorder catches up in the gaps. Linux gives each thread its own nice value;
elsewhere this does nothing.
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)

RECORDING_NICE_INCREMENT = 5
"""Nice steps below the app's other threads: about a third of their CPU share when all
compete, which still leaves the recorder several times what it needs (stra-bench record)."""


def lower_this_thread(increment: int = RECORDING_NICE_INCREMENT) -> None:
    """Lower the calling thread's priority by ``increment`` nice steps (Linux only)."""
    if not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread,
                       os.getpriority(os.PRIO_PROCESS, thread) + increment)
    except OSError as error:  # not permitted, or not per-thread on this system
        log.debug("recording threads keep their priority: %s", error)
