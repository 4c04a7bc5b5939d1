"""Run a decoder in a child process, watched for stalls and crashes.

dv-processing 2.0.4 can loop forever inside LZ4 decompression on a corrupt
AEDAT4 packet (about a quarter of random few-byte corruptions did, in our
tests), holding the GIL, so no thread can time it out. Decoding in a
``spawn`` child that reports progress lets the caller give up on a stalled
or crashed decoder with an :class:`~stra_live.errors.InputError` instead of
hanging the app. Startup costs about 0.3 s per call.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from stra_live.errors import InputError

T = TypeVar("T")

Progress = Callable[[], None]
"""Callback a decoder calls now and then to show it is still making progress."""


def call_isolated(function: Callable[..., T], args: tuple[Any, ...], source: object,
                  stall_timeout_s: float = 10.0) -> T:
    """Return ``function(*args, progress=...)`` computed in a fresh child process.

    ``function`` must be a module-level (picklable) callable, and its result
    and arguments picklable. The child is killed, and :class:`InputError`
    naming ``source`` raised, when it sends nothing for ``stall_timeout_s``
    seconds or exits without an answer. An :class:`InputError` raised in the
    child is raised again here with the same problem; any other exception
    becomes an ``InputError`` too.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(function, args, sender), daemon=True)
    process.start()
    sender.close()  # so that recv() sees EOF if the child dies
    try:
        while True:
            if not receiver.poll(stall_timeout_s):
                raise InputError(source, f"decoding stalled for {stall_timeout_s:g} s "
                                         "(corrupt data?); gave up")
            try:
                kind, payload = receiver.recv()
            except EOFError:
                process.join(timeout=5.0)
                raise InputError(source, "the decoder process died without an answer "
                                         f"(exit code {process.exitcode})") from None
            if kind == "done":
                return payload
            if kind == "error":
                raise InputError(source, payload)
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()


def _child(function: Callable[..., Any], args: tuple[Any, ...], sender: Connection) -> None:
    def progress() -> None:
        sender.send(("progress", None))

    try:
        result = function(*args, progress=progress)
    except InputError as error:
        # The problem text travels, not the exception: InputError does not pickle back.
        sender.send(("error", error.problem))
    except Exception as error:  # the parent must hear about any failure, not wait for it
        sender.send(("error", f"{type(error).__name__}: {error}"))
    else:
        sender.send(("done", result))
    finally:
        sender.close()
