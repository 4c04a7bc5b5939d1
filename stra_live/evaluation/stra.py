"""The ``stra`` method: a STRA checkpoint run on three consecutive blurry windows.

Any checkpoint goes through the same path (full network, frames-only variant,
ablations): the checkpoint's own configuration says what it uses, and a model
without an event branch is simply not given voxel grids worth computing.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from models.checkpoint import load_checkpoint
from models.device import pick_device
from models.weights import default_weights
from stra_live.config import ConfigError
from stra_live.errors import InputError
from stra_live.evaluation.protocol import BlurWindow, window_events
from stra_live.voxel.grid import events_to_voxel

log = logging.getLogger(__name__)


class StraDeblurrer:
    """Deblur window i from windows i-1, i, i+1 and their event voxel grids.

    Args:
        checkpoint: the checkpoint file; None = the packaged paper weights.
        device: "auto" (CUDA if present, else CPU), "cpu", "cuda" or "cuda:N".

    Raises:
        InputError: the checkpoint is missing or does not load.
        ConfigError: the device is unknown or unavailable.

    Attributes:
        name: "stra".
        config: the checkpoint's model configuration (``bins``, ``use_events``...).
        device: the torch device the model runs on.
    """

    name = "stra"

    def __init__(self, checkpoint: Path | None = None, device: str = "auto") -> None:
        path = Path(checkpoint) if checkpoint is not None else default_weights("paper")
        if not path.is_file():
            hint = "" if checkpoint is not None else (
                " (the packaged paper weights are written by stra-train; pass --checkpoint)"
            )
            raise InputError(path, "no such checkpoint file" + hint)
        try:
            self.device = pick_device(device)
        except ValueError as error:
            raise ConfigError(f"device: {error}") from error
        self.model, self.config, _ = load_checkpoint(path, device=str(self.device))
        self.model.eval()
        log.info("STRA checkpoint %s on %s (%s)", path, self.device, self.config)

    def __call__(
        self, prev: BlurWindow, current: BlurWindow, nxt: BlurWindow, events: np.ndarray
    ) -> np.ndarray:
        """(H, W) float32 deblurred ``current`` (not clipped; the evaluator clips)."""
        triplet = (prev, current, nxt)
        frames = torch.from_numpy(np.stack([w.blurry for w in triplet]).astype(np.float32))
        voxels = torch.from_numpy(self._voxels(triplet, events))
        with torch.inference_mode():
            output, _ = self.model(frames[None].to(self.device), voxels[None].to(self.device))
        return output[0, 0].float().cpu().numpy()

    def _voxels(self, triplet: tuple[BlurWindow, ...], events: np.ndarray) -> np.ndarray:
        """(3, bins, H, W) float32 voxel grids of the windows' events (zeros if unused)."""
        height, width = triplet[0].resolution
        bins = self.config.bins
        if not self.config.use_events:
            return np.zeros((len(triplet), bins, height, width), np.float32)
        return np.stack([
            events_to_voxel(window_events(events, w.t_start, w.t_end), bins, height, width,
                            w.t_start, w.t_end)
            for w in triplet
        ])
