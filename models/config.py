"""Typed configuration of the STRA network (one frozen dataclass, validated on construction).

YAML files in ``configs/model_*.yaml`` are loaded into :class:`ModelConfig` at
the CLI edges with :func:`stra_live.config.load_config`; checkpoints embed the
same fields as JSON (:func:`ModelConfig.to_dict` / :func:`ModelConfig.from_mapping`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from models.representation import InputRepresentation

LEVELS = 3
"""Encoder/decoder scales: C, 2C, 4C channels at 1, 1/2, 1/4 of the stem's resolution."""


def _is_power_of_two(value: int) -> bool:
    return value > 0 and value & (value - 1) == 0


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of one STRA network.

    Layout (see ``models/stra.py``): a frame encoder shared by T-1, T, T+1 and
    an event encoder, each with one ResBlock of ``encoder_units`` res-units per
    scale; a decoder whose two finer scales hold ``res_units`` res-units and
    whose coarsest scale (4C channels, where a unit costs 16x the parameters of
    one at C) holds ``encoder_units``.

    Attributes:
        channels: C, base channel count (scales use C, 2C, 4C).
        res_units: R, res-units in each of the decoder's two finer ResBlocks.
        encoder_units: res-units per scale in each encoder and in the decoder's
            coarsest ResBlock.
        representation: the event input (voxel bins, normalisation, EDI
            channels), built by :func:`models.representation.build_event_input`;
            its ``channels`` are the event encoder's input channels.
        attention_scale: image pixels per attention cell along each axis; the
            SFB and TMB attend on an (H/scale, W/scale) grid, which keeps their
            (Nq, Nk) matrices small (full resolution would need N = H*W).
            A power of two.
        attention_dim: channels of the attention features (queries, keys, values).
        stem: "conv" (a 3x3 conv at full resolution) or "space_to_depth"
            (pixel_unshuffle by ``stem_factor`` then a 3x3 conv, so every later
            layer runs at 1/stem_factor resolution; pixel_shuffle at the end).
        stem_factor: 1 for the "conv" stem; 2 or 4 (a power of two) for
            "space_to_depth".
        use_events: False = frames-only ablation (no event branch, no TMB; the
            SFB then attends from the fused frames to themselves).
        use_tmb: use the Temporal Memory Block (needs ``use_events``).
        use_sfb: use the Spatial Fusion Block (without it, the TMB's read-out is
            injected into the decoder directly).
        attention: "dot" = scaled dot-product of the projected features (the
            paper's non-local block); "cosine" = cosine similarity of queries and
            keys that carry a 2-D position code, times a learned temperature
            (see :mod:`models.attention`: plain dot products stayed uniform in
            training).
        detail_channels: 0 = none; otherwise the width of a last decoder
            level at half the stem's cell size, fed by the full-resolution
            blurry frame and EDI images (:class:`models.unet.DetailLevel`),
            which gives a stem of 4 back the detail its cells lose. Needs the
            "space_to_depth" stem.
        detail_units: res-units of the detail level (when it has one).
        detail_events: the detail level also reads the voxel bins at full
            resolution (when each pixel's events came, which the EDI images
            sum away), not only through the 4x4-cell event encoder. Needs a
            detail level and events.
        gate_channels: 0 = none; otherwise the width of a full-resolution last
            stage that scales the residual per pixel and adds a correction
            (:class:`models.gate.PixelGate`), so the coarse residual does not
            blur edges the EDI base already has right.
    """

    channels: int = 32
    res_units: int = 8
    encoder_units: int = 1
    representation: InputRepresentation = field(default_factory=InputRepresentation)
    attention_scale: int = 8
    attention_dim: int = 64
    stem: Literal["conv", "space_to_depth"] = "conv"
    stem_factor: int = 1
    use_events: bool = True
    use_tmb: bool = True
    use_sfb: bool = True
    attention: Literal["dot", "cosine"] = "dot"
    detail_channels: int = 0
    detail_units: int = 1
    detail_events: bool = False
    gate_channels: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.representation, dict):
            rep = InputRepresentation.from_mapping(self.representation)
            object.__setattr__(self, "representation", rep)
        if not isinstance(self.representation, InputRepresentation):
            raise ValueError(
                f"ModelConfig.representation: expected a mapping, got {self.representation!r}"
            )
        if self.attention not in ("dot", "cosine"):
            raise ValueError(
                f"ModelConfig.attention: must be 'dot' or 'cosine', got {self.attention!r}"
            )
        for name in ("channels", "res_units", "encoder_units", "attention_dim", "detail_units"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ModelConfig.{name}: must be a positive integer, got {value!r}")
        for name in ("attention_scale", "stem_factor"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not _is_power_of_two(value):
                raise ValueError(f"ModelConfig.{name}: must be a power of two, got {value!r}")
        if self.stem not in ("conv", "space_to_depth"):
            raise ValueError(
                f"ModelConfig.stem: must be 'conv' or 'space_to_depth', got {self.stem!r}"
            )
        if self.stem == "conv" and self.stem_factor != 1:
            raise ValueError(
                f"ModelConfig.stem_factor: must be 1 for the 'conv' stem, got {self.stem_factor}"
            )
        if self.stem == "space_to_depth" and self.stem_factor < 2:
            raise ValueError(
                "ModelConfig.stem_factor: must be >= 2 for the 'space_to_depth' stem, "
                f"got {self.stem_factor}"
            )
        detail = self.detail_channels
        if not isinstance(detail, int) or isinstance(detail, bool) or detail < 0:
            raise ValueError(
                f"ModelConfig.detail_channels: must be an integer >= 0, got {detail!r}"
            )
        if detail and self.stem != "space_to_depth":
            raise ValueError(
                "ModelConfig.detail_channels: a detail level needs the 'space_to_depth' stem"
            )
        gate = self.gate_channels
        if not isinstance(gate, int) or isinstance(gate, bool) or gate < 0:
            raise ValueError(f"ModelConfig.gate_channels: must be an integer >= 0, got {gate!r}")
        if self.detail_events is not False and self.detail_events is not True:
            raise ValueError(
                f"ModelConfig.detail_events: must be true or false, got {self.detail_events!r}"
            )
        if self.detail_events and not (detail and self.use_events):
            raise ValueError(
                "ModelConfig.detail_events: needs a detail level (detail_channels > 0) "
                "and use_events: true"
            )
        if self.use_tmb and not self.use_events:
            raise ValueError("ModelConfig.use_tmb: the TMB needs events; set use_events: true")

    @property
    def raw_channels(self) -> int:
        """Channels of each window's raw grids (the representation's ``raw_channels``)."""
        return self.representation.raw_channels

    @property
    def coarsest_scale(self) -> int:
        """Image pixels per feature cell at the decoder's coarsest scale."""
        return self.stem_factor * 2 ** (LEVELS - 1)

    @property
    def stride(self) -> int:
        """Inputs are padded to a multiple of this (coarsest scale and attention grid)."""
        return max(self.coarsest_scale, self.attention_scale)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable mapping of every field."""
        data = dataclasses.asdict(self)
        data["representation"] = self.representation.to_dict()
        return data

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> ModelConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise ValueError naming them.

        Files written before the representation had a name carry a top-level
        ``bins``: they are the plain "voxel" representation with that many bins.
        """
        data = dict(data)
        if "bins" in data and "representation" not in data:
            data["representation"] = {"kind": "voxel", "bins": data.pop("bins")}
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"ModelConfig: unknown field(s) {unknown}")
        return cls(**data)

    def differences(self, other: ModelConfig) -> list[tuple[str, Any, Any]]:
        """Fields that differ, as ``(name, value here, value in other)``."""
        return [
            (f.name, getattr(self, f.name), getattr(other, f.name))
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(other, f.name)
        ]
