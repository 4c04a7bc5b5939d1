"""Typed configuration of a training run (``configs/train_*.yaml``).

Defaults follow the STRA paper's recipe (IJCAI 2022, §4.1): MSE loss, Adam
with betas (0.9, 0.999), learning rate 1e-4 decayed by 25% every 50 epochs,
random 256x256 crops with horizontal flips, batch 8. Where the paper fixes
nothing (epoch length for endless simulated data, checkpoint cadence) the
value is this project's choice and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from models.config import ModelConfig
from stra_live.config import CONFIG_DIR, load_config
from stra_live.simulator.config import SimConfig

SourceKind = Literal["sim", "hqf", "gopro"]
"""sim: simulated sequences cached as HQF files; hqf: a folder of HQF files with
sharp high-rate frames; gopro: a folder of EFNet-style files with ``sharp_images/``."""


@dataclass(frozen=True)
class DataSource:
    """One place training or validation sequences come from.

    Attributes:
        kind: see :data:`SourceKind`.
        path: sim: the cache folder the sequences are written to (and reused
            from); hqf/gopro: a folder of ``*.h5`` files, or one file.
        sequences: sim only: how many sequences to generate.
        seconds: sim only: length of each sequence.
        seed: sim only: scene seed of the first sequence; sequence i uses
            ``seed + i``. Training and validation seed ranges must not overlap.
        profile: sim only: the sensor profile ("ideal" or "realistic", see
            :mod:`stra_live.simulator.profiles`); None = the sim config's.
    """

    kind: SourceKind
    path: str
    sequences: int = 0
    seconds: float = 2.0
    seed: int = 0
    profile: Literal["ideal", "realistic"] | None = None

    def __post_init__(self) -> None:
        if self.kind == "sim":
            _require(self.sequences >= 1, "sequences", self.sequences, "must be >= 1 for sim")
            _require(self.seconds > 0, "seconds", self.seconds, "must be > 0")
            _require(self.seed >= 0, "seed", self.seed, "must be >= 0")

    @property
    def seeds(self) -> range:
        """Scene seeds of a sim source (empty for file sources)."""
        return range(self.seed, self.seed + self.sequences) if self.kind == "sim" else range(0)


@dataclass(frozen=True)
class DataConfig:
    """Training and validation data. Sequences are split, never shared.

    Attributes:
        train: sources of training sequences.
        val: sources of validation sequences (simulated ones use the
            simulator's "test" textures, training ones its "train" textures).
        k_min: shortest blur (sharp frames averaged) of a training sample;
            7 as the GoPro dataset's 7..13.
        k_max: longest blur of a training sample (13, GoPro).
        odd_k_only: draw only odd k (the default). The ground truth of an even
            k is the upper of its two middle frames, half a sample spacing after
            the window's centre, where the network's input puts the latent image,
            and nothing in that input tells an even k from an odd one: a network
            trained on both learns to hedge between the two times and blurs
            moving edges. The protocol scores odd k (7 and 13). The configs of
            networks trained before this was found say ``false``.
        val_k: the fixed blur length validation scores with (project choice).
        val_windows: at most this many scored windows per validation sequence
            (0 = all), to bound the time one validation takes on a CPU.
        cache_size: recordings each DataLoader worker keeps in memory.
        sim_config: the simulator for sim sources: a YAML path, the fields
            inline, or None for the SimConfig defaults.
    """

    train: tuple[DataSource, ...] = ()
    val: tuple[DataSource, ...] = ()
    k_min: int = 7
    k_max: int = 13
    odd_k_only: bool = True
    val_k: int = 9
    val_windows: int = 0
    cache_size: int = 64
    sim_config: str | SimConfig | None = "configs/sim.yaml"

    def __post_init__(self) -> None:
        _require(len(self.train) >= 1, "train", self.train, "needs at least one source")
        _require(1 <= self.k_min <= self.k_max, "k_min", (self.k_min, self.k_max),
                 "must satisfy 1 <= k_min <= k_max")
        _require(not self.odd_k_only or self.k_min % 2 or self.k_max > self.k_min, "k_min",
                 (self.k_min, self.k_max), "has no odd k with odd_k_only")
        _require(self.val_k >= 1, "val_k", self.val_k, "must be >= 1")
        _require(self.val_windows >= 0, "val_windows", self.val_windows, "must be >= 0")
        _require(self.cache_size >= 1, "cache_size", self.cache_size, "must be >= 1")
        train_seeds = {s for src in self.train for s in src.seeds}
        shared = sorted(train_seeds & {s for src in self.val for s in src.seeds})
        _require(not shared, "val", shared, "sim seeds also used for training")
        train_paths = {Path(src.path).resolve() for src in self.train}
        both = sorted(str(p) for p in train_paths & {Path(s.path).resolve() for s in self.val})
        _require(not both, "val", both, "paths also used for training")


@dataclass(frozen=True)
class OptimConfig:
    """Adam with a step-decayed learning rate.

    Attributes:
        lr: initial learning rate (paper: 1e-4).
        betas: Adam's (beta1, beta2) (paper: 0.9, 0.999).
        lr_gamma: factor applied at each decay (paper: 0.75, i.e. -25%).
        lr_decay_epochs: epochs between decays (paper: 50).
    """

    lr: float = 1e-4
    betas: tuple[float, float] = (0.9, 0.999)
    lr_gamma: float = 0.75
    lr_decay_epochs: int = 50

    def __post_init__(self) -> None:
        _require(self.lr > 0, "lr", self.lr, "must be > 0")
        _require(len(self.betas) == 2 and all(0 <= b < 1 for b in self.betas), "betas",
                 self.betas, "must be two numbers in [0, 1)")
        _require(0 < self.lr_gamma <= 1, "lr_gamma", self.lr_gamma, "must be in (0, 1]")
        _require(self.lr_decay_epochs >= 1, "lr_decay_epochs", self.lr_decay_epochs,
                 "must be >= 1")


@dataclass(frozen=True)
class TrainConfig:
    """Everything `stra-train` needs.

    Attributes:
        model: path of a model YAML (``configs/model_*.yaml``; relative paths
            are tried from the working directory, then the repository), or the
            model's fields inline.
        data: training and validation data.
        optim: optimiser and learning-rate schedule.
        crop: side of the square random training crop (paper: 256; must fit
            the frames, so 240x180 data needs <= 180).
        hflip: mirror half the training samples (frames and voxels alike).
        batch_size: samples per step on each process (paper: 8).
        epochs: training length in epochs.
        steps_per_epoch: optimiser steps in one epoch. The simulated data is
            endless, so an epoch is defined by this (project choice: 250,
            about GoPro's 2103 training frames at batch 8).
        val_every_steps: validate (rank 0) every this many steps; 0 = never.
        checkpoint_every_steps: write ``last`` every this many steps.
        checkpoint_every_minutes: ... and at least this often in wall time.
        log_every_steps: TensorBoard scalar cadence.
        seed: fixes the initial weights and every sample.
        num_workers: DataLoader worker processes per training process.
        threads: CPU threads torch may use in each training process (0 = torch's
            default). On a small shared CPU one thread per process avoids the
            slowdown of oversubscribed OpenMP threads.
        device: "auto", "cpu", "cuda" or "cuda:N" ("cuda" = this rank's GPU).
        out_dir: where checkpoints and TensorBoard logs go.
        init_weights: a checkpoint to start a fresh run from instead of random
            weights (warm start): every tensor whose name and shape match is
            copied, the rest keep their random initialisation. A slimmer
            network (fewer res-units) inherits everything it still has.
            Ignored by ``--resume``.
        ema_decay: 0 = off; else validation, ``best`` and the resume state use
            an exponential moving average of the weights, updated after every
            step with this decay (0.999 averages about the last 1000 steps).
            On a small batch on a CPU, Adam's weights wander from step to step
            by more than a validation can tell apart; their average does not.
            Project choice (the paper does not average).
    """

    model: str | ModelConfig = "configs/model_paper.yaml"
    data: DataConfig = field(default_factory=lambda: DataConfig(
        train=(DataSource(kind="sim", path="cache/sim/train", sequences=32, seed=1000),),
        val=(DataSource(kind="sim", path="cache/sim/val", sequences=4, seed=9000),),
    ))
    optim: OptimConfig = field(default_factory=OptimConfig)
    crop: int = 256
    hflip: bool = True
    batch_size: int = 8
    epochs: int = 300
    steps_per_epoch: int = 250
    val_every_steps: int = 1000
    checkpoint_every_steps: int = 1000
    checkpoint_every_minutes: float = 5.0
    log_every_steps: int = 10
    seed: int = 0
    num_workers: int = 2
    threads: int = 0
    device: str = "auto"
    out_dir: str = "runs/stra"
    init_weights: str | None = None
    ema_decay: float = 0.0

    def __post_init__(self) -> None:
        for name in ("crop", "batch_size", "epochs", "steps_per_epoch", "checkpoint_every_steps",
                     "log_every_steps"):
            _require(getattr(self, name) >= 1, name, getattr(self, name), "must be >= 1")
        for name in ("val_every_steps", "num_workers", "threads", "seed"):
            _require(getattr(self, name) >= 0, name, getattr(self, name), "must be >= 0")
        _require(0.0 <= self.ema_decay < 1.0, "ema_decay", self.ema_decay, "must be in [0, 1)")
        _require(self.checkpoint_every_minutes > 0, "checkpoint_every_minutes",
                 self.checkpoint_every_minutes, "must be > 0")

    @property
    def total_steps(self) -> int:
        """Optimiser steps of the whole run."""
        return self.epochs * self.steps_per_epoch

    @property
    def lr_decay_steps(self) -> int:
        """Steps between two learning-rate decays."""
        return self.optim.lr_decay_epochs * self.steps_per_epoch

    def model_config(self) -> ModelConfig:
        """The network's configuration, loading the model YAML if one is named."""
        if isinstance(self.model, ModelConfig):
            return self.model
        return load_config(ModelConfig, find_config_file(self.model))

    def sim_config(self) -> SimConfig:
        """The simulator's configuration for sim sources."""
        if self.data.sim_config is None:
            return SimConfig()
        if isinstance(self.data.sim_config, SimConfig):
            return self.data.sim_config
        return load_config(SimConfig, find_config_file(self.data.sim_config))


def find_config_file(name: str) -> Path:
    """A config path as given, or, if relative and absent, relative to the repository."""
    path = Path(name)
    if not path.is_absolute() and not path.exists():
        return CONFIG_DIR.parent / path
    return path


def _require(ok: bool, name: str, value: object, rule: str) -> None:
    """Raise ValueError naming the field when a validation rule fails."""
    if not ok:
        raise ValueError(f"{name} {rule}, got {value!r}")
