"""Image quality metrics of the protocol: PSNR and SSIM on grey frames in [0, 1]."""

from __future__ import annotations

import math

import numpy as np
from skimage.metrics import structural_similarity


def psnr(gt: np.ndarray, pred: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB with data range 1.0.

    ``pred`` is clipped to [0, 1] first, as the protocol scores what a display
    would show; the mean squared error is taken in float64.

    Args:
        gt: (H, W) float ground truth in [0, 1].
        pred: (H, W) float prediction (any range).

    Returns:
        10 * log10(1 / MSE); ``inf`` when the frames are identical.
    """
    _check_pair(gt, pred)
    diff = np.clip(pred.astype(np.float64), 0.0, 1.0) - gt.astype(np.float64)
    mse = float(np.mean(diff * diff))
    if mse == 0.0:
        return math.inf
    return -10.0 * math.log10(mse)


def ssim(gt: np.ndarray, pred: np.ndarray) -> float:
    """Structural similarity of ``pred`` to ``gt`` on the full grey frame.

    Exactly ``skimage.metrics.structural_similarity(gt, pred, data_range=1.0)``
    on float64 copies (skimage's defaults: 7x7 uniform window). It does not
    clip: the runner clips every method's output to [0, 1] before scoring.

    Args:
        gt: (H, W) float ground truth in [0, 1].
        pred: (H, W) float prediction.
    """
    _check_pair(gt, pred)
    return float(
        structural_similarity(gt.astype(np.float64), pred.astype(np.float64), data_range=1.0)
    )


def _check_pair(gt: np.ndarray, pred: np.ndarray) -> None:
    if gt.ndim != 2 or gt.shape != pred.shape:
        raise ValueError(f"expected two (H, W) frames of one shape, got {gt.shape}, {pred.shape}")
