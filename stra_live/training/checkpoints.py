"""The run folder's checkpoints: ``last``, ``best`` and the resume sidecar.

* ``last.safetensors``: the newest weights, with the model config embedded
  (:func:`models.checkpoint.save_checkpoint`), loadable by the app and
  `stra-eval` like any released weights;
* ``best.safetensors``: the weights with the highest validation PSNR so far;
* ``last_state.pt``: what ``--resume`` needs beyond the weights: optimiser
  and scheduler state, the step, the best PSNR, the RNG states and, when the
  run averages its weights, the average (``TrainConfig.ema_decay``).

Every file is written beside its target and renamed into place, so a run
killed mid-write leaves the previous checkpoint intact. The weights and the
sidecar both record the step, and resuming refuses a pair that disagree.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from models.checkpoint import load_checkpoint, save_checkpoint
from models.config import ModelConfig
from models.stra import STRA
from stra_live.errors import InputError

log = logging.getLogger(__name__)

LAST = "last.safetensors"
BEST = "best.safetensors"
STATE = "last_state.pt"


@dataclass(frozen=True)
class ResumePoint:
    """Where an interrupted run continues.

    Attributes:
        step: optimiser steps already taken.
        best_psnr: best validation PSNR so far (-inf before any validation).
        optimizer: ``optimizer.state_dict()`` at ``step``.
        scheduler: ``scheduler.state_dict()`` at ``step``.
        rng: torch CPU (and CUDA, if any) generator states.
        average: the weight average's ``state_dict()``; None when the run
            that wrote the checkpoint kept none.
    """

    step: int
    best_psnr: float
    optimizer: dict[str, Any]
    scheduler: dict[str, Any]
    rng: dict[str, Any]
    average: dict[str, Any] | None = None


class RunCheckpoints:
    """Reads and writes the checkpoints of one run folder.

    Args:
        out_dir: the run folder (created on first write).
        model_config: the network's configuration, embedded in every file.
    """

    def __init__(self, out_dir: Path, model_config: ModelConfig) -> None:
        self.out_dir = Path(out_dir)
        self.model_config = model_config

    @property
    def last_path(self) -> Path:
        """The newest weights."""
        return self.out_dir / LAST

    @property
    def best_path(self) -> Path:
        """The best weights by validation PSNR."""
        return self.out_dir / BEST

    @property
    def state_path(self) -> Path:
        """The resume sidecar."""
        return self.out_dir / STATE

    def can_resume(self) -> bool:
        """True when both the last weights and their sidecar exist."""
        return self.last_path.exists() and self.state_path.exists()

    def save_last(self, model: STRA, optimizer: torch.optim.Optimizer,
                  scheduler: torch.optim.lr_scheduler.LRScheduler, step: int,
                  best_psnr: float, average: nn.Module | None = None) -> None:
        """Write ``last`` weights and the resume sidecar for ``step`` (with ``average``'s state)."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        state = {
            "step": step,
            "best_psnr": best_psnr,
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "rng": _rng_state(),
        }
        if average is not None:
            state["average"] = average.state_dict()
        save_checkpoint(self.last_path, model, self.model_config, {"step": step})
        tmp = self.state_path.with_suffix(".tmp")
        torch.save(state, tmp)
        os.replace(tmp, self.state_path)
        log.info("checkpoint at step %d -> %s", step, self.last_path)

    def save_best(self, model: STRA, step: int, psnr: float, ssim: float) -> None:
        """Write ``best`` weights, recording the step and scores in the metadata."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        meta = {"step": step, "val_psnr": psnr, "val_ssim": ssim}
        save_checkpoint(self.best_path, model, self.model_config, meta)
        log.info("new best validation PSNR %.3f dB at step %d -> %s", psnr, step, self.best_path)

    def load_last(self, model: nn.Module, device: torch.device) -> ResumePoint:
        """Load ``last`` weights into ``model`` and return the sidecar's state.

        Raises:
            InputError: files missing, or weights and sidecar from different steps.
            CheckpointError: weights of another architecture.
        """
        if not self.can_resume():
            raise InputError(self.out_dir, f"nothing to resume: need {LAST} and {STATE}")
        loaded, _, metadata = load_checkpoint(
            self.last_path, expected=self.model_config, device=str(device))
        model.load_state_dict(loaded.state_dict())
        try:
            state = torch.load(self.state_path, map_location=device, weights_only=True)
        except Exception as error:  # a truncated or foreign file: say which
            raise InputError(self.state_path, f"cannot read the resume state: {error}") from error
        weights_step = int(metadata.get("step", -1))
        if weights_step != state["step"]:
            raise InputError(
                self.out_dir,
                f"{LAST} is from step {weights_step} but {STATE} from step {state['step']}",
            )
        _set_rng_state(state["rng"])
        best = float(state.get("best_psnr", -math.inf))
        return ResumePoint(step=int(state["step"]), best_psnr=best,
                           optimizer=state["optimizer"], scheduler=state["scheduler"],
                           rng=state["rng"], average=state.get("average"))


def _rng_state() -> dict[str, Any]:
    """Torch generator states (CPU and every CUDA device)."""
    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])
