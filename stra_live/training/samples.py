"""One training or validation sample: three blur windows, their voxels and the ground truth.

A sample is drawn exactly as the evaluation protocol scores (``PROTOCOL.md``):
windows T-1, T, T+1 of one blur length k, each window's events voxelised over
its own exposure window, and the target is the ground truth of window T. For
training, one random crop and one random horizontal flip are applied to all
of them alike.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from stra_live.errors import InputError
from stra_live.evaluation.protocol import BlurWindow, paired_windows, synthesize_windows
from stra_live.event_index import EventIndex
from stra_live.voxel.window import event_span, window_grids_of

if TYPE_CHECKING:
    from models.representation import InputRepresentation
    from stra_live.io.recording import Recording

Triplet = tuple[BlurWindow, BlurWindow, BlurWindow]
"""Windows (T-1, T, T+1) of one blur length."""


@dataclass(frozen=True)
class Sample:
    """The network's input and target for one frame.

    Attributes:
        frames: (3, H, W) float32 in [0, 1], blurry frames T-1, T, T+1.
        voxels: (3, bins, H, W) float32, each window's events over its exposure.
        target: (1, H, W) float32 in [0, 1], the ground truth of window T.
    """

    frames: np.ndarray
    voxels: np.ndarray
    target: np.ndarray


def random_triplet(recording: Recording, rng: np.random.Generator,
                   k_range: tuple[int, int], *, odd_k_only: bool = True) -> Triplet:
    """Draw three consecutive windows of ``recording`` at a random position.

    Recordings of sharp frames get a blur length k drawn uniformly from
    ``k_range`` (both ends included) and three windows of that k from a random
    first frame (only its odd values unless ``odd_k_only`` is false: see
    :attr:`stra_live.training.config.DataConfig.odd_k_only`); EFNet-style
    recordings (with ``sharp_frames``) use their own blurry frames, so k does
    not apply.

    Raises:
        InputError: the recording is too short for three windows.
    """
    if recording.sharp_frames is not None:
        count = len(recording.frames)
        if count < 3:
            raise InputError(recording.source, f"only {count} blurry frames, need 3")
        first = int(rng.integers(0, count - 2))
        # A frame's exposure may be inferred from its neighbours' timestamps, so
        # keep one frame of context on each side to get the protocol's windows.
        lo, hi = max(0, first - 1), min(count, first + 4)
        part = dataclasses.replace(
            recording,
            frames=tuple(recording.frames[lo:hi]),
            sharp_frames=tuple(recording.sharp_frames[lo:hi]),
        )
        windows = paired_windows(part)[first - lo:first - lo + 3]
    else:
        if odd_k_only:
            k = int(rng.choice([k for k in range(k_range[0], k_range[1] + 1) if k % 2]))
        else:
            k = int(rng.integers(k_range[0], k_range[1] + 1))
        count = len(recording.frames)
        if count < 3 * k:
            raise InputError(
                recording.source, f"only {count} sharp frames, need {3 * k} for blur length {k}"
            )
        first = int(rng.integers(0, count - 3 * k + 1))
        windows = synthesize_windows(
            recording.frames[first:first + 3 * k], k, source=recording.source
        )
    return windows[0], windows[1], windows[2]


def triplet_sample(triplet: Triplet, events: EventIndex,
                   representation: InputRepresentation) -> Sample:
    """Stack a triplet's frames, grid its events and take window T's ground truth.

    Args:
        triplet: windows T-1, T, T+1, all (H, W).
        events: the whole recording's events (sorted by ``t``), indexed by time.
        representation: the network's input (its raw grids are built here).

    Returns:
        The full-frame sample: frames (3, H, W), voxels (3, raw_channels, H, W)
        (the raw window grids), target (1, H, W).
    """
    height, width = triplet[1].resolution
    voxels = np.stack([
        window_grids_of(representation, events.window(*event_span(representation, w.t_start,
                                                                  w.t_end)),
                        w.t_start, w.t_end, (height, width))
        for w in triplet
    ])
    frames = np.stack([w.blurry for w in triplet]).astype(np.float32, copy=False)
    target = triplet[1].sharp[None].astype(np.float32, copy=False)
    return Sample(frames=frames, voxels=voxels.astype(np.float32, copy=False), target=target)


def augment(sample: Sample, rng: np.random.Generator, crop: int, hflip: bool,
            source: object = "sample") -> Sample:
    """Cut one random ``crop`` x ``crop`` patch from all arrays, then maybe mirror it.

    The same patch and the same flip apply to frames, voxels and target, so
    events stay aligned with the pixels they fired on (mirroring a voxel grid
    along x is the same as mirroring the events' x; polarity is unchanged).

    Raises:
        InputError: the frames are smaller than the crop.
    """
    height, width = sample.target.shape[-2:]
    if crop > height or crop > width:
        raise InputError(source, f"frames of {width}x{height} are smaller than the {crop} crop")
    y0 = int(rng.integers(0, height - crop + 1))
    x0 = int(rng.integers(0, width - crop + 1))
    flip = hflip and bool(rng.integers(0, 2))

    def cut(array: np.ndarray) -> np.ndarray:
        patch = array[..., y0:y0 + crop, x0:x0 + crop]
        if flip:
            patch = patch[..., ::-1]
        return np.ascontiguousarray(patch, dtype=np.float32)

    return Sample(frames=cut(sample.frames), voxels=cut(sample.voxels), target=cut(sample.target))
