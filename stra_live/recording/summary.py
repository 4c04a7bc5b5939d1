"""What a recording left on disk, where its files go, and one-line failure messages."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class RecordingSummary:
    """What a recording left on disk.

    Attributes:
        paths: the files created (AEDAT4 first, then the MP4 if any).
        events_written: raw events written to the AEDAT4 file.
        frames_written: raw APS frames written to it.
        deblurred_written: deblurred frames written to it.
        video_frames_written: frames encoded into the MP4.
        results_skipped: results dropped for arriving out of time order.
        error: why the recording stopped early, or None.
        bytes_written: size of the AEDAT4 file.
        duration_s: stream time covered by what was written (first to last timestamp).
        finished: True once the files are closed.
    """

    paths: tuple[Path, ...]
    events_written: int = 0
    frames_written: int = 0
    deblurred_written: int = 0
    video_frames_written: int = 0
    results_skipped: int = 0
    error: str | None = None
    bytes_written: int = 0
    duration_s: float = 0.0
    finished: bool = False


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


def file_size(path: Path) -> int:
    """Size of ``path`` in bytes, 0 if it cannot be read."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def describe_error(error: BaseException) -> str:
    """One line for the user: the OS error text, or the first line of the message."""
    if isinstance(error, OSError) and error.errno == errno.ENOSPC and \
            not str(error.strerror).startswith("disk full"):
        return f"disk full: {error.strerror}"
    if isinstance(error, OSError) and error.strerror:
        detail = f": {error.filename}" if error.filename else ""
        return f"{error.strerror}{detail}"
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
