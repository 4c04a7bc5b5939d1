"""The shipped checkpoints by name, and how the window names the loaded one.

The checkpoint picker opens in the shipped weights folder
(:func:`stra_live.resources.weights_dir`); the menu lists the shipped files by
name; the status bar says which file is loaded and what network it holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stra_live.resources import weights_dir


def shipped_checkpoints() -> list[tuple[str, Path]]:
    """(name, path) of every shipped ``.safetensors`` file, top folder first, then by name.

    Names are relative to the weights folder without the suffix, e.g.
    ``"stra_realtime"`` or ``"ablations/stra_realtime_no_tmb"``.
    """
    root = weights_dir()
    paths = sorted(root.rglob("*.safetensors"), key=lambda p: (len(p.relative_to(root).parts),
                                                               str(p)))
    return [(str(p.relative_to(root).with_suffix("")), p) for p in paths]


def describe_network(config: Any) -> str:
    """A short description of a ModelConfig, e.g. ``"C=16, SFB+TMB"``."""
    blocks = [name for name, used in (("SFB", getattr(config, "use_sfb", True)),
                                      ("TMB", getattr(config, "use_tmb", True))) if used]
    parts = [f"C={getattr(config, 'channels', '?')}", "+".join(blocks) or "no attention"]
    if not getattr(config, "use_events", True):
        parts.append("frames only")
    return ", ".join(parts)


def describe_weights(path: Path | None, config: Any) -> str:
    """Status-bar text of a loaded checkpoint: ``"stra_realtime.safetensors (C=16, ...)"``."""
    name = path.name if path is not None else "shipped default"
    return f"{name} ({describe_network(config)})" if config is not None else name
