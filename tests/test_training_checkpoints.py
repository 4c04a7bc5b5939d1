"""Run checkpoints: last/best weights and the resume sidecar round-trip exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from models.checkpoint import load_checkpoint, save_checkpoint
from models.config import ModelConfig
from models.representation import InputRepresentation
from models.stra import STRA
from stra_live.errors import CheckpointError, InputError
from stra_live.training.checkpoints import RunCheckpoints

TINY = ModelConfig(channels=4, res_units=1, representation=InputRepresentation(bins=2),
                   attention_dim=8)


def trained_parts(seed: int) -> tuple[STRA, torch.optim.Optimizer, torch.optim.lr_scheduler.StepLR]:
    torch.manual_seed(seed)
    model = STRA(TINY)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.75)
    for _ in range(3):
        out, _ = model(torch.rand(1, 3, 16, 16), torch.randn(1, 3, 2, 16, 16))
        optimizer.zero_grad()
        out.square().mean().backward()
        optimizer.step()
        scheduler.step()
    return model, optimizer, scheduler


def test_last_round_trips_weights_optimizer_schedule_step_and_rng(tmp_path: Path) -> None:
    model, optimizer, scheduler = trained_parts(0)
    store = RunCheckpoints(tmp_path / "run", TINY)
    assert not store.can_resume()
    store.save_last(model, optimizer, scheduler, step=3, best_psnr=21.5)
    after_save = torch.rand(4)

    fresh, fresh_opt, fresh_sched = trained_parts(1)
    point = store.load_last(fresh, torch.device("cpu"))
    fresh_opt.load_state_dict(point.optimizer)
    fresh_sched.load_state_dict(point.scheduler)
    assert torch.equal(torch.rand(4), after_save)  # the RNG continues where it was saved
    assert (point.step, point.best_psnr) == (3, 21.5)
    for a, b in zip(model.state_dict().values(), fresh.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    moments = optimizer.state_dict()["state"]
    for key, state in fresh_opt.state_dict()["state"].items():
        assert torch.equal(state["exp_avg_sq"], moments[key]["exp_avg_sq"])
    assert fresh_sched.get_last_lr() == scheduler.get_last_lr() == [1e-3 * 0.75]
    # the weights are a normal checkpoint for the app and stra-eval
    _, config, metadata = load_checkpoint(store.last_path)
    assert config == TINY and metadata["step"] == 3


def test_best_records_its_scores(tmp_path: Path) -> None:
    model, _, _ = trained_parts(0)
    store = RunCheckpoints(tmp_path, TINY)
    store.save_best(model, step=7, psnr=25.25, ssim=0.75)
    _, _, metadata = load_checkpoint(store.best_path, expected=TINY)
    assert metadata == {"step": 7, "val_psnr": 25.25, "val_ssim": 0.75}


def test_refuses_mismatched_or_missing_files(tmp_path: Path) -> None:
    model, optimizer, scheduler = trained_parts(0)
    store = RunCheckpoints(tmp_path, TINY)
    with pytest.raises(InputError, match="nothing to resume"):
        store.load_last(model, torch.device("cpu"))
    store.save_last(model, optimizer, scheduler, step=3, best_psnr=0.0)
    save_checkpoint(store.last_path, model, TINY, {"step": 5})  # weights from a later step
    with pytest.raises(InputError, match=r"from step 5 but last_state\.pt from step 3"):
        store.load_last(model, torch.device("cpu"))
    other = ModelConfig(channels=8, res_units=1, representation=InputRepresentation(bins=2),
                        attention_dim=8)
    with pytest.raises(CheckpointError, match="channels"):
        RunCheckpoints(tmp_path, other).load_last(STRA(other), torch.device("cpu"))
    store.state_path.write_bytes(b"not a torch file")
    save_checkpoint(store.last_path, model, TINY, {"step": 3})
    with pytest.raises(InputError, match="cannot read the resume state"):
        store.load_last(model, torch.device("cpu"))


def test_resume_refuses_a_run_of_another_representation(tmp_path: Path) -> None:
    one_contrast = InputRepresentation(kind="voxel_edi", bins=3, edi_contrasts=(0.2,))
    config = ModelConfig(channels=4, res_units=1, attention_dim=8, representation=one_contrast)
    torch.manual_seed(0)
    model = STRA(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2)
    RunCheckpoints(tmp_path, config).save_last(model, optimizer, scheduler, step=4, best_psnr=1.0)
    resumed = STRA(config)
    assert RunCheckpoints(tmp_path, config).load_last(resumed, torch.device("cpu")).step == 4
    for name, tensor in model.state_dict().items():
        assert torch.equal(resumed.state_dict()[name], tensor), name
    two_contrasts = InputRepresentation(kind="voxel_edi", bins=3, edi_contrasts=(0.2, 0.3))
    other = ModelConfig(channels=4, res_units=1, attention_dim=8, representation=two_contrasts)
    with pytest.raises(CheckpointError, match="representation"):
        RunCheckpoints(tmp_path, other).load_last(STRA(other), torch.device("cpu"))
