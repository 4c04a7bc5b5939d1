"""Live playback control of a file source: speed, loop, pause and single frames.

The window's playback bar changes these while a :class:`~stra_live.sources.
recording.ReplaySource` is streaming (from the GUI thread; the source reads
them on its capture thread). Seeking is not done here: a seek restarts the
stream at the sought time (:meth:`ReplaySource.restarted`), so the engine's
buffers and memory start afresh, as at the start of a file.

Pacing: the packet that ends at stream time ``t`` goes out when
``(t - t_anchor) / speed`` has passed since the anchor; the anchor is reset
whenever the speed changes or the stream resumes, so neither a pause nor a
speed change makes the stream jump.
"""

from __future__ import annotations

import threading
import time

MIN_SPEED = 0.25
MAX_SPEED = 4.0

POLL_S = 0.05
"""Longest wait between checks for close, pause and speed changes."""


class PlaybackControl:
    """Thread-safe playback state shared by a file source and the window.

    Args:
        speed: playback rate in [MIN_SPEED, MAX_SPEED]; None = as fast as the consumer pulls.
        loop: replay forever.
    """

    def __init__(self, speed: float | None = 1.0, loop: bool = False) -> None:
        self._cond = threading.Condition()
        self._speed = self._check(speed)
        self._loop = loop
        self._paused = False
        self._credits = 0
        self._anchor: tuple[float, int] | None = None
        self._position_us = 0

    @staticmethod
    def _check(speed: float | None) -> float | None:
        if speed is not None and not MIN_SPEED <= speed <= MAX_SPEED:
            raise ValueError(f"speed must be in [{MIN_SPEED}, {MAX_SPEED}] or None, got {speed}")
        return speed

    @property
    def speed(self) -> float | None:
        """Playback rate (None = as fast as possible)."""
        return self._speed

    @speed.setter
    def speed(self, speed: float | None) -> None:
        with self._cond:
            self._speed = self._check(speed)
            self._anchor = None
            self._cond.notify_all()

    @property
    def loop(self) -> bool:
        """Whether the file replays forever."""
        return self._loop

    @loop.setter
    def loop(self, loop: bool) -> None:
        self._loop = bool(loop)

    @property
    def paused(self) -> bool:
        """True while the source holds its packets (see :meth:`allow_frames`)."""
        return self._paused

    def pause(self) -> None:
        """Hold the stream where it is: nothing more goes out, no time is lost."""
        with self._cond:
            self._paused = True

    def resume(self) -> None:
        """Play again from where the stream was held."""
        with self._cond:
            self._paused = False
            self._credits = 0
            self._anchor = None
            self._cond.notify_all()

    def allow_frames(self, count: int = 1) -> None:
        """While paused, let packets out until ``count`` more APS frames have gone."""
        with self._cond:
            self._credits += count
            self._cond.notify_all()

    @property
    def position_us(self) -> int:
        """File time (us from the start of the file) at the end of the last packet out."""
        return self._position_us

    def release(self, stream_us: int, frames: int, position_us: int,
                closed: threading.Event) -> bool:
        """Block until the packet ending at ``stream_us`` may go out; False once ``closed``.

        Args:
            stream_us: the packet's watermark (continuous stream time).
            frames: APS frames the packet carries (they use up allowed frames when paused).
            position_us: the packet's end in file time, for the position display.
            closed: the source's close event.
        """
        with self._cond:
            while not closed.is_set():
                if self._paused:
                    if self._credits > 0:
                        self._credits -= min(frames, self._credits)
                        break
                    self._cond.wait(POLL_S)
                    continue
                now = time.monotonic()
                if self._speed is None or self._anchor is None:
                    self._anchor = (now, stream_us)
                    break
                due = self._anchor[0] + (stream_us - self._anchor[1]) / (1e6 * self._speed)
                if due <= now:
                    break
                self._cond.wait(min(due - now, POLL_S))
            else:
                return False
            if self._paused or self._speed is None:
                self._anchor = None  # resuming (or slowing down) starts from this packet
            self._position_us = position_us
            return True
