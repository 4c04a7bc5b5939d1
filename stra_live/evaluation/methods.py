"""The deblurring methods the evaluator scores, behind one small interface.

A method sees the scored window, its two neighbours and the recording's
events, and returns the deblurred current frame. The evaluator clips every
output to [0, 1] before scoring.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from stra_live.evaluation.edi import DEFAULT_CONTRAST, BestContrastEdi, EdiDeblurrer, RampedEdi
from stra_live.evaluation.protocol import BlurWindow

MethodName = Literal["stra", "edi", "edi_best", "edi_ramp", "blurry"]
"""Names accepted by :func:`make_deblurrer` and ``stra-eval --method``."""

METHODS: tuple[MethodName, ...] = ("stra", "edi", "edi_best", "edi_ramp", "blurry")


class Deblurrer(Protocol):
    """A deblurring method as the evaluator calls it.

    Attributes:
        name: short label for reports ("stra", "edi", "blurry").
    """

    name: str

    def __call__(
        self, prev: BlurWindow, current: BlurWindow, nxt: BlurWindow, events: np.ndarray
    ) -> np.ndarray:
        """Deblur ``current``.

        Args:
            prev, current, nxt: consecutive windows; each ``blurry`` is (H, W)
                float32 in [0, 1].
            events: (N,) EVENT_DTYPE of the whole recording, sorted by ``t``;
                a method slices the windows it needs.

        Returns:
            (H, W) float deblurred frame for ``current.t_sharp``.
        """
        ...


class BlurryInput:
    """The ``blurry`` baseline: the blurry input itself, unchanged."""

    name = "blurry"

    def __call__(
        self, prev: BlurWindow, current: BlurWindow, nxt: BlurWindow, events: np.ndarray
    ) -> np.ndarray:
        """(H, W) float32: ``current.blurry``."""
        return current.blurry


def make_deblurrer(
    name: str,
    checkpoint: Path | None = None,
    device: str = "auto",
    contrast: float = DEFAULT_CONTRAST,
) -> Deblurrer:
    """Build the method called ``name``.

    Args:
        name: one of :data:`METHODS`.
        checkpoint: STRA checkpoint (any variant: full, frames-only, ablation);
            None = the weights the app runs on that device. Ignored by the baselines.
        device: torch device for STRA ("auto", "cpu", "cuda", ...).
        contrast: EDI contrast threshold.
    """
    if name == "blurry":
        return BlurryInput()
    if name == "edi":
        return EdiDeblurrer(contrast)
    if name == "edi_best":
        return BestContrastEdi()
    if name == "edi_ramp":
        return RampedEdi(contrast)
    if name == "stra":
        # Imported here so that the baselines never pay for importing torch.
        from stra_live.evaluation.stra import StraDeblurrer

        return StraDeblurrer(checkpoint, device)
    raise ValueError(f"unknown method {name!r}; expected one of {list(METHODS)}")
