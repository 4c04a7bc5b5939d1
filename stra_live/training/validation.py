"""Validation during training: PSNR and SSIM on full frames of the validation sequences.

Scored exactly as ``PROTOCOL.md`` (fixed blur length, windows i = 1 .. n-2,
output clipped to [0, 1]), only on fewer windows when ``val_windows`` caps
them, so a validation stays short on a CPU.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from models.stra import STRA
from stra_live.engine.runtime import ModelRuntime
from stra_live.errors import InputError
from stra_live.evaluation.metrics import psnr, ssim
from stra_live.evaluation.protocol import scored_triplets, windows_for
from stra_live.event_index import EventIndex
from stra_live.io.recording import Recording
from stra_live.training.samples import Triplet, triplet_sample

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ValidationResult:
    """Mean scores over every scored window of every validation sequence.

    Attributes:
        psnr: mean PSNR in dB.
        ssim: mean SSIM.
        windows: number of windows scored.
        preview: (H, 3W) float32 in [0, 1]: blurry | output | sharp of the
            first scored window, for TensorBoard.
    """

    psnr: float
    ssim: float
    windows: int
    preview: np.ndarray


def spread(items: Sequence[Triplet], limit: int) -> list[Triplet]:
    """At most ``limit`` items evenly spread over ``items`` (all of them if limit is 0)."""
    if limit <= 0 or len(items) <= limit:
        return list(items)
    picks = np.linspace(0, len(items) - 1, limit).round().astype(int)
    return [items[i] for i in picks]


@torch.no_grad()
def validate(model: STRA, recordings: Sequence[Recording], k: int,
             max_windows: int, device: torch.device) -> ValidationResult:
    """Score ``model`` on the full frames of ``recordings`` with blur length ``k``.

    The network runs through :class:`ModelRuntime`, as in the app and in
    ``stra-eval``, so validation scores what inference will produce.

    Args:
        model: the bare network (not the DDP wrapper), any input size.
        recordings: validation sequences.
        k: blur length of the synthesised windows.
        max_windows: cap on scored windows per sequence (0 = all).
        device: where the model is.

    Raises:
        ValueError: no recording yields a scored window.
    """
    was_training = model.training
    runtime = ModelRuntime(model, device)
    psnrs: list[float] = []
    ssims: list[float] = []
    preview = None
    try:
        for recording in recordings:
            events = EventIndex(recording.events)
            triplets = spread(list(scored_triplets(windows_for(recording, k))), max_windows)
            for triplet in triplets:
                sample = triplet_sample(triplet, events, model.config.representation)
                output = runtime.forward(sample.frames, sample.voxels)
                target = sample.target[0]
                psnrs.append(psnr(target, output))
                ssims.append(ssim(target, output))
                if preview is None:
                    preview = np.concatenate([sample.frames[1], output, target], axis=1)
    finally:
        model.train(was_training)
    if preview is None:
        names = ", ".join(r.source for r in recordings) or "no sequences"
        raise InputError(names, f"no validation window with blur length {k}: too short")
    return ValidationResult(psnr=float(np.mean(psnrs)), ssim=float(np.mean(ssims)),
                            windows=len(psnrs), preview=preview.astype(np.float32))
