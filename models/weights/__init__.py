"""Shipped network weights: ``stra_<kind>.safetensors`` for each kind in :data:`KINDS`.

The files are written by training (``stra-train``) into this folder and loaded
with :func:`models.checkpoint.load_checkpoint`; this module only names them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from stra_live.resources import config_dir, weights_dir

WEIGHTS_DIR = weights_dir()
"""This folder (``models/weights``), found by :mod:`stra_live.resources`."""

CONFIG_DIR = config_dir()
"""The shipped ``configs/`` folder (``model_<kind>.yaml`` for each kind)."""

WeightsKind = Literal["paper", "realtime", "realtime_edi", "realtime_edi_detail",
                      "realtime_edi_detail_wide", "realtime_edi_ramp",
                      "realtime_edi_ramp_ideal", "realtime_edi_ramp_gate",
                      "realtime_edi_ramp_odd"]
"""The shipped configurations: the paper's (C=32, R=8); the first real-time layout
("slim": voxel input, stem 2); the same layout with exact EDI input; the EDI-input
network on 4x4-pixel cells with a detail level; the same with a wider, deeper detail
level; that network on ramped EDI input; the same layers fine-tuned on data weighted
towards the ideal sensor; that network grown by a full-resolution pixel gate; and
the gated layers trained on odd blur lengths only, whose ground truth is at the
latent time of the input (the default)."""

KINDS: tuple[WeightsKind, ...] = ("paper", "realtime", "realtime_edi", "realtime_edi_detail",
                                  "realtime_edi_detail_wide", "realtime_edi_ramp",
                                  "realtime_edi_ramp_ideal", "realtime_edi_ramp_gate",
                                  "realtime_edi_ramp_odd")

ARCHITECTURES: dict[str, WeightsKind] = {"realtime_edi_ramp_odd": "realtime_edi_ramp_gate"}
"""Kinds that are other weights of another kind's layers, and whose layers they are."""

DEFAULT: WeightsKind = "realtime_edi_ramp_odd"
"""What every device runs unless told otherwise: the best network on validation, at a
streamed step within 1.2x the slim network's (README, Results)."""


def _check(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"weights kind must be one of {KINDS}, got {kind!r}")


def default_weights(kind: WeightsKind) -> Path:
    """Path of the shipped checkpoint of ``kind`` (it may not exist before training)."""
    _check(kind)
    return WEIGHTS_DIR / f"stra_{kind}.safetensors"


def default_config(kind: WeightsKind) -> Path:
    """Path of the YAML architecture of ``kind``: ``configs/model_<kind>.yaml``.

    A kind in :data:`ARCHITECTURES` has the file of the kind whose layers it has.
    """
    _check(kind)
    return CONFIG_DIR / f"model_{ARCHITECTURES.get(kind, kind)}.yaml"
