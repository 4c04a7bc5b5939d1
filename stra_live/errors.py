"""Errors raised on bad input, each naming the file (or stream) and the problem.

Callers catch :class:`InputError` at the edges (CLI, app workers) and show its
message; nothing below should let a raw h5py/numba/dv traceback escape.
"""

from __future__ import annotations


class InputError(ValueError):
    """Input data that cannot be used: wrong format, corrupt, inconsistent.

    Args:
        source: the file path or stream name the data came from.
        problem: a sentence saying what is wrong.
    """

    def __init__(self, source: object, problem: str) -> None:
        self.source = str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        # Rebuild from both parts, so the error survives pickling (DataLoader
        # workers, subprocess readers) with its type and message intact.
        return type(self), (self.source, self.problem)


class CheckpointError(InputError):
    """A checkpoint that cannot be loaded into the requested network."""


class SourceDisconnectedError(RuntimeError):
    """A live source (camera, network stream) went away; the caller may retry."""
