"""Typed settings of ``stra-eval``, loaded from ``configs/eval.yaml`` at the CLI edge."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from stra_live.evaluation.edi import DEFAULT_CONTRAST
from stra_live.evaluation.protocol import DEFAULT_BLUR_FRAMES


@dataclass(frozen=True)
class EvalConfig:
    """How ``stra-eval`` scores a method.

    Attributes:
        method: "stra" (the network), "edi" (Event Double Integral at
            ``contrast_threshold``), "edi_best" (EDI with each file's best
            contrast, chosen against the ground truth: an oracle), "edi_ramp"
            (EDI with each event's step ramped, the ramped network's base
            input) or "blurry" (the input itself).
        blur_frames: k, sharp frames averaged per blurry frame (protocol: 7,
            also 13); files with their own blurry frames ignore it.
        contrast_threshold: EDI's contrast threshold c (log intensity per event).
        checkpoint: STRA checkpoint (full model, frames-only variant or
            ablation); None = the weights the app runs
            (:func:`stra_live.engine.runtime.default_checkpoint`, the same on
            every device).
        device: torch device for STRA: "auto", "cpu", "cuda" or "cuda:N".
    """

    method: Literal["stra", "edi", "edi_best", "edi_ramp", "blurry"] = "stra"
    blur_frames: int = DEFAULT_BLUR_FRAMES
    contrast_threshold: float = DEFAULT_CONTRAST
    checkpoint: Path | None = None
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.blur_frames < 1:
            raise ValueError(f"blur_frames: must be >= 1, got {self.blur_frames}")
        if not self.contrast_threshold > 0:
            raise ValueError(f"contrast_threshold: must be > 0, got {self.contrast_threshold}")
        if not self.device:
            raise ValueError("device: must not be empty")
