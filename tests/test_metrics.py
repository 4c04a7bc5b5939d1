"""PSNR and SSIM: hand-computed values, clipping, and agreement with scikit-image."""

from __future__ import annotations

import math

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from stra_live.evaluation.metrics import psnr, ssim


def test_psnr_hand_values() -> None:
    gt = np.zeros((6, 8))
    assert psnr(gt, np.full_like(gt, 0.1)) == pytest.approx(20.0, abs=1e-9)
    half = gt.copy()
    half[:3] = 0.5  # MSE = 0.25 / 2
    assert psnr(gt, half) == pytest.approx(10 * math.log10(8.0), abs=1e-9)
    assert psnr(gt, gt) == math.inf


def test_psnr_clips_the_prediction_not_the_truth() -> None:
    gt = np.full((4, 4), 0.1, np.float32)
    assert psnr(gt, np.full_like(gt, -0.2)) == pytest.approx(20.0, abs=1e-6)
    assert psnr(np.ones((4, 4)), np.full((4, 4), 1.7)) == math.inf


def test_psnr_agrees_with_scikit_image_in_range() -> None:
    rng = np.random.default_rng(0)
    gt = rng.uniform(0, 1, (20, 30))
    pred = np.clip(gt + rng.normal(0, 0.05, gt.shape), 0, 1)
    assert psnr(gt, pred) == pytest.approx(peak_signal_noise_ratio(gt, pred, data_range=1.0))


def test_ssim_is_scikit_image_on_the_full_frame() -> None:
    rng = np.random.default_rng(1)
    gt = rng.uniform(0, 1, (18, 24)).astype(np.float32)
    noisy = gt + rng.normal(0, 0.1, gt.shape).astype(np.float32)
    expected = structural_similarity(gt.astype(np.float64), noisy.astype(np.float64),
                                     data_range=1.0)
    assert ssim(gt, noisy) == pytest.approx(expected, abs=1e-12)
    assert ssim(gt, gt) == pytest.approx(1.0)
    assert ssim(gt, noisy) < ssim(gt, 0.5 * (gt + noisy)) < 1.0


def test_metrics_reject_mismatched_frames() -> None:
    with pytest.raises(ValueError, match="shape"):
        psnr(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="shape"):
        ssim(np.zeros((1, 4, 4)), np.zeros((1, 4, 4)))
