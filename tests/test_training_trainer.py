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


def _tiny_trainer(tmp_path: Path, **fields: object) -> Trainer:
    config = TrainConfig(
        model=TINY,
        data=DataConfig(train=(DataSource(kind="sim", path="unused", sequences=1),)),
        optim=OptimConfig(lr=1e-2), crop=16, batch_size=1, epochs=1, steps_per_epoch=4,
        val_every_steps=0, num_workers=0, device="cpu", out_dir=str(tmp_path),
        **fields,  # type: ignore[arg-type]
    )
    sim = SimConfig(scene=SceneConfig(resolution=(16, 16)))
    data = TrainDataset([simulated_recording(sim, "train", 0.1, 0)],
                        representation=InputRepresentation(bins=2), crop=16,
                        hflip=False, k_range=(3, 3), seed=0)
    return Trainer(config, TINY, data, [], DistContext())


def _weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


@pytest.mark.usefixtures("one_thread")
def test_scored_weights_are_the_moving_average_and_survive_a_resume(tmp_path: Path) -> None:
    trainer = _tiny_trainer(tmp_path, ema_decay=0.5)
    trainer.run(max_steps=1)
    first = _weights(trainer.net)
    trainer.run(max_steps=1)
    second = _weights(trainer.net)
    scored = _weights(trainer.scored)
    # One step copies; the next one mixes half and half (decay 0.5).
    for name, value in scored.items():
        assert torch.allclose(value, 0.5 * first[name] + 0.5 * second[name], atol=1e-6), name
    assert any(not torch.equal(scored[n], second[n]) for n in scored)  # lr 1e-2: weights moved

    resumed = _tiny_trainer(tmp_path, ema_decay=0.5)
    resumed.resume()
    assert resumed.step == 2
    for name, value in _weights(resumed.scored).items():
        assert torch.equal(value, scored[name]), name


def test_ema_decay_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="ema_decay"):
        TrainConfig(ema_decay=1.0)
