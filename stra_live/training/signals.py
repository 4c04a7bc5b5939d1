"""Turning SIGTERM and Ctrl-C into a clean stop between two training steps.

Interrupting a step half-way (say, inside ``optimizer.step()``) would leave
weights and optimiser state out of step, so the first SIGTERM or SIGINT only
sets a flag; the loop checkpoints and leaves at the end of the step. A
second Ctrl-C raises KeyboardInterrupt at once, for when that is too slow.
DataLoader workers ignore both signals (a terminal's Ctrl-C reaches the whole
process group): the main process stops them itself.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType, TracebackType
from typing import Any

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopRequest:
    """Context manager: while active, SIGTERM/SIGINT set :attr:`requested` instead of killing.

    Handlers can only be installed from the main thread; elsewhere (e.g. a
    test running training in a thread) the context does nothing but can
    still be set by calling :meth:`request`.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, Any] = {}

    def request(self) -> None:
        """Ask the loop to stop after the current step."""
        self.requested = True

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for sig in STOP_SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        name = signal.Signals(signum).name
        log.warning("%s received: checkpointing and stopping after this step", name)
        self.requested = True


def quiet_worker(worker_id: int) -> None:
    """DataLoader ``worker_init_fn``: ignore stop signals meant for the main process."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
