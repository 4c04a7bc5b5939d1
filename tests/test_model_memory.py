"""Attention runs on a coarse grid: one 240x180 frame needs well under 500 MB of activations."""

from __future__ import annotations

import torch

from models.config import ModelConfig
from models.profiling import peak_activation_bytes
from models.stra import STRA
from models.weights import default_config
from stra_live.config import load_config

LIMIT_BYTES = 500 * 2**20


def test_peak_activation_tracker_counts_live_tensors_once() -> None:
    n = 1000 * 1000

    def run() -> torch.Tensor:
        a = torch.ones(n)
        view = a.view(1000, 1000)  # a view shares the storage: not counted twice
        b = view * 2
        del a, view
        c = b + 1  # b is alive: peak = 2 arrays
        del b
        return c.sum()

    with torch.inference_mode():
        assert peak_activation_bytes(run) == 2 * 4 * n


def test_paper_model_on_one_davis_frame_stays_under_500_mb() -> None:
    model = STRA(load_config(ModelConfig, default_config("paper"))).eval()
    frames = torch.rand(1, 3, 180, 240)
    voxels = torch.randn(1, 3, model.config.bins, 180, 240)
    captured = {}

    def run() -> None:
        _, attention = model(frames, voxels, return_attention=True)
        captured["attention"] = attention

    with torch.inference_mode():
        peak = peak_activation_bytes(run)
    assert peak < LIMIT_BYTES, f"{peak / 2**20:.0f} MB"
    # 240x184 padded, 8-pixel cells: a 23x30 grid, not 43200 full-resolution positions.
    attention = captured["attention"]
    assert attention.grid == (23, 30)
    assert attention.sfb.shape == (1, 690, 690)
    assert attention.tmb.shape == (1, 690, 2, 690)
