"""`stra-eval`: score STRA or a baseline on HQF-layout files with the protocol of PROTOCOL.md.

Prints one table row per file and the overall mean; with ``--json`` the last
line is one JSON object with keys psnr, ssim, frames and per_file.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys

from stra_live.cli.checks import (
    OneLineParser,
    existing_file,
    existing_path,
    file_with_suffix,
    parse_or_status,
    positive_float,
    positive_int,
)
from stra_live.config import CONFIG_DIR, ConfigError, load_config
from stra_live.errors import InputError
from stra_live.evaluation.config import EvalConfig
from stra_live.evaluation.methods import METHODS, make_deblurrer
from stra_live.evaluation.runner import EvaluationReport, evaluate, find_recordings

DEFAULT_CONFIG = CONFIG_DIR / "eval.yaml"
"""Defaults of every option not given on the command line."""


def build_parser() -> argparse.ArgumentParser:
    """The `stra-eval` argument parser (options left unset fall back to the config file)."""
    parser = OneLineParser(
        prog="stra-eval", exit_status=1,
        description="Score deblurring on HQF-layout .h5 files: blur synthesised from k sharp "
                    "frames, PSNR/SSIM against the middle frame, on windows 1..n-2.",
    )
    parser.add_argument("--data", type=existing_path, required=True,
                        help="an .h5 file, or a folder searched recursively for *.h5")
    parser.add_argument("--method", choices=METHODS, help="what to score (default: config)")
    parser.add_argument("--checkpoint", type=existing_file,
                        help="STRA checkpoint; default: the weights the app runs "
                             "(models/weights, the same on every device)")
    parser.add_argument("--blur-frames", type=positive_int, metavar="K",
                        help="sharp frames averaged per blurry frame (protocol: 7 and 13)")
    parser.add_argument("--contrast", type=positive_float, metavar="C",
                        help="EDI contrast threshold")
    parser.add_argument("--device", help="torch device for STRA: auto, cpu, cuda, cuda:N")
    parser.add_argument("--config", type=file_with_suffix(".yaml", ".yml"), default=DEFAULT_CONFIG,
                        help=f"YAML defaults (default: {DEFAULT_CONFIG})")
    parser.add_argument("--json", action="store_true",
                        help="end with one JSON line: psnr, ssim, frames, per_file")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `stra-eval`; 0 on success, 1 on bad input, a failed file or nothing scored."""
    args = parse_or_status(build_parser(), argv)
    if isinstance(args, int):  # a bad flag (one line already printed) or --help
        return args
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(
            EvalConfig, args.config, method=args.method, blur_frames=args.blur_frames,
            contrast_threshold=args.contrast, checkpoint=args.checkpoint, device=args.device,
        )
        paths = find_recordings(args.data)
        method = make_deblurrer(config.method, config.checkpoint, config.device,
                                config.contrast_threshold)
        report = evaluate(paths, method, config.blur_frames, progress=not args.no_progress)
    except (InputError, ConfigError) as error:
        print(f"stra-eval: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stra-eval: interrupted", file=sys.stderr)
        return 130
    for reason in report.failed.values():
        print(f"stra-eval: error: {reason}", file=sys.stderr)
    if report.failed and report.frames == 0:
        return 1
    print(format_table(report, config))
    if args.json:
        print(json.dumps(report.to_dict()), flush=True)
    if report.frames == 0:
        print(f"stra-eval: error: no file had the 3 blur windows (k={config.blur_frames}) "
              "needed to score a frame", file=sys.stderr)
        return 1
    return 1 if report.failed else 0


def format_table(report: EvaluationReport, config: EvalConfig) -> str:
    """One row per file (path, scored frames, PSNR, SSIM), skipped files, then the mean."""
    names = [*report.per_file, *report.skipped, *report.failed, "all files"]
    width = max(len(name) for name in names)
    lines = [
        f"method={config.method} k={config.blur_frames}",
        f"{'file':<{width}}  {'frames':>6}  {'PSNR dB':>8}  {'SSIM':>6}",
    ]
    for name, score in report.per_file.items():
        chosen = "" if score.contrast is None else f"  c={score.contrast:.2f}"
        lines.append(f"{name:<{width}}  {score.frames:>6}  {score.psnr:>8.3f}  "
                     f"{score.ssim:>6.4f}{chosen}")
    for name in report.skipped:
        lines.append(f"{name:<{width}}  {0:>6}  {'skipped: fewer than 3 windows':>16}")
    for name in report.failed:
        lines.append(f"{name:<{width}}  {0:>6}  failed: see the error above")
    total = "-" if math.isnan(report.psnr) else f"{report.psnr:.3f}"
    total_ssim = "-" if math.isnan(report.ssim) else f"{report.ssim:.4f}"
    lines.append(f"{'all files':<{width}}  {report.frames:>6}  {total:>8}  {total_ssim:>6}")
    if report.attention:
        figures = ", ".join(f"{key} {value:.3f}" for key, value in report.attention.items())
        lines.append(f"attention (mean over query positions and frames): {figures}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
