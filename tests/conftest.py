"""Fixtures shared by several test modules."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from models.checkpoint import save_checkpoint
from models.config import ModelConfig
from models.stra import STRA


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real STRA checkpoint with very few channels (untrained: the tests check plumbing)."""
    torch.manual_seed(0)
    config = ModelConfig(channels=4, res_units=1, attention_dim=8, attention_scale=8)
    path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    save_checkpoint(path, STRA(config), config)
    return path
