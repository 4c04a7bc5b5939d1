"""GoPro-style motion blur: the average of k consecutive sharp frames.

The exposure window of a blurred frame runs from the timestamp of its first
sharp frame to that of its last, both included (PROTOCOL.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from stra_live.events import Frame


def average_frames(images: Sequence[np.ndarray]) -> np.ndarray:
    """Mean of sharp images, accumulated in float64.

    Args:
        images: k >= 1 images, each (H, W), float in [0, 1] or uint8 (read as /255).

    Returns:
        (H, W) float32 in [0, 1].
    """
    if len(images) == 0:
        raise ValueError("cannot average zero frames")
    total = np.zeros(np.shape(images[0]), dtype=np.float64)
    for image in images:
        image = np.asarray(image)
        total += image / 255.0 if image.dtype == np.uint8 else image
    return (total / len(images)).astype(np.float32)


def blurred_frame(images: Sequence[np.ndarray], timestamps: Sequence[int]) -> Frame:
    """The blurry frame of sharp ``images`` taken at ``timestamps`` (us, increasing).

    Its ``timestamp`` is the start of the exposure, as for a DAVIS APS frame.

    Returns:
        Frame with a float32 (H, W) image, exposure [timestamps[0], timestamps[-1]].
    """
    if len(images) != len(timestamps):
        raise ValueError(f"{len(images)} images but {len(timestamps)} timestamps")
    start, end = int(timestamps[0]), int(timestamps[-1])
    return Frame(average_frames(images), timestamp=start, exposure_start=start, exposure_end=end)
