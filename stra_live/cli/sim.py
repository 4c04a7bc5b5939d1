"""`stra-sim`: simulate a moving-camera scene and write it as an HQF-layout HDF5 file.

The file holds the sharp frames at the render rate in ``images/`` and the
simulated events (PROTOCOL.md), ready for the evaluation protocol and for
training. Defaults come from ``configs/sim.yaml``; flags override them.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time

import imageio.v3 as iio

from stra_live.cli.checks import (
    OneLineParser,
    file_with_suffix,
    non_negative_int,
    output_file,
    parse_or_status,
    positive_float,
    positive_int,
)
from stra_live.config import CONFIG_DIR, ConfigError, load_config
from stra_live.errors import InputError
from stra_live.io.hdf5 import write_hqf
from stra_live.simulator.config import SimConfig
from stra_live.simulator.preview import preview_panels
from stra_live.simulator.sequence import simulate_sequence
from stra_live.simulator.textures import texture_names

SCENE_FLAGS = {
    "resolution": "resolution", "render_hz": "render_hz", "textures": "textures",
    "texture": "texture", "speed": "speed_px_s", "rotation": "rotation_deg_s", "zoom": "zoom_per_s",
}
"""argparse dest -> SceneConfig field."""

EVENT_FLAGS = {
    "pos_threshold": "pos_threshold", "neg_threshold": "neg_threshold",
    "threshold_sigma": "threshold_sigma", "refractory_us": "refractory_us",
    "leak_rate": "leak_rate_hz", "shot_noise_rate": "shot_noise_rate_hz",
}
"""argparse dest -> SimulatorConfig field."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `stra-sim`; flags left unset keep the YAML values.

    The help shows the values of ``configs/sim.yaml`` as the defaults.
    """
    try:
        shown = load_config(SimConfig, CONFIG_DIR / "sim.yaml")
    except ConfigError:
        shown = SimConfig()
    scene, pixel = dataclasses.asdict(shown.scene), dataclasses.asdict(shown.events)
    parser = OneLineParser(
        prog="stra-sim",
        description="Simulate a moving-camera scene (sharp frames at the render rate and "
                    "DVS events) and write it as an HQF-layout HDF5 file.",
    )
    parser.add_argument("--out", type=output_file, required=True, help="HDF5 file to write")
    parser.add_argument("--seconds", type=positive_float, default=2.0,
                        help="duration (default 2.0)")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="same seed, same file (default 0)")
    parser.add_argument("--preview", type=output_file,
                        help="also write a PNG: blurry | sharp | events")
    parser.add_argument("--config", type=file_with_suffix(".yaml", ".yml"),
                        default=CONFIG_DIR / "sim.yaml",
                        help="YAML defaults (default configs/sim.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    group = parser.add_argument_group("scene (defaults: configs/sim.yaml)")
    group.add_argument("--resolution", type=positive_int, nargs=2, metavar=("H", "W"),
                       help=f"frame size (default {list(scene['resolution'])})")
    group.add_argument("--render-hz", type=positive_float,
                       help=f"sharp frames per second (default {scene['render_hz']})")
    group.add_argument("--textures", choices=["train", "test", "all"],
                       help=f"texture split, train and test disjoint (default {scene['textures']})")
    group.add_argument("--texture", choices=texture_names("all"), metavar="NAME",
                       help="a fixed texture: " + ", ".join(texture_names("all")))
    group.add_argument("--speed", type=float,
                       help=f"RMS camera translation speed, px/s (default {scene['speed_px_s']})")
    group.add_argument("--rotation", type=float,
                       help=f"RMS rotation speed, deg/s (default {scene['rotation_deg_s']})")
    group.add_argument("--zoom", type=float,
                       help=f"RMS log-zoom speed, 1/s (default {scene['zoom_per_s']})")
    group = parser.add_argument_group("event pixels (defaults: configs/sim.yaml)")
    group.add_argument("--profile", choices=["ideal", "realistic"],
                       help="sensor profile: 'ideal' uses the pixel flags below; 'realistic' "
                            "draws unknown thresholds, noise, lag, hot pixels and a speed "
                            "from the seed (stra_live/simulator/profiles.py)")
    group.add_argument("--threshold", type=float, help="mean ON and OFF contrast threshold")
    group.add_argument("--pos-threshold", type=float,
                       help=f"mean ON contrast threshold (default {pixel['pos_threshold']})")
    group.add_argument("--neg-threshold", type=float,
                       help=f"mean OFF contrast threshold (default {pixel['neg_threshold']})")
    group.add_argument("--threshold-sigma", type=float,
                       help=f"per-pixel threshold spread (default {pixel['threshold_sigma']})")
    group.add_argument("--refractory-us", type=non_negative_int,
                       help=f"refractory period, us (default {pixel['refractory_us']})")
    group.add_argument("--leak-rate", type=float,
                       help=f"leak events per pixel per second (default {pixel['leak_rate_hz']})")
    group.add_argument("--shot-noise-rate", type=float,
                       help="shot-noise events per pixel per second "
                            f"(default {pixel['shot_noise_rate_hz']})")
    return parser


def resolve_config(args: argparse.Namespace) -> SimConfig:
    """Load the YAML defaults and apply the flags that were given.

    ``--threshold`` sets both means unless ``--pos-threshold`` or
    ``--neg-threshold`` name one explicitly.

    Raises:
        ConfigError: a YAML value or a flag that does not fit its field.
    """
    config = load_config(SimConfig, args.config)
    scene = {field: getattr(args, dest) for dest, field in SCENE_FLAGS.items()}
    pixel = {field: getattr(args, dest) for dest, field in EVENT_FLAGS.items()}
    for name in ("pos_threshold", "neg_threshold"):
        if pixel[name] is None:
            pixel[name] = args.threshold
    if scene["resolution"] is not None:
        scene["resolution"] = tuple(scene["resolution"])
    try:
        return dataclasses.replace(
            config,
            scene=dataclasses.replace(config.scene, **_given(scene)),
            events=dataclasses.replace(config.events, **_given(pixel)),
            profile=args.profile or config.profile,
        )
    except ValueError as error:
        raise ConfigError(f"bad option: {error}") from error


def _given(values: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in values.items() if v is not None}


def main(argv: list[str] | None = None) -> int:
    """Entry point of `stra-sim`; returns the exit status."""
    args = parse_or_status(build_parser(), argv)
    if isinstance(args, int):  # a bad flag (one line already printed) or --help
        return args
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        config = resolve_config(args)
    except ConfigError as error:
        print(f"stra-sim: {error}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    sequence = simulate_sequence(config, args.seconds, args.seed)
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        write_hqf(args.out, sequence.events, sequence.frames(), sequence.resolution)
        if args.preview is not None:
            args.preview.parent.mkdir(parents=True, exist_ok=True)
            iio.imwrite(args.preview, preview_panels(sequence, config.preview_blur))
    except (InputError, OSError, ValueError) as error:
        print(f"stra-sim: {error}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - start
    height, width = sequence.resolution
    print(f"wrote {args.out}: {len(sequence.timestamps)} frames {width}x{height} "
          f"at {config.scene.render_hz:g} Hz, {len(sequence.events)} events, "
          f"texture {sequence.texture!r}, in {elapsed:.1f} s")
    if args.preview is not None:
        print(f"preview: {args.preview}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
