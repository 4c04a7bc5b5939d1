"""Record a live session: raw input and deblurred frames to AEDAT4, optionally a side-by-side MP4.

Files, in the chosen folder, named after the start time (``stra_2026-11-25_17-03-12``):

* ``<stem>.aedat4``: streams ``events`` and ``frames`` (the raw input, as the
  camera gave it) and ``deblurred`` (one frame per result, stamped with the
  blurry frame's timestamp and a 1 us exposure). ``read_aedat4(path)`` gives
  the raw recording, ``read_aedat4(path, frame_stream="deblurred")`` the outputs.
* ``<stem>_side_by_side.mp4`` (optional): grey blurry | deblurred.

Threading: :meth:`SessionRecorder.write_packet` and :meth:`~SessionRecorder.write_result`
may be called from any thread; they only queue the data. One thread writes
the AEDAT4 file, another feeds ffmpeg, so neither the caller nor the file
waits for the video encoder. :meth:`~SessionRecorder.request_stop` returns at
once (the GUI thread never waits); the threads write everything queued, close
the files and report through ``on_finished``.

Nothing is dropped, and nothing is converted event by event: events are
packed from the packet's arrays at NumPy speed straight into dv's layout,
frames that came from dv are written from their ``dv.Frame``
(:mod:`stra_live.recording.session_file`). Events are gathered for at most
``flush_interval_s`` and then written in one packet, so a ``kill -9`` loses at
most that much (plus any backlog) of what the recorder was given.

Failures never raise from ``write_*``: the first problem stops the recording,
closes the files so that everything written so far stays readable, and is
reported once through ``on_error`` and in :attr:`RecordingSummary.error`. The
message says which: the disk is full (less than ``min_free_mb`` left, or a
write failed with ENOSPC), the disk is too slow, or the CPU is too busy
(more than ``max_queue_mb`` waiting, and where the writer's time went).
"""

from __future__ import annotations

import errno
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from stra_live.io.aedat4_writer import DEBLURRED_STREAM, Aedat4Writer
from stra_live.recording.config import RecordConfig
from stra_live.recording.mp4_thread import VideoThread
from stra_live.recording.priority import lower_this_thread
from stra_live.recording.session_file import SessionFile
from stra_live.recording.summary import (
    RecordingSummary,
    describe_error,
    file_size,
    free_disk_bytes,
    session_stem,
)
from stra_live.recording.video import SideBySideVideo
from stra_live.sources.base import Packet

log = logging.getLogger(__name__)


RecorderConfig = RecordConfig
"""The recorder's settings are the ``record`` section of ``configs/live.yaml``."""

_MIB = 1 << 20


@dataclass(frozen=True)
class _Result:
    timestamp: int
    deblurred: np.ndarray
    blurry: np.ndarray | None


class SessionRecorder:
    """Records packets and results of a live session (see the module docstring).

    Args:
        folder: created if missing.
        resolution: sensor (height, width).
        record_mp4: also write the side-by-side MP4.
        with_frames: the source has APS frames (else events only, no deblurred stream).
        config: compression, flush interval, frame rate, disk and queue limits.
        on_error: called once, from a recording thread, with the message that
            stopped the recording.
        on_finished: called once, from a recording thread, with the final
            summary when the files are closed.
        started: names the files (default: now).
        free_bytes, open_aedat4, open_video: replaceable for tests.

    Raises:
        OSError: the folder cannot be created, or its disk is already nearly full.
        InputError: the AEDAT4 file cannot be created.
    """

    def __init__(self, folder: str | Path, resolution: tuple[int, int], record_mp4: bool = True,
                 *, with_frames: bool = True, config: RecordConfig | None = None,
                 on_error: Callable[[str], None] | None = None,
                 on_finished: Callable[[RecordingSummary], None] | None = None,
                 started: datetime | None = None,
                 free_bytes: Callable[[Path], int] = free_disk_bytes,
                 open_aedat4: Callable[..., Aedat4Writer] = Aedat4Writer,
                 open_video: Callable[..., SideBySideVideo] = SideBySideVideo) -> None:
        self.config = config or RecordConfig()
        self.folder = Path(folder)
        self.resolution = (int(resolution[0]), int(resolution[1]))
        self._on_error = on_error
        self._on_finished = on_finished
        self._free_bytes = free_bytes
        self.folder.mkdir(parents=True, exist_ok=True)
        self._check_space()
        stem = session_stem(self.folder, started or datetime.now())
        self.aedat4_path = self.folder / f"{stem}.aedat4"
        self.video_path = self.folder / f"{stem}_side_by_side.mp4" if record_mp4 else None
        streams = (DEBLURRED_STREAM,) if with_frames else ()
        writer = open_aedat4(
            self.aedat4_path, self.resolution, with_frames=with_frames,
            extra_frame_streams=streams, compression=self.config.compression,
            thread_setup=lower_this_thread)
        self._file = SessionFile(writer, self.resolution, self._check_space)
        self._video: VideoThread | None = None
        if self.video_path is not None:
            try:
                video = open_video(self.video_path, self.resolution, fps=self.config.fps,
                                   quality=self.config.mp4_quality)
            except BaseException:
                writer.close()
                raise
            self._video = VideoThread(video, self.resolution, self._fail)
        self._error: str | None = None
        self._accepting = True
        self._finished = threading.Event()
        self._pending_bytes = 0
        self._pending_items = 0
        self._queued_bytes = 0
        self._busy_s = 0.0
        self._started = time.monotonic()
        self._lock = threading.Condition()
        self._queue: queue.SimpleQueue[tuple[Packet | _Result, int] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="stra-recorder", daemon=True)
        self._thread.start()
        log.info("recording into %s", self.aedat4_path)

    @property
    def error(self) -> str | None:
        """Why the recording stopped early, or None."""
        return self._error

    @property
    def finished(self) -> bool:
        """True once the files are closed (after a stop or a failure)."""
        return self._finished.is_set()

    def write_packet(self, packet: Packet) -> None:
        """Queue a raw input packet (its arrays are kept, not copied: packets are immutable)."""
        nbytes = packet.events.nbytes + sum(frame.image.nbytes for frame in packet.frames)
        self._enqueue(packet, nbytes)

    def write_result(self, timestamp: int, deblurred: np.ndarray,
                     blurry: np.ndarray | None = None) -> None:
        """Queue one deblurred frame (copied).

        Args:
            timestamp: us; the blurry frame's timestamp, to pair it with the raw frame.
            deblurred: (H, W) float32 in [0, 1] (or uint8).
            blurry: (H, W) float32 in [0, 1] or uint8, the input frame, for the MP4.

        Raises:
            ValueError: an image is not (H, W) of the recorder's resolution.
        """
        for name, image in (("deblurred", deblurred), ("blurry", blurry)):
            if image is not None and image.shape != self.resolution:
                raise ValueError(f"{name} has shape {image.shape}, expected {self.resolution}")
        item = _Result(int(timestamp), np.array(deblurred, copy=True),
                       None if blurry is None else np.array(blurry, copy=True))
        self._enqueue(item, item.deblurred.nbytes + (0 if blurry is None else blurry.nbytes))

    def wait_until_written(self, timeout: float | None = None) -> bool:
        """Wait until everything queued is in the files (or ffmpeg); False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            if not self._lock.wait_for(lambda: self._pending_items == 0, timeout):
                return False
        left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        return self._video is None or self._video.wait_idle(left)

    def request_stop(self) -> None:
        """Stop taking data and let the threads finish the files; returns at once."""
        with self._lock:
            self._stop_accepting()

    def stop(self, timeout: float | None = None) -> RecordingSummary:
        """Write what is queued, close the files and return the summary. Safe to call twice.

        Args:
            timeout: seconds to wait for the writers; None waits until they are done.
        """
        self.request_stop()
        if not self._finished.wait(timeout):
            log.warning("recorder still writing after %s s", timeout)
        return self.summary()

    def summary(self) -> RecordingSummary:
        """The figures so far (final once :attr:`finished`); cheap, never waits."""
        paths = tuple(p for p in (self.aedat4_path, self.video_path) if p is not None)
        file = self._file
        size = file_size(self.aedat4_path) if file.closed else file.writer.bytes_written
        span, counts = file.span, file.counts
        duration = (span[1] - span[0]) / 1e6 if len(span) == 2 else 0.0
        return RecordingSummary(
            paths=paths, events_written=counts["events"], frames_written=counts["frames"],
            deblurred_written=counts["deblurred"],
            video_frames_written=self._video.frames_written if self._video else 0,
            results_skipped=counts["skipped"], error=self._error, bytes_written=size,
            duration_s=duration, finished=self._finished.is_set())

    # --- queueing (caller threads) ---------------------------------------------------
    def _enqueue(self, item: Packet | _Result, nbytes: int) -> None:
        with self._lock:
            if not self._accepting:
                return
            if self._pending_bytes + nbytes > self.config.max_queue_mb * _MIB:
                # Keep what is queued (it gets written), refuse the rest: never a silent hole.
                self._stop_accepting()
                overflow = self._too_slow_message()
            else:
                self._pending_bytes += nbytes
                self._queued_bytes += nbytes
                self._pending_items += 1
                self._queue.put((item, nbytes))
                return
        self._fail(overflow)

    def _too_slow_message(self) -> str:
        """Which of disk and CPU could not keep up (call with the lock held)."""
        elapsed = max(time.monotonic() - self._started, 1e-3)
        incoming = self._queued_bytes / elapsed / _MIB
        waiting = f"{self.config.max_queue_mb:g} MiB waiting to be written"
        writer = self._file.writer
        io_s = 0.0 if self._file.closed else writer.io_seconds
        if io_s > 0.5 * self._busy_s:
            rate = writer.bytes_written / io_s / _MIB
            return (f"recording stopped: the disk is too slow ({waiting}; it writes "
                    f"{rate:.1f} MiB/s, the stream brings {incoming:.1f} MiB/s)")
        return (f"recording stopped: the CPU is too busy to encode the stream ({waiting}; "
                f"the stream brings {incoming:.1f} MiB/s)")

    def _stop_accepting(self) -> None:
        """Refuse further items and tell the writer threads to finish (call with the lock held)."""
        if self._accepting:
            self._accepting = False
            self._queue.put(None)

    def _release(self, nbytes: int) -> None:
        with self._lock:
            self._pending_bytes -= nbytes
            self._pending_items -= 1
            self._lock.notify_all()

    # --- the AEDAT4 thread -----------------------------------------------------------
    def _run(self) -> None:
        lower_this_thread()
        while True:
            try:
                entry = self._queue.get(timeout=self._flush_due())
            except queue.Empty:
                continue  # the batch is due: the next _flush_due writes it
            # Checked on every item too: a queue that is never empty (a busy stream, a
            # slow disk) must not hold the events past the bound.
            self._flush_due()
            if entry is None:
                break
            item, nbytes = entry
            begun = time.monotonic()
            self._guarded(lambda file, item=item: self._write(file, item))
            self._busy_s += time.monotonic() - begun
            self._release(nbytes)
        self._guarded(SessionFile.flush_events)
        self._close_files()
        if self._video is not None:
            self._video.finish()  # ffmpeg writes what it was given, then the MP4 is closed
        self._finished.set()
        log.info("recording finished: %s", self.summary())
        if self._on_finished is not None:
            self._on_finished(self.summary())

    def _flush_due(self) -> float | None:
        """Flush the event batch if it is due; else seconds until it is (None: no batch)."""
        file = self._file
        if file.closed or not file.has_batch:
            return None
        remaining = file.batch_since + self.config.flush_interval_s - time.monotonic()
        if remaining > 0:
            return remaining
        self._guarded(SessionFile.flush_events)
        return None

    def _guarded(self, action: Callable[[SessionFile], None]) -> None:
        file = self._file
        if file.closed:  # a failure closed the files
            return
        try:
            action(file)
        except Exception as error:  # the writer thread must never die silently
            self._fail(f"recording stopped: {describe_error(error)}")
            self._close_files()  # the writer may be broken: keep what is on disk as it is

    def _write(self, file: SessionFile, item: Packet | _Result) -> None:
        if isinstance(item, Packet):
            file.write_packet(item)
        elif file.write_result(item.timestamp, item.deblurred) and self._video is not None:
            self._video.put(item.blurry, item.deblurred)

    def _check_space(self) -> None:
        free = self._free_bytes(self.folder)
        if free < self.config.min_free_mb * _MIB:
            raise OSError(errno.ENOSPC, f"disk full: {free / _MIB:.0f} MiB left in "
                                        f"{self.folder} (recording needs at least "
                                        f"{self.config.min_free_mb:g} MiB free)")

    def _fail(self, message: str) -> None:
        """Record the first failure and stop taking data (any thread).

        Only the AEDAT4 thread touches the AEDAT4 file: it writes what is
        queued and closes the file, so a failure elsewhere (a caller's
        overflow, ffmpeg) never races with a write.
        """
        with self._lock:
            if self._error is not None:
                return
            self._error = message
            self._stop_accepting()
        log.error("%s: %s", self.aedat4_path, message)
        if self._on_error is not None:
            self._on_error(message)

    def _close_files(self) -> None:
        """Finish both files; failures while closing are logged (the data is already out)."""
        try:
            self._file.close()
        except Exception as error:
            log.error("closing the AEDAT4 file failed: %s", describe_error(error))

