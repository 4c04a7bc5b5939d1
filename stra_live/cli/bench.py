"""`stra-bench NAME`: run one benchmark; its last output line is one JSON object."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

BENCHMARKS = ("voxel", "sim", "model", "stream")
"""Names of the modules in :mod:`stra_live.benchmarks`, one per subcommand."""


def build_parser() -> argparse.ArgumentParser:
    """Parser with one subcommand per benchmark module."""
    parser = argparse.ArgumentParser(
        prog="stra-bench",
        description="Measure STRA Live's speed. Each benchmark prints figures, then one JSON line.",
    )
    commands = parser.add_subparsers(dest="benchmark", required=True, metavar="BENCHMARK")
    for name in BENCHMARKS:
        module = importlib.import_module(f"stra_live.benchmarks.{name}")
        sub = commands.add_parser(name, help=module.DESCRIPTION, description=module.DESCRIPTION)
        module.add_arguments(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `stra-bench`."""
    args = build_parser().parse_args(argv)
    module = importlib.import_module(f"stra_live.benchmarks.{args.benchmark}")
    result = module.run(args)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
