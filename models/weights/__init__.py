"""Shipped network weights: ``stra_paper.safetensors``, ``stra_realtime.safetensors`` and
``stra_realtime_edi.safetensors``.

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

WeightsKind = Literal["paper", "realtime", "realtime_edi"]
"""The shipped configurations: the paper's (C=32, R=8), the real-time one (the CPU
default) and the real-time layout with exact EDI input (the best on the test split, the
GPU default)."""

KINDS: tuple[WeightsKind, ...] = ("paper", "realtime", "realtime_edi")


def _check(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"weights kind must be one of {KINDS}, got {kind!r}")


def default_weights(kind: WeightsKind) -> Path:
    """Path of the shipped checkpoint of ``kind`` (it may not exist before training)."""
    _check(kind)
    return WEIGHTS_DIR / f"stra_{kind}.safetensors"


def default_config(kind: WeightsKind) -> Path:
    """Path of the YAML architecture of ``kind``: ``configs/model_<kind>.yaml``."""
    _check(kind)
    return CONFIG_DIR / f"model_{kind}.yaml"
