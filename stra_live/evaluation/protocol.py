"""The evaluation protocol of ``PROTOCOL.md``: which frames make a blurry window.

Two kinds of recording are scored:

* sharp high-rate frames (HQF, simulated): blur is synthesised GoPro-style by
  averaging ``k`` consecutive sharp frames; the ground truth is the middle one
  and the window's events span the first to the last averaged frame;
* EFNet-style pairs (``Recording.sharp_frames`` present): each blurry frame in
  ``frames`` comes with its ground truth, and its events are those of its own
  exposure window.

Every window holds its blurry input, its ground truth and its event window in
microseconds, both ends included. The training dataset builds its samples from
the same functions so that training and scoring never disagree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from stra_live.errors import InputError
from stra_live.event_index import EventIndex
from stra_live.events import Frame

if TYPE_CHECKING:
    from stra_live.io.recording import Recording

DEFAULT_BLUR_FRAMES = 7
"""The protocol's default blur length k (13 is also reported)."""


@dataclass(frozen=True)
class BlurWindow:
    """One blurry frame, its ground truth and its event window.

    Attributes:
        index: position i of the window in its recording (0-based).
        blurry: (H, W) float32 in [0, 1], the blurry input B_i.
        sharp: (H, W) float32 in [0, 1], the ground truth (for synthesised
            blur the middle sharp frame S_{i*k + k//2}).
        t_start: first microsecond of the exposure window (included).
        t_end: last microsecond of the exposure window (included).
        t_sharp: timestamp (us) of the ground-truth frame, the latent time an
            event-based method such as EDI reconstructs.
    """

    index: int
    blurry: np.ndarray
    sharp: np.ndarray
    t_start: int
    t_end: int
    t_sharp: int

    @property
    def resolution(self) -> tuple[int, int]:
        """(height, width) of the frames."""
        return int(self.blurry.shape[0]), int(self.blurry.shape[1])


def synthesize_windows(
    sharp_frames: Sequence[Frame], k: int, start: int = 0, source: object = "frames"
) -> list[BlurWindow]:
    """Average each run of ``k`` sharp frames into one blurry window.

    With S_j = ``sharp_frames[start + j]`` and n = (len - start) // k, window i
    averages S_j for j in [i*k, i*k + k) in float64 (uint8 / 255), keeps
    S_{i*k + k//2} as ground truth, and spans
    [timestamp(S_{i*k}), timestamp(S_{i*k + k - 1})]. Leftover frames at the
    end are dropped.

    Args:
        sharp_frames: frames in time order, all the same (H, W).
        k: blur length (frames averaged per window), >= 1.
        start: index of the first sharp frame used.
        source: names the recording in error messages.

    Returns:
        n windows with ``blurry`` and ``sharp`` (H, W) float32.
    """
    if k < 1:
        raise ValueError(f"blur length k must be >= 1, got {k}")
    if start < 0:
        raise ValueError(f"start must be >= 0, got {start}")
    frames = list(sharp_frames[start:])
    _check_frames(frames, source, "frames")
    _check_order(frames, source, "frame")
    windows = []
    for i in range(len(frames) // k):
        group = frames[i * k : (i + 1) * k]
        blurry = np.mean([f.as_float().astype(np.float64) for f in group], axis=0)
        middle = group[k // 2]
        windows.append(
            BlurWindow(
                index=i,
                blurry=blurry.astype(np.float32),
                sharp=middle.as_float(),
                t_start=int(group[0].timestamp),
                t_end=int(group[-1].timestamp),
                t_sharp=int(middle.timestamp),
            )
        )
    return windows


def paired_windows(recording: Recording) -> list[BlurWindow]:
    """Windows of an EFNet-style recording: blurry ``frames`` paired with ``sharp_frames``.

    Blurry frame i is scored against sharp frame i; its events are those of
    its exposure window [exposure_start, exposure_end], and the latent time
    is the sharp frame's timestamp. Files that store no exposure give frames
    a zero-length window; each such frame is then taken to be exposed from
    half-way after the previous frame's timestamp to half-way before the next
    one's (mirrored at the ends), so that it still sees its events.

    Raises:
        InputError: no sharp frames, unequal counts, mismatched sizes or an
            exposure window that ends before it starts.
    """
    blurry_frames = list(recording.frames)
    sharp_frames = list(recording.sharp_frames or ())
    if not sharp_frames:
        raise InputError(recording.source, "no sharp frames to pair with the blurry frames")
    if len(sharp_frames) != len(blurry_frames):
        raise InputError(
            recording.source,
            f"{len(blurry_frames)} blurry frames but {len(sharp_frames)} sharp frames",
        )
    _check_frames(blurry_frames + sharp_frames, recording.source, "blurry and sharp frames")
    _check_order(blurry_frames, recording.source, "blurry frame")
    spans = _exposures(blurry_frames, recording.source)
    return [
        BlurWindow(
            index=i,
            blurry=blurry.as_float(),
            sharp=sharp.as_float(),
            t_start=start,
            t_end=end,
            t_sharp=int(sharp.timestamp),
        )
        for i, (blurry, sharp, (start, end)) in enumerate(
            zip(blurry_frames, sharp_frames, spans, strict=True)
        )
    ]


def windows_for(recording: Recording, k: int = DEFAULT_BLUR_FRAMES) -> list[BlurWindow]:
    """The protocol's windows for ``recording``.

    EFNet-style recordings (with ``sharp_frames``) use their own blurry frames
    and ignore ``k``; all others get blur synthesised from ``frames`` with
    blur length ``k``.
    """
    if recording.sharp_frames is not None:
        return paired_windows(recording)
    return synthesize_windows(recording.frames, k, source=recording.source)


def scored_triplets(
    windows: Sequence[BlurWindow],
) -> Iterator[tuple[BlurWindow, BlurWindow, BlurWindow]]:
    """Yield (previous, current, next) for every scored window i = 1 .. n-2.

    The first and last windows only serve as neighbours, so fewer than three
    windows yield nothing.
    """
    for i in range(1, len(windows) - 1):
        yield windows[i - 1], windows[i], windows[i + 1]


def window_events(events: np.ndarray, t_start: int, t_end: int) -> np.ndarray:
    """The events with t_start <= t <= t_end, both ends included.

    Args:
        events: (N,) EVENT_DTYPE, sorted by ``t``.
        t_start: first microsecond (included).
        t_end: last microsecond (included).

    Returns:
        A read-only view into ``events`` (no copy; callers must not write to it).
    """
    # EventIndex avoids np.searchsorted's O(N) copy of the strided time column.
    return EventIndex(events).window(t_start, t_end)


def _exposures(frames: Sequence[Frame], source: object) -> list[tuple[int, int]]:
    """(start, end) exposure of each frame in us; zero-length ones span half-way to neighbours."""
    times = [int(f.timestamp) for f in frames]
    spans = []
    for i, frame in enumerate(frames):
        if frame.exposure_end < frame.exposure_start:
            raise InputError(
                source,
                f"blurry frame {i} has an exposure window that ends before it starts "
                f"({frame.exposure_start} us to {frame.exposure_end} us)",
            )
        if frame.exposure_end > frame.exposure_start or len(frames) < 2:
            spans.append((int(frame.exposure_start), int(frame.exposure_end)))
            continue
        before = times[i] - times[i - 1] if i > 0 else times[i + 1] - times[i]
        after = times[i + 1] - times[i] if i + 1 < len(times) else before
        spans.append((times[i] - before // 2, times[i] + after // 2))
    return spans


def _check_frames(frames: Sequence[Frame], source: object, what: str) -> None:
    """Raise InputError unless all frames share one 2-D shape."""
    shapes = sorted({f.image.shape for f in frames})
    if len(shapes) > 1 or (shapes and len(shapes[0]) != 2):
        raise InputError(source, f"{what} do not share one (height, width): {shapes}")


def _check_order(frames: Sequence[Frame], source: object, what: str) -> None:
    """Raise InputError if the frames' timestamps go backwards."""
    steps = np.diff(np.array([f.timestamp for f in frames], dtype=np.int64))
    if np.any(steps < 0):
        i = int(np.flatnonzero(steps < 0)[0])
        raise InputError(source, f"{what} timestamps go backwards at frame {i + 1}")
