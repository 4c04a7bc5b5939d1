"""STRA checkpoints: safetensors weights with the architecture embedded in the metadata.

Layout of a checkpoint file (safetensors):

* tensors: the model's ``state_dict`` (float32 by default), keys as in :class:`models.stra.STRA`;
* metadata (string -> string):
    - ``"format"``: :data:`FORMAT`;
    - ``"model_config"``: JSON of :meth:`models.config.ModelConfig.to_dict`;
    - ``"metadata"``: JSON of the caller's dict (epoch, data, scores, ...).

Loading builds the network from the embedded configuration, so a checkpoint
always comes back with the architecture it was trained with; any mismatch is a
:class:`stra_live.errors.CheckpointError` naming the file and the difference.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from models.config import ModelConfig
from models.stra import STRA
from stra_live.errors import CheckpointError

FORMAT = "stra-live-checkpoint/1"
"""Value of the ``format`` metadata entry written by :func:`save_checkpoint`."""

MAX_LISTED = 5
"""How many offending keys an error message lists before summarising."""

log = logging.getLogger(__name__)


def save_checkpoint(
    path: str | Path, model: STRA, config: ModelConfig, metadata: dict[str, Any] | None = None
) -> None:
    """Write ``model``'s weights, ``config`` and JSON-serialisable ``metadata`` to ``path``.

    The file is written beside the target and renamed over it, so a reader
    never sees half a checkpoint.
    """
    path = Path(path)
    if model.config != config:
        differences = ", ".join(
            f"{name} {built!r} in the model, {given!r} given"
            for name, built, given in model.config.differences(config)
        )
        raise ValueError(f"save_checkpoint: config does not describe the model ({differences})")
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    header = {
        "format": FORMAT,
        "model_config": json.dumps(config.to_dict()),
        "metadata": json.dumps(metadata or {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    save_file(tensors, str(partial), metadata=header)
    os.replace(partial, path)
    log.info("saved checkpoint %s (%d tensors)", path, len(tensors))


def load_checkpoint(
    path: str | Path, expected: ModelConfig | None = None, device: str | torch.device = "cpu"
) -> tuple[STRA, ModelConfig, dict[str, Any]]:
    """Build the network a checkpoint describes and load its weights.

    Args:
        path: a file written by :func:`save_checkpoint`.
        expected: when given, the embedded configuration must equal it.
        device: where the returned model lives.

    Returns:
        the model (in eval mode), its configuration and the saved metadata.

    Raises:
        CheckpointError: missing or unreadable file, not safetensors, missing
            or invalid metadata, a configuration other than ``expected``, or
            weights that do not fit the architecture (missing/unexpected keys,
            shapes) — each message names the mismatch.
    """
    path = Path(path)
    header, tensors = _read(path)
    config = _embedded_config(path, header)
    if expected is not None and config != expected:
        differences = "; ".join(
            f"{name} {ours!r} in the checkpoint, {theirs!r} expected"
            for name, ours, theirs in config.differences(expected)
        )
        raise CheckpointError(path, f"architecture differs: {differences}")
    model = STRA(config)
    _check_state(path, model, tensors)
    model.load_state_dict(tensors, strict=True)
    try:
        metadata = json.loads(header.get("metadata", "{}"))
    except json.JSONDecodeError as error:
        raise CheckpointError(path, f"metadata entry is not valid JSON ({error})") from error
    return model.to(device).eval(), config, metadata


def _read(path: Path) -> tuple[dict[str, str], dict[str, torch.Tensor]]:
    """Metadata and tensors of a safetensors file, or CheckpointError."""
    if not path.is_file():
        raise CheckpointError(path, "no such checkpoint file")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            header = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        raise CheckpointError(path, f"not a readable safetensors file ({error})") from error
    return header, tensors


def _embedded_config(path: Path, header: dict[str, str]) -> ModelConfig:
    """The ModelConfig stored in the metadata, or CheckpointError."""
    if "model_config" not in header:
        raise CheckpointError(
            path, "no model configuration in the safetensors metadata (not an STRA checkpoint?)"
        )
    try:
        data = json.loads(header["model_config"])
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {data!r}")
        return ModelConfig.from_mapping(data)
    except (ValueError, TypeError) as error:
        raise CheckpointError(path, f"invalid model configuration ({error})") from error


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    more = len(names) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _check_state(path: Path, model: STRA, tensors: dict[str, torch.Tensor]) -> None:
    """Raise CheckpointError unless ``tensors`` fit ``model`` key for key and shape for shape."""
    wanted = model.state_dict()
    missing = sorted(set(wanted) - set(tensors))
    unexpected = sorted(set(tensors) - set(wanted))
    problems = []
    if missing:
        problems.append(f"missing weights {_listed(missing)}")
    if unexpected:
        problems.append(f"unexpected weights {_listed(unexpected)}")
    mismatched = [
        f"layer {key} has shape {tuple(tensors[key].shape)}, "
        f"the model expects {tuple(wanted[key].shape)}"
        for key in sorted(set(wanted) & set(tensors))
        if tensors[key].shape != wanted[key].shape
    ]
    problems.extend(mismatched[:MAX_LISTED])
    if len(mismatched) > MAX_LISTED:
        problems.append(f"{len(mismatched) - MAX_LISTED} more layers of another shape")
    not_float = [k for k in sorted(tensors) if not tensors[k].is_floating_point()]
    if not_float:
        problems.append(f"non-float weights {_listed(not_float)}")
    if problems:
        raise CheckpointError(path, "weights do not fit the architecture: " + "; ".join(problems))
