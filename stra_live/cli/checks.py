"""Flag checks shared by every command line: bad input ends in one line naming the flag.

The argparse ``type=`` functions below refuse nonsense (a zero or negative
duration, a folder where a file is expected, an unknown source) with a short
reason; :class:`OneLineParser` prints it as ``PROG: error: argument --FLAG: REASON``
and exits with status 2, without the usage block that argparse adds by default.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

LIVE_SPECS = ("auto", "demo", "camera")
"""Source specs that are not files or network addresses."""

FILE_SUFFIXES = (".aedat4", ".h5", ".hdf5")
"""Recording files a source spec may name."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr.

    Args:
        exit_status: the status a bad flag exits with (2, argparse's; a command
            whose documented status for bad input is another passes it).
        *args, **kwargs: as for :class:`argparse.ArgumentParser`.
    """

    def __init__(self, *args: Any, exit_status: int = 2, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exit_status = exit_status

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE`` and exit (``--help`` still shows the usage)."""
        print(f"{self.prog}: error: {' '.join(message.split())}", file=sys.stderr)
        raise SystemExit(self.exit_status)


def parse_or_status(parser: argparse.ArgumentParser,
                    argv: list[str] | None) -> argparse.Namespace | int:
    """Parse ``argv``; a bad flag or ``--help`` gives the exit status instead (for ``main``)."""
    try:
        return parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)


def positive_float(text: str) -> float:
    """A finite number > 0 (durations, rates)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """A whole number >= 1 (frame counts, steps)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """A whole number >= 0 (seeds, periods that may be off)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text!r}")
    return value


def existing_file(text: str) -> Path:
    """A path to a file that exists (not a folder)."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, expected a file")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    return path


def existing_path(text: str) -> Path:
    """A file or a folder that exists."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file or folder")
    return path


def output_file(text: str) -> Path:
    """A path to write a file to: not an existing folder."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, expected a file name")
    return path


def output_dir(text: str) -> Path:
    """A folder to write into: not an existing file."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, expected a folder")
    return path


def file_with_suffix(*suffixes: str) -> Callable[[str], Path]:
    """An :func:`existing_file` check that also wants one of ``suffixes`` (e.g. ".yaml")."""
    def check(text: str) -> Path:
        path = existing_file(text)
        if path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(f"{text}: expected a {' or '.join(suffixes)} file")
        return path
    check.__name__ = "file"
    return check


def source_spec(text: str) -> str:
    """auto, demo, camera, tcp://HOST:PORT[,PORT], or an existing .aedat4/.h5/.hdf5 file."""
    spec = text.strip()
    if spec in LIVE_SPECS:
        return spec
    if spec.startswith("tcp://"):
        address = spec.removeprefix("tcp://")
        host, sep, ports = address.rpartition(":")
        if not sep or not host or not all(p.isdigit() and 0 < int(p) < 65536
                                           for p in ports.split(",")):
            raise argparse.ArgumentTypeError(f"expected tcp://HOST:PORT[,PORT], got {text!r}")
        return spec
    path = Path(spec)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, expected a recording file")
    if path.suffix.lower() not in FILE_SUFFIXES:
        raise argparse.ArgumentTypeError(
            f"unknown source {text!r}: expected {', '.join(LIVE_SPECS)}, "
            f"FILE{'/'.join(FILE_SUFFIXES)} or tcp://HOST:PORT")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    return spec
