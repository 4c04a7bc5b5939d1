"""Run a decoder in a child process, watched for stalls and crashes.

dv-processing 2.0.4 can loop forever inside LZ4 decompression on a corrupt
AEDAT4 packet (about a quarter of random few-byte corruptions did, in our
tests), holding the GIL, so no thread can time it out. Decoding in a child
process that reports progress lets the caller give up on a stalled or
crashed decoder with an :class:`~stra_live.errors.InputError` instead of
hanging the app.

The child is a fresh ``python -c`` (not ``multiprocessing``, whose ``spawn``
re-imports the caller's ``__main__`` script and so re-runs unguarded
scripts); it gets the parent's ``sys.path``, reads the pickled call on stdin
and answers with pickled messages on stdout. Startup costs about 0.3 s.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, Any, TypeVar

from stra_live.errors import InputError

T = TypeVar("T")

Progress = Callable[[], None]
"""Callback a decoder calls now and then to show it is still making progress."""

_CHILD_COMMAND = "from stra_live.io.isolated import serve_one_call; serve_one_call()"


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
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    process = subprocess.Popen([sys.executable, "-c", _CHILD_COMMAND], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, env=env)
    assert process.stdin is not None and process.stdout is not None
    messages: queue.Queue[tuple[str, Any]] = queue.Queue()
    pump = threading.Thread(target=_pump, args=(process.stdout, messages), daemon=True)
    pump.start()
    try:
        try:
            pickle.dump((function, args), process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            process.stdin.close()
        except BrokenPipeError:
            pass  # the child already died: reported below as such
        return _await_answer(process, messages, source, stall_timeout_s)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        pump.join(timeout=5.0)
        process.stdout.close()


def serve_one_call() -> None:
    """Child side: read one pickled call on stdin, answer on stdout (see the module doc)."""
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints (Python or C) go to stderr, not into the message stream
    sys.stdout = sys.stderr

    def send(kind: str, payload: Any) -> None:
        pickle.dump((kind, payload), channel, protocol=pickle.HIGHEST_PROTOCOL)
        channel.flush()

    try:
        function, args = pickle.load(sys.stdin.buffer)
        result = function(*args, progress=lambda: send("progress", None))
    except InputError as error:
        # The problem text travels, not the exception: InputError does not pickle back.
        send("error", error.problem)
    except Exception as error:  # the parent must hear about any failure, not wait for it
        send("error", f"{type(error).__name__}: {error}")
    else:
        send("done", result)
    finally:
        channel.close()


def _await_answer(process: subprocess.Popen[bytes], messages: queue.Queue[tuple[str, Any]],
                  source: object, stall_timeout_s: float) -> Any:
    while True:
        try:
            kind, payload = messages.get(timeout=stall_timeout_s)
        except queue.Empty:
            raise InputError(source, f"decoding stalled for {stall_timeout_s:g} s "
                                     "(corrupt data?); gave up") from None
        if kind == "done":
            return payload
        if kind == "error":
            raise InputError(source, payload)
        if kind == "eof":
            code = process.wait(timeout=5.0)
            raise InputError(source, f"the decoder process died without an answer "
                                     f"(exit code {code})")


def _pump(stream: IO[bytes], messages: queue.Queue[tuple[str, Any]]) -> None:
    # Blocking reads live here so the caller can wait on the queue with a timeout.
    while True:
        try:
            message = pickle.load(stream)
        except Exception:  # EOF, or a message cut off when the child died
            messages.put(("eof", None))
            return
        messages.put(message)
