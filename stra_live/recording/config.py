"""Recording settings: the ``record`` section of ``configs/live.yaml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


def default_folder() -> Path:
    """``~/Videos/STRA Live``: absolute, and where users look for videos."""
    return Path.home() / "Videos" / "STRA Live"


@dataclass(frozen=True)
class RecordConfig:
    """Where the record button (and ``--record``) writes, and how.

    Attributes:
        folder: output folder, created if missing; files get timestamped names.
            ``~`` is expanded and a relative path is taken from the home folder,
            so recordings never land wherever the app happened to be started.
            Default: ``~/Videos/STRA Live``.
        mp4: also write a side-by-side blurry | deblurred MP4.
        compression: AEDAT4 packet compression, ``lz4`` (dv's default, about half
            the size) or ``none`` (fastest, 16 bytes per event).
        flush_interval_s: events wait at most this long in memory before they are
            written (what a crash can lose, besides a backlog); in (0, 1].
        fps: frame rate written into the MP4.
        mp4_quality: imageio-ffmpeg quality 0-10 (10 = best, largest).
        min_free_mb: stop recording when less than this is free on the disk.
        max_queue_mb: stop recording when more than this waits to be written
            (the disk, or the CPU, is too slow for the stream).
    """

    folder: Path = field(default_factory=default_folder)
    mp4: bool = True
    compression: Literal["lz4", "none"] = "lz4"
    flush_interval_s: float = 0.25
    fps: float = 25.0
    mp4_quality: float = 7.0
    min_free_mb: float = 64.0
    max_queue_mb: float = 512.0

    def __post_init__(self) -> None:
        folder = Path(self.folder).expanduser()
        if not folder.is_absolute():
            folder = Path.home() / folder
        object.__setattr__(self, "folder", folder)
        if self.compression not in ("lz4", "none"):
            raise ValueError(f"compression must be 'lz4' or 'none', got {self.compression!r}")
        if not 0 < self.flush_interval_s <= 1:
            raise ValueError(f"flush_interval_s must be in (0, 1], got {self.flush_interval_s!r}")
        for name in ("fps", "min_free_mb", "max_queue_mb"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if not 0 <= self.mp4_quality <= 10:
            raise ValueError(f"mp4_quality must be in [0, 10], got {self.mp4_quality!r}")
