"""Two-process DistributedDataParallel training on CPU (gloo): replicas stay identical."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from models.config import ModelConfig
from models.representation import InputRepresentation
from stra_live.simulator.config import SceneConfig, SimConfig
from stra_live.training.config import DataConfig, DataSource, OptimConfig, TrainConfig
from stra_live.training.data_sources import simulated_recording
from stra_live.training.dataset import TrainDataset
from stra_live.training.distributed import DistContext, init_distributed, shutdown
from stra_live.training.trainer import Trainer

WORLD = 2
BATCH = 2
TINY = ModelConfig(channels=4, res_units=1, representation=InputRepresentation(bins=2),
                   attention_dim=8)
SIM = SimConfig(scene=SceneConfig(resolution=(24, 32)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_trainer(out: Path, batch: int, ctx: DistContext) -> Trainer:
    """A tiny network on two tiny simulated sequences (made in memory, same on every rank)."""
    unused = DataSource(kind="sim", path=str(out / "unused"), sequences=1)
    config = TrainConfig(
        model=TINY, data=DataConfig(train=(unused,), k_min=2, k_max=3),
        optim=OptimConfig(lr=1e-3), crop=16, batch_size=batch, epochs=1, steps_per_epoch=10,
        val_every_steps=0, checkpoint_every_steps=100, num_workers=0, device="cpu",
        out_dir=str(out / "run"), log_every_steps=1,
    )
    recordings = [simulated_recording(SIM, "train", 0.1, seed) for seed in (1, 2)]
    data = TrainDataset(recordings, representation=TINY.representation, crop=16, hflip=True,
                        k_range=(2, 3), seed=3)
    return Trainer(config, TINY, data, [], ctx)


def replica(rank: int, port: int, out: Path) -> None:
    """One rank: one step, then two more; save what the test checks."""
    torch.set_num_threads(1)
    # what torchrun exports to each process it starts
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(WORLD),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    ctx = init_distributed("cpu")
    assert (ctx.rank, ctx.world_size, ctx.is_main) == (rank, WORLD, rank == 0)
    try:
        trainer = make_trainer(out, BATCH, ctx)
        initial = torch.cat([p.detach().flatten() for p in trainer.net.parameters()])
        first_loss = trainer.run(max_steps=1).last_loss
        summary = trainer.run(max_steps=2)
        params = torch.cat([p.detach().flatten() for p in trainer.net.parameters()])
        gathered = [torch.zeros_like(params) for _ in range(WORLD)]
        dist.all_gather(gathered, params)
        torch.save({"initial": initial, "gathered": gathered, "first_loss": first_loss,
                    "step": summary.step}, out / f"rank{rank}.pt")
    finally:
        shutdown(ctx)


@pytest.mark.timeout(240)
def test_two_gloo_replicas_stay_identical(tmp_path: Path) -> None:
    mp.spawn(replica, args=(free_port(), tmp_path), nprocs=WORLD, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(WORLD)]
    gathered = ranks[0]["gathered"]
    assert torch.equal(gathered[0], gathered[1])  # DDP kept the replicas in lockstep
    assert torch.equal(ranks[0]["initial"], ranks[1]["initial"])
    assert not torch.allclose(gathered[0], ranks[0]["initial"])  # and they did train
    assert [r["step"] for r in ranks] == [3, 3]
    # each rank trained on its own samples...
    losses = [r["first_loss"] for r in ranks]
    assert losses[0] != losses[1]
    # ...and together on exactly the batch one process would take with WORLD x BATCH
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        alone = make_trainer(tmp_path / "alone", WORLD * BATCH, DistContext())
        assert alone.run(max_steps=1).last_loss == pytest.approx(sum(losses) / WORLD, rel=1e-5)
    finally:
        torch.set_num_threads(threads)
    assert (tmp_path / "run/last.safetensors").exists()  # rank 0 checkpointed
