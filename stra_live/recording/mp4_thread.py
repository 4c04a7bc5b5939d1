"""Feeds the side-by-side MP4 on its own thread, so a slow ffmpeg never delays the AEDAT4 file."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

import numpy as np

from stra_live.recording.priority import lower_this_thread
from stra_live.recording.video import SideBySideVideo

log = logging.getLogger(__name__)

MAX_PENDING_FRAMES = 250
"""Frames that may wait for ffmpeg (10 s at 25 fps) before the recording stops."""


class VideoThread:
    """Writes (blurry, deblurred) pairs to a :class:`SideBySideVideo` in order.

    Args:
        video: the open MP4 writer (closed by :meth:`finish`).
        resolution: (H, W) of one image.
        on_error: called once with a message when ffmpeg fails or falls
            :data:`MAX_PENDING_FRAMES` behind; frames after that are not queued.
    """

    def __init__(self, video: SideBySideVideo, resolution: tuple[int, int],
                 on_error: Callable[[str], None]) -> None:
        self.resolution = resolution
        self.frames_written = 0
        self._video = video
        self._on_error = on_error
        self._failed = False
        self._pending = 0
        self._lock = threading.Condition()
        self._queue: queue.SimpleQueue[tuple[np.ndarray | None, np.ndarray] | None] = \
            queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="stra-recorder-mp4", daemon=True)
        self.thread.start()

    def put(self, blurry: np.ndarray | None, deblurred: np.ndarray) -> None:
        """Queue one frame pair (the arrays are not copied: the caller gives up its copies)."""
        with self._lock:
            if self._failed:
                return
            if self._pending >= MAX_PENDING_FRAMES:
                self._failed = True
                overflow = True
            else:
                self._pending += 1
                self._queue.put((blurry, deblurred))
                return
        if overflow:
            self._on_error(f"recording stopped: the MP4 encoder cannot keep up "
                           f"({MAX_PENDING_FRAMES} frames waiting for ffmpeg)")

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until ffmpeg has been given every queued frame; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: self._pending == 0, timeout)

    def finish(self) -> None:
        """Write what is queued, close the MP4 and end the thread (call once)."""
        self._queue.put(None)
        self.thread.join()

    def _run(self) -> None:
        lower_this_thread()
        while (pair := self._queue.get()) is not None:
            try:
                if not self._failed:
                    self._video.write(*pair)
                    self.frames_written += 1
            except Exception as error:  # ffmpeg gone, disk full: report once, keep draining
                self._failed = True
                self._on_error(f"recording stopped: the MP4 failed ({_first_line(error)})")
            finally:
                with self._lock:
                    self._pending -= 1
                    self._lock.notify_all()
        try:
            self._video.close()
        except Exception as error:
            log.error("closing the MP4 failed: %s", _first_line(error))


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
