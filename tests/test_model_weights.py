"""Default weight and config paths of the shipped configurations, and which one a device runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.weights import ARCHITECTURES, KINDS, default_config, default_weights
from stra_live.engine.runtime import default_checkpoint

ROOT = Path(__file__).resolve().parent.parent


def test_weights_live_in_models_weights() -> None:
    assert default_weights("paper") == ROOT / "models" / "weights" / "stra_paper.safetensors"
    assert default_weights("realtime") == ROOT / "models" / "weights" / "stra_realtime.safetensors"


def test_configs_exist_for_every_kind() -> None:
    for kind in KINDS:
        layers = ARCHITECTURES.get(kind, kind)
        assert default_config(kind) == ROOT / "configs" / f"model_{layers}.yaml"
        assert default_config(kind).is_file()


def test_the_app_runs_the_gated_network_trained_on_odd_blur_lengths() -> None:
    # The paper configuration scores below EDI (README, Results): it is no default.
    assert default_checkpoint() == default_weights("realtime_edi_ramp_odd")
    assert default_config("realtime_edi_ramp_odd") == default_config("realtime_edi_ramp_gate")


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="fast"):
        default_weights("fast")  # type: ignore[arg-type]


def test_shipped_weights_load_into_the_shipped_configs() -> None:
    from models.checkpoint import load_checkpoint
    from models.config import ModelConfig
    from stra_live.config import load_config

    for kind in KINDS:
        expected = load_config(ModelConfig, default_config(kind))
        _, config, _ = load_checkpoint(default_weights(kind), expected=expected)
        assert config == expected


@pytest.mark.parametrize("weights, config", [
    ("ablations/stra_realtime_edi_step4500.safetensors", "model_realtime_edi.yaml"),
    ("ablations/stra_realtime_edi_v1.safetensors", "model_realtime_edi_v1.yaml"),
    ("ablations/stra_realtime_v1.safetensors", "model_realtime_v1.yaml"),
])
def test_other_shipped_weights_match_the_configs_that_describe_them(weights: str,
                                                                    config: str) -> None:
    from models.checkpoint import load_checkpoint
    from models.config import ModelConfig
    from stra_live.config import load_config

    expected = load_config(ModelConfig, ROOT / "configs" / config)
    _, found, _ = load_checkpoint(ROOT / "models" / "weights" / weights, expected=expected)
    assert found == expected
