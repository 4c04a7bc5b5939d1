"""An in-memory recording: everything one file holds, in the project's own types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from stra_live.errors import InputError
from stra_live.events import Frame


@dataclass(frozen=True)
class Recording:
    """Events and frames of one recording, already converted and validated.

    Attributes:
        source: the file (or stream) the data came from, for messages.
        resolution: sensor (height, width).
        events: (N,) EVENT_DTYPE, sorted by ``t`` (microseconds).
        frames: APS frames in timestamp order; each image is (height, width).
        sharp_frames: EFNet-style ground truth from ``sharp_images/``, one per
            blurry frame, or None when the file has none.
    """

    source: str
    resolution: tuple[int, int]
    events: np.ndarray
    frames: tuple[Frame, ...]
    sharp_frames: tuple[Frame, ...] | None = None


def validate_frames(frames: Sequence[Frame], resolution: tuple[int, int], source: object,
                    what: str = "frames") -> None:
    """Raise :class:`InputError` unless ``frames`` fit ``resolution`` and are in time order.

    Each image must be (height, width) and its exposure window must not end
    before it starts; timestamps must not go backwards. ``what`` names the
    stream in the message (``frames``, ``sharp_images``, ``deblurred``...).
    """
    previous = None
    for index, frame in enumerate(frames):
        if frame.image.ndim != 2 or frame.resolution != tuple(resolution):
            raise InputError(
                source,
                f"{what}[{index}] has shape {frame.image.shape}, expected {tuple(resolution)}",
            )
        if frame.exposure_end < frame.exposure_start:
            raise InputError(
                source,
                f"{what}[{index}] exposure ends ({frame.exposure_end} us) "
                f"before it starts ({frame.exposure_start} us)",
            )
        if previous is not None and frame.timestamp < previous:
            raise InputError(
                source,
                f"{what} timestamps go backwards at index {index} "
                f"({previous} us then {frame.timestamp} us)",
            )
        previous = frame.timestamp
