"""TrainConfig: the shipped YAML files load, and bad values are refused naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.config import ModelConfig
from stra_live.config import CONFIG_DIR, ConfigError, from_dict, load_config
from stra_live.simulator.config import SimConfig
from stra_live.training.config import TrainConfig

SHIPPED = sorted(path.name for path in CONFIG_DIR.glob("train_*.yaml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_configs_load(name: str) -> None:
    config = load_config(TrainConfig, CONFIG_DIR / name)
    assert isinstance(config.model_config(), ModelConfig)
    assert isinstance(config.sim_config(), SimConfig)
    assert config.total_steps == config.epochs * config.steps_per_epoch
    assert config.crop <= min(config.sim_config().scene.resolution)
    assert config.optim.betas == (0.9, 0.999)
    # The paper's 25% decays, except the short ablation runs, which anneal faster so that
    # their final weights settle (configs/train_ablation_edi.yaml says why).
    annealed = ("train_ablation_edi.yaml", "train_ablation_detail.yaml", "train_ablation_wide.yaml",
                "train_ablation_ramp.yaml", "train_ablation_gate.yaml", "train_ablation_odd.yaml")
    expected_gamma = 0.5 if name in annealed else 0.75
    assert config.optim.lr_gamma == expected_gamma


def test_defaults_are_the_papers_recipe() -> None:
    config = TrainConfig()
    assert (config.optim.lr, config.crop, config.batch_size, config.hflip) == (1e-4, 256, 8, True)
    assert config.optim.lr_decay_epochs == 50
    assert config.lr_decay_steps == 50 * config.steps_per_epoch
    assert config.model_config() == load_config(ModelConfig, CONFIG_DIR / "model_paper.yaml")


def train_dict(**changes: object) -> dict:
    data = {
        "model": {"channels": 4, "res_units": 1},
        "data": {
            "train": [{"kind": "sim", "path": "a", "sequences": 3, "seed": 10}],
            "val": [{"kind": "sim", "path": "b", "sequences": 1, "seed": 20}],
        },
    }
    data.update(changes)
    return data


def test_inline_model_and_sim() -> None:
    data = train_dict()
    data["data"]["sim_config"] = {"scene": {"resolution": [30, 40]}}
    config = from_dict(TrainConfig, data)
    assert config.model_config().channels == 4
    assert config.sim_config().scene.resolution == (30, 40)


@pytest.mark.parametrize(("changes", "field"), [
    ({"crop": 0}, "crop"),
    ({"batch_size": -1}, "batch_size"),
    ({"checkpoint_every_minutes": 0}, "checkpoint_every_minutes"),
    ({"optim": {"lr": 0}}, "optim"),
    ({"optim": {"lr_gamma": 1.5}}, "lr_gamma"),
    ({"model": {"channels": 0}}, "channels"),
    ({"learning_rate": 1e-3}, "learning_rate"),
])
def test_bad_values_name_their_field(changes: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        from_dict(TrainConfig, train_dict(**changes))


def test_training_and_validation_never_share_sequences() -> None:
    data = train_dict()
    data["data"]["val"][0]["seed"] = 12  # inside the training seeds 10..12
    with pytest.raises(ConfigError, match=r"seeds also used for training, got \[12\]"):
        from_dict(TrainConfig, data)
    data = train_dict()
    data["data"]["val"] = [{"kind": "hqf", "path": "a"}]
    with pytest.raises(ConfigError, match="paths also used for training"):
        from_dict(TrainConfig, data)
    data = train_dict()
    data["data"]["k_min"] = 9
    data["data"]["k_max"] = 7
    with pytest.raises(ConfigError, match="k_min"):
        from_dict(TrainConfig, data)
    data = train_dict()
    data["data"].update(k_min=8, k_max=8, odd_k_only=True)
    with pytest.raises(ConfigError, match="no odd k"):
        from_dict(TrainConfig, data)


def test_model_path_falls_back_to_the_repository(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    config = from_dict(TrainConfig, train_dict(model="configs/model_realtime.yaml"))
    assert config.model_config() == load_config(ModelConfig, CONFIG_DIR / "model_realtime.yaml")


def test_training_draws_odd_blur_lengths_unless_a_config_says_otherwise() -> None:
    # Even k put the ground truth off the input's latent time (DataConfig.odd_k_only).
    assert from_dict(TrainConfig, train_dict()).data.odd_k_only
    data = train_dict()
    data["data"]["odd_k_only"] = False
    assert not from_dict(TrainConfig, data).data.odd_k_only
