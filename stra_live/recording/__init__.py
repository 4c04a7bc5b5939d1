"""Session recording: raw input and deblurred frames to AEDAT4, and a side-by-side MP4.

The names below load their module on first use (PEP 562), so that importing
``stra_live.recording.config`` (the engine's configuration does) does not load
the recorder and, through it, dv-processing.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "RecordConfig": "config",
    "default_folder": "config",
    "DEBLURRED_STREAM": "recorder",
    "RecorderConfig": "recorder",
    "RecordingSummary": "recorder",
    "SessionRecorder": "recorder",
    "SideBySideVideo": "video",
    "side_by_side": "video",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """The public name ``name``, imported from its module when first asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
