"""Session recording: raw input and deblurred frames to AEDAT4, and a side-by-side MP4."""

from stra_live.recording.config import RecordConfig, default_folder
from stra_live.recording.recorder import (
    DEBLURRED_STREAM,
    RecorderConfig,
    RecordingSummary,
    SessionRecorder,
)
from stra_live.recording.video import SideBySideVideo, side_by_side

__all__ = [
    "DEBLURRED_STREAM",
    "RecordConfig",
    "RecorderConfig",
    "RecordingSummary",
    "SessionRecorder",
    "SideBySideVideo",
    "default_folder",
    "side_by_side",
]
