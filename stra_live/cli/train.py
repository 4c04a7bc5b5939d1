"""`stra-train`: train the STRA network (alone, or on many GPUs/machines through torchrun).

Examples:
    stra-train --config configs/train_realtime.yaml
    stra-train --config configs/train_realtime.yaml --resume
    torchrun --nproc-per-node 4 -m stra_live.cli.train --config configs/train_paper.yaml
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from typing import TYPE_CHECKING

from stra_live.cli.checks import (
    OneLineParser,
    file_with_suffix,
    non_negative_int,
    output_dir,
    parse_or_status,
    positive_int,
)
from stra_live.config import ConfigError, load_config
from stra_live.errors import InputError

if TYPE_CHECKING:
    from stra_live.training.config import TrainConfig

log = logging.getLogger("stra-train")

ABLATIONS = {
    "sfb": {"use_sfb": False},
    "tmb": {"use_tmb": False},
    "events": {"use_events": False, "use_tmb": False},  # the TMB reads event sequences
}
"""``--without`` choices: the ModelConfig fields each one switches off."""


def parse_args(argv: list[str] | None) -> argparse.Namespace | int:
    """The command line: a config file and a few run-level overrides."""
    parser = OneLineParser(
        prog="stra-train",
        description="Train STRA on simulated or recorded sequences (MSE, Adam, step-decayed lr). "
        "Checkpoints, best weights and TensorBoard logs go to the run folder.",
    )
    parser.add_argument("--config", required=True, type=file_with_suffix(".yaml", ".yml"),
                        help="training YAML, e.g. configs/train_smoke.yaml")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the run folder's last checkpoint")
    parser.add_argument("--out", default=None, type=output_dir,
                        help="run folder (overrides out_dir)")
    parser.add_argument("--device", default=None,
                        help="auto | cpu | cuda | cuda:N (overrides device)")
    parser.add_argument("--seed", type=non_negative_int, default=None,
                        help="training seed: initialisation of new layers and crop order "
                        "(overrides seed; e.g. a second seed of an ablation)")
    parser.add_argument("--without", choices=sorted(ABLATIONS), action="append", default=[],
                        help="ablation: train the config's network without this part "
                        "(sfb, tmb, or events = frames only; repeatable; give it again "
                        "with --resume)")
    parser.add_argument("--max-steps", type=positive_int, default=None,
                        help="stop after this many more steps (e.g. to time a few steps)")
    return parse_or_status(parser, argv)


def without_parts(config: TrainConfig, parts: list[str]) -> TrainConfig:
    """``config`` with its network's ``parts`` (keys of :data:`ABLATIONS`) switched off.

    One training config then serves every ablation at the same budget, data and
    schedule; a warm start copies the tensors the smaller network still has.
    """
    if not parts:
        return config
    fields: dict[str, bool] = {}
    for part in parts:
        fields.update(ABLATIONS[part])
    return dataclasses.replace(config, model=dataclasses.replace(config.model_config(), **fields))


def main(argv: list[str] | None = None) -> int:
    """Entry point of `stra-train`; returns 0, or 2 on bad configuration or data."""
    args = parse_args(argv)
    if isinstance(args, int):  # a bad flag (one line already printed) or --help
        return args
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    # Imported here so `--help` answers without loading torch.
    from stra_live.training.config import TrainConfig
    from stra_live.training.distributed import init_distributed, shutdown
    from stra_live.training.run import run_training

    try:
        out_dir = str(args.out) if args.out is not None else None
        config = load_config(TrainConfig, args.config, out_dir=out_dir, device=args.device,
                             seed=args.seed)
        config = without_parts(config, args.without)
    except ConfigError as error:
        log.error("%s", error)
        return 2
    ctx = init_distributed(config.device)
    if not ctx.is_main:  # rank 0 speaks for the job
        logging.getLogger().setLevel(logging.WARNING)
    try:
        summary = run_training(config, ctx, resume=args.resume, max_steps=args.max_steps)
    except (InputError, ConfigError) as error:
        log.error("%s", error)
        return 2
    finally:
        shutdown(ctx)
    if ctx.is_main:
        state = "stopped early" if summary.stopped else "done"
        log.info("%s at step %d (from %d); best validation PSNR %.3f dB; checkpoints in %s",
                 state, summary.step, summary.start_step, summary.best_psnr, config.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
