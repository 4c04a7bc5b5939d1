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

from models.attention_stats import row_figures
from stra_live.config import ConfigError
from stra_live.engine.runtime import ModelRuntime
from stra_live.errors import InputError
from stra_live.evaluation.protocol import BlurWindow, window_events
from stra_live.voxel.window import event_span, window_grids_of

if TYPE_CHECKING:
    from models.encodings import AttentionWeights

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
        self._figures: dict[str, list[float]] = {}

    def __call__(
        self, prev: BlurWindow, current: BlurWindow, nxt: BlurWindow, events: np.ndarray
    ) -> np.ndarray:
        """(H, W) float32 deblurred ``current``, in [0, 1]; records its attention figures."""
        triplet = (prev, current, nxt)
        frames = np.stack([w.blurry for w in triplet]).astype(np.float32)
        image, weights = self.runtime.forward_with_attention(frames, self._voxels(triplet, events))
        if weights is not None:
            self._record(weights)
        return image

    def attention_summary(self) -> dict[str, float]:
        """Mean attention figures over every query position of every frame scored so far.

        ``sfb_max_over_uniform`` / ``sfb_relative_entropy`` (and the same for
        the TMB over all its memory entries): 1 / 1 for a map that ignores its
        query (see :mod:`models.attention_stats`). Empty without attention.
        """
        return {name: float(np.mean(values)) for name, values in self._figures.items() if values}

    def _record(self, weights: AttentionWeights) -> None:
        maps = {"sfb": weights.sfb, "tmb": weights.tmb}
        for block, tensor in maps.items():
            if tensor is None or tensor.numel() == 0:
                continue
            rows = tensor[0].float().flatten(1).cpu().numpy()  # (Nq, keys): one map per query
            peak, entropy = row_figures(rows)
            self._figures.setdefault(f"{block}_max_over_uniform", []).append(float(np.mean(peak)))
            self._figures.setdefault(f"{block}_relative_entropy", []).append(
                float(np.mean(entropy)))

    def _voxels(self, triplet: tuple[BlurWindow, ...], events: np.ndarray) -> np.ndarray:
        """(3, raw_channels, H, W) float32 raw grids of the windows' events (zeros if unused)."""
        height, width = triplet[0].resolution
        representation = self.runtime.config.representation
        if not self.runtime.uses_events:
            return np.zeros((len(triplet), representation.raw_channels, height, width),
                            np.float32)
        return np.stack([
            window_grids_of(representation,
                            window_events(events, *event_span(representation, w.t_start,
                                                              w.t_end)),
                            w.t_start, w.t_end, (height, width))
            for w in triplet
        ])
