"""ModelConfig: validation names the bad field; the shipped YAML files load; sizes fit the brief."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.config import ModelConfig
from models.profiling import count_parameters
from models.stra import STRA
from models.weights import default_config
from stra_live.config import ConfigError, load_config

PAPER_PARAMETERS = 2.36e6


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"channels": 0}, "channels"),
        ({"res_units": -1}, "res_units"),
        ({"attention": "dotty"}, "attention"),
        ({"attention_scale": 6}, "attention_scale"),
        ({"attention_dim": 0}, "attention_dim"),
        ({"stem": "conv", "stem_factor": 2}, "stem_factor"),
        ({"stem": "space_to_depth", "stem_factor": 1}, "stem_factor"),
        ({"stem": "pixelshuffle"}, "stem"),
        ({"use_events": False, "use_tmb": True}, "use_tmb"),
        ({"detail_channels": -2}, "detail_channels"),
        ({"stem": "conv", "detail_channels": 8}, "detail_channels"),
        ({"detail_units": 0}, "detail_units"),
        ({"detail_events": True}, "detail_events"),
        ({"gate_channels": -1}, "gate_channels"),
        ({"gate_channels": True}, "gate_channels"),
        ({"stem": "space_to_depth", "stem_factor": 4, "detail_channels": 8,
          "detail_events": "yes"}, "detail_events"),
    ],
)
def test_bad_value_names_its_field(fields: dict, bad: str) -> None:
    with pytest.raises(ValueError, match=f"ModelConfig.{bad}:"):
        ModelConfig(**fields)


def test_yaml_error_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text("channels: 16\nattention_scale: 12\n")
    with pytest.raises(ConfigError, match="attention_scale"):
        load_config(ModelConfig, path)


def test_stride_covers_the_coarsest_scale_and_the_attention_grid() -> None:
    assert ModelConfig().stride == 8
    assert ModelConfig(attention_scale=16).stride == 16
    assert ModelConfig(stem="space_to_depth", stem_factor=4, attention_scale=8).stride == 16
    assert ModelConfig(attention_scale=2).stride == 4


def test_round_trip_through_a_mapping() -> None:
    config = ModelConfig(channels=12, stem="space_to_depth", stem_factor=2, use_sfb=False)
    assert ModelConfig.from_mapping(config.to_dict()) == config
    with pytest.raises(ValueError, match="width"):
        ModelConfig.from_mapping({**config.to_dict(), "width": 3})
    assert config.differences(ModelConfig()) == [
        ("channels", 12, 32),
        ("stem", "space_to_depth", "conv"),
        ("stem_factor", 2, 1),
        ("use_sfb", False, True),
    ]


def test_paper_config_has_the_papers_size() -> None:
    config = load_config(ModelConfig, default_config("paper"))
    assert (config.channels, config.res_units, config.raw_channels) == (32, 8, 5)
    assert config.use_events and config.use_tmb and config.use_sfb
    count = count_parameters(STRA(config))
    assert abs(count - PAPER_PARAMETERS) / PAPER_PARAMETERS < 0.15, count


def test_realtime_config_keeps_both_attention_blocks_and_stays_expressive() -> None:
    config = load_config(ModelConfig, default_config("realtime"))
    assert config.use_events and config.use_tmb and config.use_sfb
    assert config.stem == "space_to_depth"
    assert 0.3e6 <= count_parameters(STRA(config)) <= 1.0e6
