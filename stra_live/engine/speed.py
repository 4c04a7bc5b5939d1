"""Inference speed options applied to a :class:`~stra_live.engine.runtime.ModelRuntime`.

Kept outside the runtime so that its interface (``encode_frame``,
``encode_events``, ``memory_entry``, ``decode``) does not change:
:func:`apply_speed_options` converts the network's weights to channels-last
and/or wraps the four methods of the network in ``torch.compile``, each with
an eager fallback. ``torch.inference_mode`` is the runtime's own.

Compiling: ``torch.compile`` traces a method on its first call and, on CPU,
generates and builds C++ kernels (fused convolution epilogues and
activations). That costs tens of seconds on a small CPU the first time;
inductor's on-disk caches (``TORCHINDUCTOR_CACHE_DIR``, by default under the
system's temp folder) make later starts far cheaper. Any failure (no C++
compiler, an unsupported operator) logs one warning and falls back to the
eager method for good, so nothing requires a compiler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import torch

log = logging.getLogger(__name__)

COMPILED_METHODS = ("encode_frame", "encode_events", "memory_entry", "decode")
"""The network methods a streamed step calls."""


@dataclass(frozen=True)
class SpeedOptions:
    """How the network runs on top of the eager default.

    Attributes:
        channels_last: store weights (and so activations) channels-last, which
            oneDNN's CPU convolutions and CUDA tensor cores prefer.
        compile: "off" (eager), "default" or "max-autotune" (torch.compile modes).
    """

    channels_last: bool = False
    compile: Literal["off", "default", "max-autotune"] = "off"

    def __post_init__(self) -> None:
        if self.compile not in ("off", "default", "max-autotune"):
            raise ValueError(f"compile must be off, default or max-autotune, got {self.compile!r}")

    @property
    def label(self) -> str:
        """Short description, e.g. "eager" or "compile+channels-last"."""
        parts = (["compile" if self.compile == "default" else f"compile-{self.compile}"]
                 if self.compile != "off" else [])
        parts += ["channels-last"] if self.channels_last else []
        return "+".join(parts) or "eager"


class EagerFallback:
    """Calls the compiled function; on its first failure, logs once and uses eager for good.

    Args:
        compiled: the ``torch.compile`` wrapper.
        eager: the original function.
        name: names the function in the warning.
    """

    def __init__(self, compiled: Callable[..., Any], eager: Callable[..., Any], name: str) -> None:
        self._compiled: Callable[..., Any] | None = compiled
        self._eager = eager
        self.name = name

    @property
    def compiled(self) -> bool:
        """False once the fallback to eager happened."""
        return self._compiled is not None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run compiled if still possible, else eager."""
        if self._compiled is not None:
            try:
                return self._compiled(*args, **kwargs)
            except Exception as error:  # no compiler, unsupported op: eager always works
                log.warning("torch.compile failed for %s (%s: %s); running it eagerly",
                            self.name, type(error).__name__, str(error).splitlines()[0][:200])
                self._compiled = None
        return self._eager(*args, **kwargs)


def apply_speed_options(model: torch.nn.Module, options: SpeedOptions) -> torch.nn.Module:
    """Apply ``options`` to ``model`` in place (it stays an ``nn.Module``); returns it."""
    if options.channels_last:
        model.to(memory_format=torch.channels_last)
    if options.compile != "off":
        for name in COMPILED_METHODS:
            eager = getattr(model, name)
            compiled = torch.compile(eager, mode=options.compile, dynamic=False)
            # An instance attribute shadows the class's method for this model only.
            object.__setattr__(model, name, EagerFallback(compiled, eager, name))
    return model
