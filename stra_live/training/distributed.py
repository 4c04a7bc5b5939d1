"""Process-group set-up for single-process and torchrun (DDP) training.

torchrun exports ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and
``MASTER_PORT``; when they are absent the run is a single process and no
process group is created. NCCL is used on GPUs, gloo on CPU. Only rank 0
logs, validates and writes checkpoints; the other ranks wait at barriers.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import timedelta

import torch
import torch.distributed as dist

log = logging.getLogger(__name__)

SHUTDOWN_WAIT_S = 60
"""How long a leaving gloo rank waits for the others."""


@dataclass(frozen=True)
class DistContext:
    """Where this process sits in a (possibly one-process) training job.

    Attributes:
        rank: global rank, 0 .. world_size - 1.
        world_size: number of processes training together.
        local_rank: rank on this machine (selects the GPU).
        device: the torch device this process trains on.
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def is_main(self) -> bool:
        """True on the process that logs and checkpoints (rank 0)."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        """True when a process group is in use (more than one process)."""
        return self.world_size > 1


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    """Map a config device name ("auto", "cpu", "cuda", "cuda:1") to a torch device.

    "auto" picks this process's GPU when CUDA is available, otherwise the CPU.
    Under torchrun a bare "cuda" means the GPU of ``local_rank``.
    """
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        return torch.device("cuda", local_rank)
    return torch.device(name)


def init_distributed(device_name: str) -> DistContext:
    """Join the torchrun process group if launched by torchrun, else run alone.

    Reads ``RANK``/``WORLD_SIZE``/``LOCAL_RANK`` from the environment; the
    rendezvous address comes from ``MASTER_ADDR``/``MASTER_PORT`` (env://).
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = resolve_device(device_name, local_rank)
    if world_size <= 1:
        return DistContext(device=device)
    return join_group(rank, world_size, local_rank, device, init_method="env://")


def join_group(rank: int, world_size: int, local_rank: int, device: torch.device,
               init_method: str) -> DistContext:
    """Create the process group for ``rank`` of ``world_size`` and describe it.

    The backend follows the device: NCCL for CUDA, gloo otherwise.
    """
    if device.type == "cuda":
        torch.cuda.set_device(device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    dist.init_process_group(backend, init_method=init_method, rank=rank, world_size=world_size)
    log.info("rank %d/%d joined the %s process group on %s", rank, world_size, backend, device)
    return DistContext(rank=rank, world_size=world_size, local_rank=local_rank, device=device)


def barrier(ctx: DistContext) -> None:
    """Wait for every rank (no-op when training alone)."""
    if ctx.distributed:
        dist.barrier()


def any_rank(ctx: DistContext, *flags: bool) -> tuple[bool, ...]:
    """Each flag OR-ed over all ranks, so every rank takes the same decision at a step.

    Used for decisions one rank alone may see (a stop signal, a wall-clock
    checkpoint deadline): acting on a local flag would leave the other ranks
    waiting at a barrier that never comes.
    """
    if not ctx.distributed:
        return tuple(bool(f) for f in flags)
    values = torch.tensor([1.0 if f else 0.0 for f in flags], device=ctx.device)
    dist.all_reduce(values, op=dist.ReduceOp.MAX)
    return tuple(bool(v > 0) for v in values.tolist())


def mean_over_ranks(ctx: DistContext, value: float) -> float:
    """Average a scalar (e.g. the batch loss) over all ranks, for logging."""
    if not ctx.distributed:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=ctx.device)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return float(tensor.item()) / ctx.world_size


def shutdown(ctx: DistContext) -> None:
    """Leave the process group if one was created, once every rank has reached here.

    Without the barrier a gloo rank could close its connections while a peer was
    still tearing down, and the peer's gloo thread then aborted its process
    ("terminate called without an active exception"). The barrier is bounded, so
    a rank whose peer died still leaves.
    """
    if not (ctx.distributed and dist.is_initialized()):
        return
    if dist.get_backend() == "gloo":
        try:
            dist.monitored_barrier(timeout=timedelta(seconds=SHUTDOWN_WAIT_S))
        except RuntimeError as error:
            log.warning("rank %d left without the other ranks: %s", ctx.rank, error)
    dist.destroy_process_group()
