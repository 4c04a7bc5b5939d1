"""Validation scores like the protocol: checked with a network that returns its blurry input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from models.config import ModelConfig
from models.representation import InputRepresentation
from stra_live.errors import InputError
from stra_live.evaluation.metrics import psnr, ssim
from stra_live.evaluation.protocol import scored_triplets, synthesize_windows
from stra_live.simulator.config import SceneConfig, SimConfig
from stra_live.training.data_sources import simulated_recording
from stra_live.training.validation import spread, validate


class BlurryCentre(nn.Module):
    """Returns frame T unchanged (plus one parameter so .train()/.eval() matter)."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))
        self.config = ModelConfig(representation=InputRepresentation(bins=3))
        self.shapes: list[tuple[int, ...]] = []

    def forward(self, frames: torch.Tensor, voxels: torch.Tensor,
                return_attention: bool = False) -> tuple[torch.Tensor, None]:
        assert not self.training
        self.shapes.append(tuple(voxels.shape))
        return frames[:, 1:2] * self.scale, None


def test_scores_equal_the_protocols_blurry_baseline() -> None:
    sim = SimConfig(scene=SceneConfig(resolution=(20, 28)))
    recordings = [simulated_recording(sim, "val", 0.1, seed) for seed in (3, 4)]
    model = BlurryCentre().train()
    result = validate(model, recordings, k=5, max_windows=0, device=torch.device("cpu"))
    expected_psnr, expected_ssim = [], []
    for rec in recordings:
        for _, window, _ in scored_triplets(synthesize_windows(rec.frames, 5)):
            expected_psnr.append(psnr(window.sharp, window.blurry))
            expected_ssim.append(ssim(window.sharp, window.blurry))
    assert result.windows == len(expected_psnr) == 2 * (24 // 5 - 2)
    assert result.psnr == pytest.approx(np.mean(expected_psnr), rel=1e-9)
    assert result.ssim == pytest.approx(np.mean(expected_ssim), rel=1e-9)
    assert model.training  # restored
    assert set(model.shapes) == {(1, 3, 3, 20, 28)}  # full frames, the model's bins
    assert result.preview.shape == (20, 84)


def test_spread_keeps_ends_and_caps() -> None:
    items = list(range(10))
    assert spread(items, 0) == items and spread(items, 20) == items
    assert spread(items, 3) in ([0, 4, 9], [0, 5, 9])
    assert spread(items, 2) == [0, 9]


def test_too_short_sequences_are_reported() -> None:
    sim = SimConfig(scene=SceneConfig(resolution=(8, 8)))
    recording = simulated_recording(sim, "val", 0.02, 1)
    with pytest.raises(InputError, match="too short"):
        validate(BlurryCentre(), [recording], 9, 0, torch.device("cpu"))

