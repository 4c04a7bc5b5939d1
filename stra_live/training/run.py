"""Assemble and run one training job from a :class:`TrainConfig` (what `stra-train` calls)."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import torch
import yaml

from models.config import ModelConfig
from stra_live.errors import InputError
from stra_live.io.hdf5 import read_hqf
from stra_live.io.recording import Recording
from stra_live.training.checkpoints import RunCheckpoints
from stra_live.training.config import TrainConfig
from stra_live.training.data_sources import (
    Split,
    check_scorable,
    check_trainable,
    source_files,
)
from stra_live.training.dataset import TrainDataset
from stra_live.training.distributed import DistContext, any_rank
from stra_live.training.trainer import Trainer, TrainSummary

log = logging.getLogger(__name__)

CONFIG_COPY = "train_config.yaml"
"""The resolved configuration, written into the run folder for the record."""


def resolve_files(config: TrainConfig, split: Split, ctx: DistContext) -> list[Path]:
    """The HDF5 files of one split; missing simulated ones are made by local rank 0 first.

    Every machine's local rank 0 simulates into its own cache folder while the
    other ranks wait, so nobody reads a half-written file. A failure there is
    reported to every rank, so none is left waiting.
    """
    sources = config.data.train if split == "train" else config.data.val
    sim = config.sim_config() if any(s.kind == "sim" for s in sources) else None
    error: InputError | None = None
    if ctx.local_rank == 0:
        try:
            for source in sources:
                source_files(source, split, sim, generate=True)
        except InputError as failure:
            error = failure
    (failed,) = any_rank(ctx, error is not None)  # also the barrier
    if error is not None:
        raise error
    if failed:
        raise InputError(f"{split} data", "another rank could not prepare it (see its log)")
    return [p for source in sources for p in source_files(source, split, sim, generate=False)]


def check_disjoint(train: list[Path], val: list[Path]) -> None:
    """Raise InputError if a sequence file is used for both training and validation."""
    shared = sorted({p.resolve() for p in train} & {p.resolve() for p in val})
    if shared:
        raise InputError(shared[0], "used for both training and validation "
                         f"({len(shared)} file(s) shared)")


def build_trainer(config: TrainConfig, ctx: DistContext) -> Trainer:
    """Make the data, the network and the trainer for ``config`` on this rank."""
    model_config = config.model_config()
    train_files = resolve_files(config, "train", ctx)
    val_files = resolve_files(config, "val", ctx)
    check_disjoint(train_files, val_files)
    for path in train_files:
        check_trainable(path, config.crop, config.data.k_max)
    for path in val_files:
        check_scorable(path, config.data.val_k)
    log.info("%d training and %d validation sequence(s)", len(train_files), len(val_files))
    data = config.data
    train_set = TrainDataset(
        train_files, representation=model_config.representation, crop=config.crop,
        hflip=config.hflip,
        k_range=(data.k_min, data.k_max), seed=config.seed, cache_size=data.cache_size,
        odd_k_only=data.odd_k_only,
    )
    val: list[Recording] = [read_hqf(p) for p in val_files] if ctx.is_main else []
    return Trainer(config, model_config, train_set, val, ctx)


def run_training(config: TrainConfig, ctx: DistContext, resume: bool,
                 max_steps: int | None = None) -> TrainSummary:
    """Train according to ``config``, fresh or from the run folder's last checkpoint.

    Raises:
        InputError: ``resume`` without a checkpoint, or a fresh start in a run
            folder that already holds one (which it would overwrite).
    """
    out_dir = Path(config.out_dir)
    model_config = config.model_config()
    existing = RunCheckpoints(out_dir, model_config)
    if resume and not existing.can_resume():
        raise InputError(out_dir, "nothing to resume: no last.safetensors and last_state.pt")
    if not resume and existing.last_path.exists():
        raise InputError(out_dir, "already holds a checkpoint: pass --resume to continue it, "
                         "or choose another --out")
    if config.threads:
        torch.set_num_threads(config.threads)
    # A resumed run takes its weights from its own checkpoint: the warm-start file it
    # began from is neither needed nor required to still exist.
    trainer = build_trainer(dataclasses.replace(config, init_weights=None) if resume else config,
                            ctx)
    if resume:
        trainer.resume()
    elif ctx.is_main:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / CONFIG_COPY).write_text(yaml.safe_dump(config_dict(config, model_config)))
    return trainer.run(max_steps)


def config_dict(config: TrainConfig, model_config: ModelConfig) -> dict[str, object]:
    """``config`` as plain YAML-able data, with the model's fields resolved inline."""
    data = dataclasses.asdict(config)
    data["model"] = model_config.to_dict()

    def plain(value: object) -> object:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    return plain(data)  # type: ignore[return-value]
