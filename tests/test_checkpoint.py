"""Checkpoints round-trip and every kind of mismatch is a CheckpointError naming it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from models.checkpoint import FORMAT, load_checkpoint, save_checkpoint
from models.config import ModelConfig
from models.representation import InputRepresentation
from models.stra import STRA
from stra_live.errors import CheckpointError, InputError

CONFIG = ModelConfig(channels=4, res_units=1, attention_dim=8)


def build(config: ModelConfig = CONFIG, seed: int = 0) -> STRA:
    torch.manual_seed(seed)
    return STRA(config)


def write_raw(path: Path, tensors: dict[str, torch.Tensor], config: dict | None) -> Path:
    """A safetensors file with arbitrary tensors and (optionally) an embedded config."""
    metadata = {"format": FORMAT}
    if config is not None:
        metadata["model_config"] = json.dumps(config)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(path), metadata=metadata)
    return path


def test_round_trip_restores_config_weights_metadata_and_outputs(tmp_path: Path) -> None:
    model = build()
    path = tmp_path / "sub" / "stra.safetensors"
    save_checkpoint(path, model, CONFIG, {"epoch": 3, "psnr": 28.5, "data": ["a.h5"]})
    loaded, config, metadata = load_checkpoint(path, expected=CONFIG)
    assert config == CONFIG
    assert metadata == {"epoch": 3, "psnr": 28.5, "data": ["a.h5"]}
    assert not loaded.training
    for (name, a), (_, b) in zip(
        model.state_dict().items(), loaded.state_dict().items(), strict=True
    ):
        assert torch.equal(a, b), name
    frames, voxels = torch.rand(1, 3, 20, 28), torch.randn(1, 3, 5, 20, 28)
    with torch.no_grad():
        torch.testing.assert_close(loaded(frames, voxels)[0], model.eval()(frames, voxels)[0])
    assert not list(tmp_path.glob("sub/*.partial"))


def test_architecture_comes_from_the_file_not_the_caller(tmp_path: Path) -> None:
    other = ModelConfig(channels=6, res_units=2, attention_dim=4, use_sfb=False)
    save_checkpoint(tmp_path / "x.safetensors", build(other), other)
    _, config, metadata = load_checkpoint(tmp_path / "x.safetensors")
    assert config == other and metadata == {}


def test_other_size_than_expected_is_named(tmp_path: Path) -> None:
    save_checkpoint(tmp_path / "c4.safetensors", build(), CONFIG)
    expected = ModelConfig(channels=16, res_units=1, attention_dim=8)
    with pytest.raises(CheckpointError, match="channels 4 in the checkpoint, 16 expected") as info:
        load_checkpoint(tmp_path / "c4.safetensors", expected=expected)
    assert isinstance(info.value, InputError)
    assert info.value.source == str(tmp_path / "c4.safetensors")


def test_not_a_safetensors_file(tmp_path: Path) -> None:
    path = tmp_path / "junk.safetensors"
    path.write_bytes(b"PK\x03\x04 this is a zip, not safetensors" * 4)
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        load_checkpoint(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="no such checkpoint file"):
        load_checkpoint(tmp_path / "absent.safetensors")


def test_missing_metadata(tmp_path: Path) -> None:
    path = write_raw(tmp_path / "bare.safetensors", build().state_dict(), config=None)
    with pytest.raises(CheckpointError, match="no model configuration"):
        load_checkpoint(path)


def test_invalid_embedded_config(tmp_path: Path) -> None:
    bad = {**CONFIG.to_dict(), "channels": -2}
    path = write_raw(tmp_path / "bad.safetensors", build().state_dict(), bad)
    with pytest.raises(CheckpointError, match=r"invalid model configuration.*channels"):
        load_checkpoint(path)
    path = write_raw(tmp_path / "extra.safetensors", build().state_dict(), {"depth": 3})
    with pytest.raises(CheckpointError, match="depth"):
        load_checkpoint(path)


def test_a_checkpoint_of_an_unknown_input_representation_is_refused(tmp_path: Path) -> None:
    data = CONFIG.to_dict()
    data["representation"] = {"kind": "scer", "bins": 5, "edi_contrasts": []}
    path = write_raw(tmp_path / "future.safetensors", build().state_dict(), data)
    with pytest.raises(CheckpointError, match="unknown input representation 'scer'"):
        load_checkpoint(path)


def test_the_representation_travels_with_the_checkpoint(tmp_path: Path) -> None:
    config = dataclasses.replace(
        CONFIG, representation=InputRepresentation("voxel_edi", 5, (0.18, 0.3)), attention="cosine"
    )
    save_checkpoint(tmp_path / "edi.safetensors", build(config), config)
    _, loaded, _ = load_checkpoint(tmp_path / "edi.safetensors")
    assert loaded.representation == InputRepresentation("voxel_edi", 5, (0.18, 0.3))
    assert loaded.attention == "cosine"


def test_missing_weights_are_named(tmp_path: Path) -> None:
    tensors = dict(build().state_dict())
    del tensors["sfb.theta.weight"]
    path = write_raw(tmp_path / "missing.safetensors", tensors, CONFIG.to_dict())
    with pytest.raises(CheckpointError, match=r"missing weights sfb\.theta\.weight"):
        load_checkpoint(path)


def test_unexpected_weights_are_named(tmp_path: Path) -> None:
    # A full model's weights under a config without the TMB: the TMB layers are unexpected.
    no_tmb = ModelConfig(channels=4, res_units=1, attention_dim=8, use_tmb=False)
    path = write_raw(tmp_path / "extra.safetensors", build().state_dict(), no_tmb.to_dict())
    with pytest.raises(CheckpointError, match=r"unexpected weights tmb\."):
        load_checkpoint(path)


def test_shape_mismatch_is_named(tmp_path: Path) -> None:
    wider = ModelConfig(channels=8, res_units=1, attention_dim=8)
    path = write_raw(tmp_path / "wide.safetensors", build(wider).state_dict(), CONFIG.to_dict())
    message = r"layer decoder\.blocks\.0\.0\.conv1\.bias has shape \(8,\), the model expects \(4,\)"
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(path)


def test_saving_with_a_config_that_does_not_describe_the_model_fails(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="channels 4 in the model, 8 given"):
        save_checkpoint(tmp_path / "x.safetensors", build(), ModelConfig(channels=8))
    assert not (tmp_path / "x.safetensors").exists()
