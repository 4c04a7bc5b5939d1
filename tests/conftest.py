"""Fixtures shared by several test modules."""

from __future__ import annotations

import os
from collections.abc import Iterator
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


@pytest.fixture(scope="session", autouse=True)
def demo_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo scene's render cache of this test run (never the user's ~/.cache)."""
    folder = tmp_path_factory.mktemp("stra-cache")
    previous = os.environ.get("STRA_CACHE_DIR")
    os.environ["STRA_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("STRA_CACHE_DIR", None)
    else:
        os.environ["STRA_CACHE_DIR"] = previous
