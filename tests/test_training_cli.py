"""`stra-train` end to end on configs/train_smoke.yaml: train, stop, resume, exactly."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from models.checkpoint import load_checkpoint
from stra_live.cli.train import main
from stra_live.config import CONFIG_DIR, load_config
from stra_live.training.config import TrainConfig
from stra_live.training.trainer import Trainer

SMOKE = str(CONFIG_DIR / "train_smoke.yaml")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the module, so the smoke sequences are simulated only once."""
    return tmp_path_factory.mktemp("train_cli")


@pytest.fixture(autouse=True)
def in_workdir(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(workdir)
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)  # the smoke config asks for one thread


def sidecar_step(run: Path) -> int:
    return int(torch.load(run / "last_state.pt", weights_only=True)["step"])


def test_train_then_resume_is_the_same_as_one_run(workdir: Path) -> None:
    total = load_config(TrainConfig, SMOKE).total_steps
    assert main(["--config", SMOKE, "--out", "split", "--max-steps", "1"]) == 0
    assert sidecar_step(workdir / "split") == 1
    assert main(["--config", SMOKE, "--out", "split", "--resume"]) == 0
    assert main(["--config", SMOKE, "--out", "whole"]) == 0
    for name in ("split", "whole"):
        run = workdir / name
        assert sidecar_step(run) == total
        _, config, metadata = load_checkpoint(run / "last.safetensors")
        assert metadata["step"] == total
        assert config == load_config(TrainConfig, SMOKE).model_config()
        _, _, best = load_checkpoint(run / "best.safetensors", expected=config)
        assert best["step"] in range(2, total + 1, 2) and best["val_psnr"] > 5
        assert list((run / "tb").glob("events.out.tfevents.*"))
        assert (run / "train_config.yaml").exists()
    split, whole = load_file(workdir / "split/last.safetensors"), load_file(
        workdir / "whole/last.safetensors")
    assert split.keys() == whole.keys()
    for key in whole:
        assert torch.equal(split[key], whole[key]), key
    # a finished run resumes to nothing new
    assert main(["--config", SMOKE, "--out", "whole", "--resume"]) == 0
    assert sidecar_step(workdir / "whole") == total


def test_sigterm_checkpoints_then_stops(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_step = Trainer.train_step

    def step_then_terminate(self: Trainer, batch: dict[str, torch.Tensor]) -> float:
        loss = real_step(self, batch)
        if self.step == 1:
            os.kill(os.getpid(), signal.SIGTERM)  # as `kill PID` from outside
        return loss

    monkeypatch.setattr(Trainer, "train_step", step_then_terminate)
    assert main(["--config", SMOKE, "--out", "killed"]) == 0
    assert sidecar_step(workdir / "killed") == 1
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handler removed again


def test_refusals_exit_with_status_2(workdir: Path, tmp_path: Path) -> None:
    assert main(["--config", SMOKE, "--out", "never", "--resume"]) == 2
    assert not (workdir / "never").exists()
    (workdir / "taken").mkdir()
    (workdir / "taken/last.safetensors").write_bytes(b"")
    assert main(["--config", SMOKE, "--out", "taken"]) == 2  # would overwrite a run
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(SMOKE).read_text().replace("crop: 32", "crop: 64"))
    assert main(["--config", str(bad), "--out", "too_big"]) == 2  # crop larger than frames
    bad.write_text("batch_size: 0\n")
    assert main(["--config", str(bad)]) == 2


def test_a_resumed_run_does_not_need_its_warm_start_file(workdir: Path) -> None:
    assert main(["--config", SMOKE, "--out", "donor", "--max-steps", "1"]) == 0
    donor = workdir / "donor.safetensors"
    (workdir / "donor/last.safetensors").rename(donor)
    warm = workdir / "warm.yaml"
    warm.write_text(Path(SMOKE).read_text() + f"\ninit_weights: {donor}\n")
    assert main(["--config", str(warm), "--out", "warm", "--max-steps", "1"]) == 0
    donor.unlink()  # moved or deleted since the run began
    assert main(["--config", str(warm), "--out", "warm", "--resume"]) == 0
    assert sidecar_step(workdir / "warm") == load_config(TrainConfig, SMOKE).total_steps


def test_seed_flag_changes_the_run_and_is_recorded(workdir: Path) -> None:
    # A second seed of an ablation is the same config with --seed: it must reach the
    # initialisation and the crop order, and the run folder must say which seed it was.
    for name, seed in (("seed_default", []), ("seed_5", ["--seed", "5"])):
        assert main(["--config", SMOKE, "--out", name, "--max-steps", "1", *seed]) == 0
    recorded = load_config(TrainConfig, workdir / "seed_5/train_config.yaml")
    assert recorded.seed == 5 and load_config(TrainConfig, SMOKE).seed != 5
    default, other = (load_file(workdir / f"{name}/last.safetensors")
                      for name in ("seed_default", "seed_5"))
    assert any(not torch.equal(default[key], other[key]) for key in default)
    assert main(["--config", SMOKE, "--out", "seed_bad", "--seed", "-1"]) == 2


def test_without_flag_trains_the_ablated_network(workdir: Path) -> None:
    assert main(["--config", SMOKE, "--out", "no_sfb", "--max-steps", "1",
                 "--without", "sfb"]) == 0
    _, config, _ = load_checkpoint(workdir / "no_sfb/last.safetensors")
    full = load_config(TrainConfig, SMOKE).model_config()
    assert full.use_sfb and not config.use_sfb and config.use_tmb == full.use_tmb
    assert main(["--config", SMOKE, "--out", "frames_only", "--max-steps", "1",
                 "--without", "events"]) == 0
    _, config, _ = load_checkpoint(workdir / "frames_only/last.safetensors")
    assert not config.use_events and not config.use_tmb
    assert main(["--config", SMOKE, "--out", "bad_part", "--without", "decoder"]) == 2
