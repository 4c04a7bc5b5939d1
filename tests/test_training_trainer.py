"""The training loop's schedule: the paper's step decay, counted in epochs of steps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from models.config import ModelConfig
from models.representation import InputRepresentation
from stra_live.simulator.config import SceneConfig, SimConfig
from stra_live.training.config import DataConfig, DataSource, OptimConfig, TrainConfig
from stra_live.training.data_sources import simulated_recording
from stra_live.training.dataset import TrainDataset
from stra_live.training.distributed import DistContext
from stra_live.training.trainer import Trainer

TINY = ModelConfig(channels=4, res_units=1, representation=InputRepresentation(bins=2),
                   attention_dim=8)


@pytest.fixture
def one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.usefixtures("one_thread")
def test_learning_rate_drops_by_a_quarter_every_decay_period(tmp_path: Path) -> None:
    config = TrainConfig(
        model=TINY,
        data=DataConfig(train=(DataSource(kind="sim", path="unused", sequences=1),)),
        optim=OptimConfig(lr=1e-3, lr_decay_epochs=2), crop=16, batch_size=1, epochs=3,
        steps_per_epoch=2, val_every_steps=0, num_workers=0, device="cpu",
        out_dir=str(tmp_path),
    )
    sim = SimConfig(scene=SceneConfig(resolution=(16, 16)))
    data = TrainDataset([simulated_recording(sim, "train", 0.1, 0)],
                        representation=InputRepresentation(bins=2), crop=16,
                        hflip=False, k_range=(3, 3), seed=0)
    trainer = Trainer(config, TINY, data, [], DistContext())
    used = []
    while trainer.step < config.total_steps:
        used.append(trainer.optimizer.param_groups[0]["lr"])
        trainer.run(max_steps=1)
    # decay every 2 epochs of 2 steps: steps 1-4 at 1e-3, steps 5-6 at 7.5e-4
    assert used == pytest.approx([1e-3] * 4 + [7.5e-4] * 2)
    assert trainer.run().step == 6  # the run is over: no further step
