"""The side-by-side MP4 of a recording session: grey blurry input | deblurred output.

Frames go to ffmpeg through imageio-ffmpeg's ``write_frames`` generator as
grey bytes; ffmpeg encodes H.264 in yuv420p, which needs even dimensions, so
the picture is padded by one black row/column when needed (never rescaled).
The MP4 is fragmented (``frag_keyframe+empty_moov``): a session cut off by a
crash still plays up to its last fragment instead of missing its index.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import imageio_ffmpeg
import numpy as np

FFMPEG_OPTIONS = ["-movflags", "+frag_keyframe+empty_moov", "-preset", "ultrafast",
                  "-threads", "1"]
"""ffmpeg output options: a fragmented MP4 is playable without a final index (a crash
leaves a readable file). x264's default "medium" preset took 1.19 CPU-s for 213 frames
of 480x180 here, "veryfast" 0.44 s (same size), "ultrafast" 0.26 s (3x the size, still
about 40 KB/s of side-by-side video): CPU the live network needs more than the preview
video needs bytes. ffmpeg is a separate process, so its cost shows in no thread of the
app's; one thread keeps it from spreading over both cores."""


def to_grey_uint8(image: np.ndarray | None, resolution: tuple[int, int]) -> np.ndarray:
    """(H, W) uint8 from a float [0, 1] or uint8 image; black when None.

    Raises:
        ValueError: the image is not (H, W) of ``resolution``.
    """
    if image is None:
        return np.zeros(resolution, dtype=np.uint8)
    if image.shape != tuple(resolution):
        raise ValueError(f"image has shape {image.shape}, expected {tuple(resolution)}")
    if image.dtype == np.uint8:
        return image
    # fmax/fmin skip NaN (NaN and -inf -> 0, +inf -> 1): one pass each, no copies.
    scaled = np.fmax(image, 0.0, dtype=np.float32)
    np.fmin(scaled, 1.0, out=scaled)
    scaled *= 255.0
    return np.rint(scaled, out=scaled).astype(np.uint8)


def side_by_side(blurry: np.ndarray | None, deblurred: np.ndarray,
                 resolution: tuple[int, int]) -> np.ndarray:
    """(H', 2W') uint8: blurry on the left, deblurred on the right, padded to even sizes.

    Args:
        blurry: (H, W) float32 in [0, 1] or uint8; None draws black.
        deblurred: (H, W) float32 in [0, 1] or uint8.
        resolution: (H, W).
    """
    height, width = resolution
    canvas = np.zeros((height + height % 2, 2 * width + (2 * width) % 2), dtype=np.uint8)
    canvas[:height, :width] = to_grey_uint8(blurry, resolution)
    canvas[:height, width:2 * width] = to_grey_uint8(deblurred, resolution)
    return canvas


class SideBySideVideo:
    """Streams side-by-side frames into an MP4 file.

    Args:
        path: the ``.mp4`` to create.
        resolution: (H, W) of one image; the video is (H', 2W') after padding.
        fps: frame rate written in the file.
        quality: imageio-ffmpeg quality, 0-10 (10 = best).

    Raises:
        OSError: ffmpeg cannot be started or cannot write ``path``.
    """

    def __init__(self, path: str | Path, resolution: tuple[int, int], fps: float = 25.0,
                 quality: float = 7.0) -> None:
        self.path = Path(path)
        self.resolution = (int(resolution[0]), int(resolution[1]))
        shape = side_by_side(None, np.zeros(self.resolution, np.uint8), self.resolution).shape
        self.frames_written = 0
        self._writer: Generator[None, bytes, None] | None = imageio_ffmpeg.write_frames(
            str(self.path), (shape[1], shape[0]), pix_fmt_in="gray", fps=fps, quality=quality,
            macro_block_size=1, ffmpeg_log_level="error", output_params=FFMPEG_OPTIONS)
        self._writer.send(None)  # starts ffmpeg

    def write(self, blurry: np.ndarray | None, deblurred: np.ndarray) -> None:
        """Append one frame (see :func:`side_by_side`).

        Raises:
            OSError: ffmpeg failed (e.g. the disk is full); its message is included.
        """
        if self._writer is None:
            raise ValueError(f"{self.path}: video already closed")
        self._writer.send(side_by_side(blurry, deblurred, self.resolution).tobytes())
        self.frames_written += 1

    def close(self) -> None:
        """Let ffmpeg finish the file and wait for it. Safe to call twice."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
