"""Record a live session: raw input and deblurred frames to AEDAT4, optionally a side-by-side MP4.

Files, in the chosen folder, named after the start time (``stra_2026-11-25_17-03-12``):

* ``<stem>.aedat4``: streams ``events`` and ``frames`` (the raw input, as the
  camera gave it) and ``deblurred`` (one frame per result, stamped with the
  blurry frame's timestamp and a 1 us exposure). ``read_aedat4(path)`` gives
  the raw recording, ``read_aedat4(path, frame_stream="deblurred")`` the outputs.
* ``<stem>_side_by_side.mp4`` (optional): grey blurry | deblurred.

Threading: :meth:`SessionRecorder.write_packet` and :meth:`~SessionRecorder.write_result`
may be called from any thread; they only queue the data, and one writer
thread does all file I/O, so the caller never waits for the disk.

Failures never raise from ``write_*``: the first problem (disk full, ffmpeg
gone, the writer falling ``max_queue_mb`` behind the stream) stops the
recording, closes the files so that everything written so far stays
readable, and is reported once through ``on_error`` and in
:attr:`RecordingSummary.error`.

Disk space: dv-processing's AEDAT4 writer writes on its own thread and, when a
write fails with ENOSPC, aborts the whole process (``std::terminate``; seen
with dv-processing 2.0.4 on a full tmpfs). So the recorder never lets the
disk get that full: before every write it checks the free space and stops at
``min_free_mb``.

Kill or crash: dv's writer keeps up to 64 KiB in memory before writing and
has no flush, so a killed process loses at most the last 64 KiB it was given;
the file's index is missing then, which ``read_aedat4`` recovers.
"""

from __future__ import annotations

import errno
import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from stra_live.events import Frame
from stra_live.io.aedat4 import Aedat4Writer
from stra_live.recording.video import SideBySideVideo
from stra_live.sources.base import Packet

log = logging.getLogger(__name__)

DEBLURRED_STREAM = "deblurred"
"""Name of the AEDAT4 frame stream holding the deblurred frames."""

_MIB = 1 << 20


@dataclass(frozen=True)
class RecorderConfig:
    """Settings of :class:`SessionRecorder`.

    Attributes:
        fps: frame rate written into the MP4.
        mp4_quality: imageio-ffmpeg quality 0-10 (10 = best, largest).
        min_free_mb: stop recording when less than this is free on the disk.
        max_queue_mb: stop recording when more than this waits to be written.
    """

    fps: float = 25.0
    mp4_quality: float = 7.0
    min_free_mb: float = 64.0
    max_queue_mb: float = 256.0

    def __post_init__(self) -> None:
        for name in ("fps", "min_free_mb", "max_queue_mb"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if not 0 <= self.mp4_quality <= 10:
            raise ValueError(f"mp4_quality must be in [0, 10], got {self.mp4_quality!r}")


@dataclass(frozen=True)
class RecordingSummary:
    """What a recording left on disk.

    Attributes:
        paths: the files created (AEDAT4 first, then the MP4 if any).
        events_written: raw events handed to the AEDAT4 writer.
        frames_written: raw APS frames handed to it.
        deblurred_written: deblurred frames handed to it.
        video_frames_written: frames encoded into the MP4.
        results_skipped: results dropped for arriving out of time order.
        error: why the recording stopped early, or None.
    """

    paths: tuple[Path, ...]
    events_written: int = 0
    frames_written: int = 0
    deblurred_written: int = 0
    video_frames_written: int = 0
    results_skipped: int = 0
    error: str | None = None


@dataclass(frozen=True)
class _Result:
    timestamp: int
    deblurred: np.ndarray
    blurry: np.ndarray | None


def free_disk_bytes(folder: Path) -> int:
    """Bytes available to this user on the file system holding ``folder``."""
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


def session_stem(folder: Path, started: datetime) -> str:
    """``stra_YYYY-mm-dd_HH-MM-SS``, with ``_2``, ``_3``... if files of that name exist."""
    base = f"stra_{started:%Y-%m-%d_%H-%M-%S}"
    stem, n = base, 1
    while any(folder.glob(f"{stem}.*")) or any(folder.glob(f"{stem}_*")):
        n += 1
        stem = f"{base}_{n}"
    return stem


class SessionRecorder:
    """Records packets and results of a live session (see the module docstring).

    Args:
        folder: created if missing.
        resolution: sensor (height, width).
        record_mp4: also write the side-by-side MP4.
        with_frames: the source has APS frames (else events only, no deblurred stream).
        config: frame rate, quality, disk and queue limits.
        on_error: called once, from a recording thread, with the message that
            stopped the recording.
        started: names the files (default: now).
        free_bytes, open_aedat4, open_video: replaceable for tests.

    Raises:
        OSError: the folder cannot be created, or its disk is already nearly full.
        InputError: the AEDAT4 file cannot be created.
    """

    def __init__(self, folder: str | Path, resolution: tuple[int, int], record_mp4: bool = True,
                 *, with_frames: bool = True, config: RecorderConfig | None = None,
                 on_error: Callable[[str], None] | None = None, started: datetime | None = None,
                 free_bytes: Callable[[Path], int] = free_disk_bytes,
                 open_aedat4: Callable[..., Aedat4Writer] = Aedat4Writer,
                 open_video: Callable[..., SideBySideVideo] = SideBySideVideo) -> None:
        self.config = config or RecorderConfig()
        self.folder = Path(folder)
        self.resolution = (int(resolution[0]), int(resolution[1]))
        self._on_error = on_error
        self._free_bytes = free_bytes
        self.folder.mkdir(parents=True, exist_ok=True)
        self._check_space()
        stem = session_stem(self.folder, started or datetime.now())
        self.aedat4_path = self.folder / f"{stem}.aedat4"
        self.video_path = self.folder / f"{stem}_side_by_side.mp4" if record_mp4 else None
        streams = (DEBLURRED_STREAM,) if with_frames else ()
        self._aedat4: Aedat4Writer | None = open_aedat4(
            self.aedat4_path, self.resolution, with_frames=with_frames, extra_frame_streams=streams)
        self._video: SideBySideVideo | None = None
        if self.video_path is not None:
            try:
                self._video = open_video(self.video_path, self.resolution, fps=self.config.fps,
                                         quality=self.config.mp4_quality)
            except BaseException:
                self._aedat4.close()
                raise
        self._counts = dict.fromkeys(("events", "frames", "deblurred", "video", "skipped"), 0)
        self._last_result_t: int | None = None
        self._error: str | None = None
        self._accepting = True
        self._pending_bytes = 0
        self._pending_items = 0
        self._lock = threading.Condition()
        self._queue: queue.SimpleQueue[tuple[Packet | _Result, int] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="stra-recorder", daemon=True)
        self._thread.start()
        log.info("recording into %s", self.aedat4_path)

    @property
    def error(self) -> str | None:
        """Why the recording stopped early, or None."""
        return self._error

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
        """Wait until everything queued has been handed to the file writers; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: self._pending_items == 0, timeout)

    def stop(self, timeout: float | None = None) -> RecordingSummary:
        """Write what is queued, close the files and return the summary. Safe to call twice.

        Args:
            timeout: seconds to wait for the writer; None waits until it is done.
        """
        with self._lock:
            self._stop_accepting()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("recorder still writing after %s s", timeout)
        return self.summary()

    def summary(self) -> RecordingSummary:
        """The figures so far (final once :meth:`stop` has returned)."""
        paths = tuple(p for p in (self.aedat4_path, self.video_path) if p is not None)
        return RecordingSummary(paths=paths, events_written=self._counts["events"],
                                frames_written=self._counts["frames"],
                                deblurred_written=self._counts["deblurred"],
                                video_frames_written=self._counts["video"],
                                results_skipped=self._counts["skipped"], error=self._error)

    def _enqueue(self, item: Packet | _Result, nbytes: int) -> None:
        with self._lock:
            if not self._accepting:
                return
            limit = self.config.max_queue_mb * _MIB
            if self._pending_bytes + nbytes > limit:
                # Keep what is queued (it gets written), refuse the rest: never a silent hole.
                self._stop_accepting()
                overflow = (f"recording stopped: the disk could not keep up (more than "
                            f"{self.config.max_queue_mb:g} MiB waiting to be written)")
            else:
                self._pending_bytes += nbytes
                self._pending_items += 1
                self._queue.put((item, nbytes))
                return
        self._fail(overflow, close=False)

    def _stop_accepting(self) -> None:
        """Refuse further items and tell the writer thread to finish (call with the lock held)."""
        if self._accepting:
            self._accepting = False
            self._queue.put(None)

    def _run(self) -> None:
        while (entry := self._queue.get()) is not None:
            item, nbytes = entry
            try:
                if self._aedat4 is not None:  # None once a failure closed the files
                    self._check_space()
                    self._write(item)
            except Exception as error:  # the writer thread must never die silently
                self._fail(f"recording stopped: {_describe(error)}", close=True)
            finally:
                with self._lock:
                    self._pending_bytes -= nbytes
                    self._pending_items -= 1
                    self._lock.notify_all()
        self._close_files()
        log.info("recording finished: %s", self.summary())

    def _write(self, item: Packet | _Result) -> None:
        aedat4 = self._aedat4
        if aedat4 is None:
            return
        if isinstance(item, Packet):
            aedat4.write_events(item.events)
            self._counts["events"] += len(item.events)
            for frame in item.frames:
                aedat4.write_frame(frame)
                self._counts["frames"] += 1
            return
        if self._last_result_t is not None and item.timestamp < self._last_result_t:
            self._counts["skipped"] += 1
            log.warning("result at %d us is older than the last recorded one; skipped",
                        item.timestamp)
            return
        self._last_result_t = item.timestamp
        if DEBLURRED_STREAM in aedat4.frame_streams:
            aedat4.write_frame(Frame(item.deblurred, item.timestamp, item.timestamp,
                                     item.timestamp), DEBLURRED_STREAM)
            self._counts["deblurred"] += 1
        if self._video is not None:
            self._video.write(item.blurry, item.deblurred)
            self._counts["video"] += 1

    def _check_space(self) -> None:
        free = self._free_bytes(self.folder)
        if free < self.config.min_free_mb * _MIB:
            raise OSError(errno.ENOSPC, f"disk nearly full: {free / _MIB:.0f} MiB left in "
                                        f"{self.folder} (recording needs at least "
                                        f"{self.config.min_free_mb:g} MiB free)")

    def _fail(self, message: str, close: bool) -> None:
        with self._lock:
            if self._error is not None:
                return
            self._error = message
            self._stop_accepting()
        log.error("%s: %s", self.aedat4_path, message)
        if close:
            self._close_files()
        if self._on_error is not None:
            self._on_error(message)

    def _close_files(self) -> None:
        """Finish both files; failures while closing are logged (the data is already out)."""
        aedat4, self._aedat4 = self._aedat4, None
        video, self._video = self._video, None
        for name, writer in (("AEDAT4", aedat4), ("MP4", video)):
            if writer is None:
                continue
            try:
                writer.close()
            except Exception as error:
                log.error("closing the %s file failed: %s", name, _describe(error))


def _describe(error: BaseException) -> str:
    """One line for the user: the OS error text, or the first line of the message."""
    if isinstance(error, OSError) and error.strerror:
        detail = f": {error.filename}" if error.filename else ""
        return f"{error.strerror}{detail}"
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
