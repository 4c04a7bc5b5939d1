"""The ``stra`` method: a STRA checkpoint run on three consecutive blurry windows.

It runs through :class:`stra_live.engine.runtime.ModelRuntime`, the one
inference object of the project, so evaluation sees exactly what the app
runs: the same device choice, precision, input representation and, without
``--checkpoint``, the same shipped weights for the device.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from stra_live.config import ConfigError
from stra_live.engine.runtime import ModelRuntime
from stra_live.errors import InputError
from stra_live.evaluation.protocol import BlurWindow, window_events
from stra_live.voxel.grid import events_to_voxel

if TYPE_CHECKING:
    from models.config import ModelConfig

log = logging.getLogger(__name__)


class StraDeblurrer:
    """Deblur window i from windows i-1, i, i+1 and their events.

    Args:
        checkpoint: the checkpoint file; None = the weights the app uses on the device.
        device: "auto" (CUDA if present, else CPU), "cpu", "cuda" or "cuda:N".

    Raises:
        InputError: the checkpoint is missing or does not load.
        ConfigError: the device is unknown or unavailable.

    Attributes:
        name: "stra".
        runtime: the network on its device.
    """

    name = "stra"

    def __init__(self, checkpoint: Path | None = None, device: str = "auto") -> None:
        if checkpoint is not None and not Path(checkpoint).is_file():
            raise InputError(checkpoint, "no such checkpoint file")
        try:
            self.runtime = ModelRuntime.load(checkpoint, device)
        except ValueError as error:
            if isinstance(error, InputError):
                raise
            raise ConfigError(f"device: {error}") from error
        log.info("STRA on %s (%s)", self.runtime.label, self.runtime.config)

    @property
    def config(self) -> ModelConfig:
        """The checkpoint's model configuration."""
        return self.runtime.config

    def __call__(
        self, prev: BlurWindow, current: BlurWindow, nxt: BlurWindow, events: np.ndarray
    ) -> np.ndarray:
        """(H, W) float32 deblurred ``current``, in [0, 1]."""
        triplet = (prev, current, nxt)
        frames = np.stack([w.blurry for w in triplet]).astype(np.float32)
        return self.runtime.forward(frames, self._voxels(triplet, events))

    def _voxels(self, triplet: tuple[BlurWindow, ...], events: np.ndarray) -> np.ndarray:
        """(3, bins, H, W) float32 raw voxel grids of the windows' events (zeros if unused)."""
        height, width = triplet[0].resolution
        bins = self.runtime.config.bins
        if not self.runtime.uses_events:
            return np.zeros((len(triplet), bins, height, width), np.float32)
        return np.stack([
            events_to_voxel(window_events(events, w.t_start, w.t_end), bins, height, width,
                            w.t_start, w.t_end)
            for w in triplet
        ])
