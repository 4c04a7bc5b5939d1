"""The training loop: Adam on MSE, step-decayed learning rate, DDP-aware.

Every rank runs the same loop on its own samples; DistributedDataParallel
averages the gradients, so the replicas stay identical. Rank 0 alone shows
the progress bar, writes TensorBoard logs, validates and checkpoints. A stop
request (SIGTERM, Ctrl-C) is honoured between two steps on all ranks at
once, after a checkpoint, so ``--resume`` continues where the run stopped.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from torch.utils.data import DataLoader, Dataset
from torch.utils.tensorboard import SummaryWriter
from tqdm import tqdm

from models.config import ModelConfig
from models.stra import STRA
from stra_live.io.recording import Recording
from stra_live.training.checkpoints import RunCheckpoints
from stra_live.training.config import TrainConfig
from stra_live.training.dataset import StepSampler
from stra_live.training.distributed import DistContext, any_rank, barrier, mean_over_ranks
from stra_live.training.signals import StopRequest, quiet_worker
from stra_live.training.validation import ValidationResult, validate
from stra_live.training.warm_start import warm_start

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainSummary:
    """How a call to :meth:`Trainer.run` ended.

    Attributes:
        start_step: the step the run started (or resumed) from.
        step: optimiser steps done in total.
        stopped: True when a stop request ended the run early.
        best_psnr: best validation PSNR (dB), -inf if never validated.
        last_loss: the last step's training loss (this rank's batch).
    """

    start_step: int
    step: int
    stopped: bool
    best_psnr: float
    last_loss: float


class Trainer:
    """Owns the network, the optimiser, the schedule and the run folder.

    Args:
        config: the run's configuration.
        model_config: the network to train.
        train_set: sample ``index`` -> dict of ``frames`` (3, c, c), ``voxels``
            (3, bins, c, c), ``target`` (1, c, c) (see :class:`TrainDataset`).
        val_recordings: full validation sequences (used on rank 0 only).
        ctx: this process's place in the job.
    """

    def __init__(self, config: TrainConfig, model_config: ModelConfig, train_set: Dataset,
                 val_recordings: Sequence[Recording], ctx: DistContext) -> None:
        self.config = config
        self.model_config = model_config
        self.train_set = train_set
        self.val_recordings = list(val_recordings)
        self.ctx = ctx
        torch.manual_seed(config.seed)  # identical initial weights on every rank
        self.net = STRA(model_config)
        if config.init_weights:
            warm_start(self.net, Path(config.init_weights))
        self.net.to(ctx.device)
        self.model: nn.Module = self.net
        if ctx.distributed:
            ids = [ctx.device.index] if ctx.device.type == "cuda" else None
            self.model = DistributedDataParallel(self.net, device_ids=ids)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=config.optim.lr,
                                          betas=config.optim.betas)
        self.scheduler = torch.optim.lr_scheduler.StepLR(
            self.optimizer, step_size=config.lr_decay_steps, gamma=config.optim.lr_gamma
        )
        # The average lives beside the network on its device; it starts as a copy
        # of the weights at the first step (AveragedModel copies on first update).
        self.average: AveragedModel | None = None
        if config.ema_decay:
            self.average = AveragedModel(self.net, multi_avg_fn=get_ema_multi_avg_fn(
                config.ema_decay), use_buffers=True)
        self.checkpoints = RunCheckpoints(Path(config.out_dir), model_config)
        self.step = 0
        self._saved_step = -1
        self.best_psnr = -math.inf

    def resume(self) -> None:
        """Continue from the run folder's last checkpoint (weights, optimiser, schedule, step)."""
        point = self.checkpoints.load_last(self.net, self.ctx.device)
        self.optimizer.load_state_dict(point.optimizer)
        self.scheduler.load_state_dict(point.scheduler)
        self.step = self._saved_step = point.step
        self.best_psnr = point.best_psnr
        if self.average is not None:
            if point.average is not None:
                self.average.load_state_dict(point.average)
            else:
                log.warning("the resumed run kept no weight average: it starts at step %d",
                            self.step)
        log.info("resumed at step %d (lr %.3g)", self.step, self.scheduler.get_last_lr()[0])

    def train_step(self, batch: dict[str, torch.Tensor]) -> float:
        """One optimiser step on ``batch``; returns this rank's MSE loss."""
        device = self.ctx.device
        frames = batch["frames"].to(device, non_blocking=True)
        voxels = batch["voxels"].to(device, non_blocking=True)
        target = batch["target"].to(device, non_blocking=True)
        output, _ = self.model(frames, voxels)
        loss = F.mse_loss(output, target)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        if self.average is not None:
            self.average.update_parameters(self.net)
        self.scheduler.step()
        self.step += 1
        return float(loss.detach())

    @property
    def scored(self) -> STRA:
        """The weights validation scores and ``best`` keeps: the average when there is one."""
        if self.average is not None and int(self.average.n_averaged) > 0:
            return self.average.module  # type: ignore[return-value]
        return self.net

    def loader(self, stop_step: int) -> DataLoader:
        """Batches for this rank from the current step up to ``stop_step``."""
        sampler = StepSampler(self.step, stop_step, self.config.batch_size, self.ctx.rank,
                              self.ctx.world_size)
        workers = self.config.num_workers
        return DataLoader(
            self.train_set, batch_size=self.config.batch_size, sampler=sampler,
            num_workers=workers, pin_memory=self.ctx.device.type == "cuda",
            worker_init_fn=quiet_worker if workers else None,
            prefetch_factor=2 if workers else None,
        )

    def run(self, max_steps: int | None = None) -> TrainSummary:
        """Train until ``config.total_steps`` (or ``max_steps`` more steps) or a stop request.

        The first SIGTERM or Ctrl-C stops all ranks after the current step with
        a checkpoint (see :mod:`stra_live.training.signals`).
        """
        start = self.step
        stop_step = self.config.total_steps
        if max_steps is not None:
            stop_step = min(stop_step, start + max_steps)
        logger = _RunLogger(self.config, self.ctx, start, stop_step)
        try:
            with StopRequest() as stop:
                last_loss, stopped = self._loop(stop_step, stop, logger)
            if not stopped and self.step > start:
                if self.config.val_every_steps and not self._due(self.config.val_every_steps):
                    self._validate(logger)
                if self._saved_step != self.step:
                    self._save_last()
        finally:
            logger.close()
        return TrainSummary(start_step=start, step=self.step, stopped=stopped,
                            best_psnr=self.best_psnr, last_loss=last_loss)

    def _loop(self, stop_step: int, stop: StopRequest, logger: _RunLogger) -> tuple[float, bool]:
        """Steps up to ``stop_step``; returns the last loss and whether a stop ended them."""
        last_loss = math.nan
        last_save = time.monotonic()
        for batch in self.loader(stop_step):
            last_loss = self.train_step(batch)
            logger.after_step(self.step, last_loss, self.scheduler.get_last_lr()[0])
            if self._due(self.config.val_every_steps):
                self._validate(logger)
            minutes = (time.monotonic() - last_save) / 60.0
            stopped, overdue = any_rank(
                self.ctx, stop.requested, minutes >= self.config.checkpoint_every_minutes
            )
            if stopped or overdue or self._due(self.config.checkpoint_every_steps):
                self._save_last()
                last_save = time.monotonic()
            if stopped:
                log.warning("stopped at step %d on request; resume with --resume", self.step)
                return last_loss, True
        return last_loss, False

    def _due(self, every: int) -> bool:
        return every > 0 and self.step % every == 0

    def _save_last(self) -> None:
        if self.ctx.is_main:
            self.checkpoints.save_last(self.net, self.optimizer, self.scheduler, self.step,
                                       self.best_psnr, self.average)
        self._saved_step = self.step
        barrier(self.ctx)

    def _validate(self, logger: _RunLogger) -> None:
        if self.ctx.is_main and self.val_recordings:
            data = self.config.data
            result = validate(self.scored, self.val_recordings,
                              data.val_k, data.val_windows, self.ctx.device)
            logger.validation(self.step, result)
            if result.psnr > self.best_psnr:
                self.best_psnr = result.psnr
                self.checkpoints.save_best(self.scored, self.step, result.psnr, result.ssim)
        barrier(self.ctx)


class _RunLogger:
    """Progress bar and TensorBoard on rank 0; the loss average needs every rank."""

    def __init__(self, config: TrainConfig, ctx: DistContext, start: int, stop: int) -> None:
        self.ctx = ctx
        self.every = config.log_every_steps
        self.samples_per_step = config.batch_size * ctx.world_size
        self.losses: list[float] = []
        self.tick = time.monotonic()
        self.tick_step = start
        self.bar = None
        self.writer = None
        if ctx.is_main:
            self.bar = tqdm(total=stop, initial=start, desc="train", unit="step",
                            dynamic_ncols=True)
            # purge_step drops events an interrupted run logged after its last checkpoint.
            self.writer = SummaryWriter(str(Path(config.out_dir) / "tb"),
                                        purge_step=start if start else None)

    def after_step(self, step: int, loss: float, lr: float) -> None:
        """Record one step; every ``log_every_steps`` update the bar and TensorBoard."""
        self.losses.append(loss)
        if step % self.every:
            if self.bar is not None:
                self.bar.update(1)
            return
        mean = mean_over_ranks(self.ctx, sum(self.losses) / len(self.losses))
        self.losses.clear()
        now = time.monotonic()
        rate = (step - self.tick_step) * self.samples_per_step / max(now - self.tick, 1e-9)
        self.tick, self.tick_step = now, step
        if self.bar is not None and self.writer is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{mean:.4g}", samples_s=f"{rate:.1f}", lr=f"{lr:.2g}")
            self.writer.add_scalar("train/loss", mean, step)
            self.writer.add_scalar("train/lr", lr, step)
            self.writer.add_scalar("train/samples_per_s", rate, step)

    def validation(self, step: int, result: ValidationResult) -> None:
        """Log validation scores and the blurry | output | sharp preview."""
        log.info("step %d: validation PSNR %.3f dB, SSIM %.4f over %d windows",
                 step, result.psnr, result.ssim, result.windows)
        if self.writer is not None:
            self.writer.add_scalar("val/psnr", result.psnr, step)
            self.writer.add_scalar("val/ssim", result.ssim, step)
            self.writer.add_image("val/blurry_output_sharp", result.preview.clip(0, 1), step,
                                  dataformats="HW")
            self.writer.flush()
        # Validation time is not training throughput: restart the clock.
        self.tick, self.tick_step = time.monotonic(), step

    def close(self) -> None:
        """Close the bar and flush TensorBoard."""
        if self.bar is not None:
            self.bar.close()
        if self.writer is not None:
            self.writer.close()
