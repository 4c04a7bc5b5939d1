"""`stra-bench NAME`: run one benchmark; its last output line is one JSON object."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from stra_live.cli.checks import OneLineParser, parse_or_status

BENCHMARKS = {
    "voxel": "Numba voxel kernel and rolling buffer vs the NumPy reference",
    "sim": "event simulator throughput (frames per second at 240x180)",
    "model": "STRA size, GFLOPs and CPU frames per second",
    "stream": "streaming engine vs naive per-window recomputation",
    "pipeline": "the app end to end (demo, AEDAT4, DV network; recording off/on)",
    "record": "session recorder throughput (events/s with frames, deblurred frames and MP4)",
}
"""Subcommand name -> one-line description; the module is stra_live.benchmarks.<name>."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of `stra-bench`.

    The benchmark module is imported only once chosen, so a benchmark that
    needs torch does not slow down one that does not.
    """
    parser = OneLineParser(
        prog="stra-bench",
        description="Measure STRA Live's speed. Each benchmark prints figures, then one JSON line.",
        epilog="benchmarks: " + "; ".join(f"{k}: {v}" for k, v in BENCHMARKS.items()),
    )
    parser.add_argument("benchmark", choices=sorted(BENCHMARKS), help="which benchmark to run")
    parser.add_argument("options", nargs=argparse.REMAINDER, help="options of that benchmark")
    args = parse_or_status(parser, argv)
    if isinstance(args, int):  # a bad flag (one line already printed) or --help
        return args

    module = importlib.import_module(f"stra_live.benchmarks.{args.benchmark}")
    sub = OneLineParser(
        prog=f"stra-bench {args.benchmark}", description=BENCHMARKS[args.benchmark]
    )
    module.add_arguments(sub)
    options = parse_or_status(sub, args.options)
    if isinstance(options, int):
        return options
    result = module.run(options)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
