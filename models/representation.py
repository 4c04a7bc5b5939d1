"""The network's event input: one named representation, built by one function.

Every path that feeds STRA (the streaming engine, training samples, evaluation)
turns a window's raw voxel grid and its blurry frame into the network's event
input with :func:`build_event_input`, and the representation it applies is part
of :class:`models.config.ModelConfig`, so a checkpoint names its own input and
a checkpoint of an unknown representation is refused when it is loaded.

Kinds:

* ``"voxel"``: the voxel grid through ``sign(v) * log1p(|v|)`` (NaN/inf -> 0),
  which compresses scenes of very different event rates without statistics.
  The network's residual is added to the blurry frame.
* ``"voxel_edi"``: the same channels, then one EDI latent image per contrast
  in ``edi_contrasts`` (Pan et al., CVPR 2019), computed from the voxel grid at
  the centre of the exposure. The network's residual is added to the first of
  them, so it starts from what the model-based method knows and learns what
  EDI cannot model (unknown and mismatched thresholds, noise, lag). Several
  contrasts let it blend where the true threshold is not the nominal one.

EDI from a voxel grid: with ``bins`` samples t_b spread evenly over the
exposure (both ends included, as :func:`stra_live.voxel.grid.events_to_voxel`
votes bilinearly), the net event count up to t_b is about
``sum(v[:b]) + v[b] / 2``; E(f -> t_b) is that minus its value at the centre
sample, and the exposure's mean of exp(c E) is the trapezoid rule over the
samples. Nine samples are too coarse for a 13-frame blur (the EDI image loses
about 2.4 dB against the exact EDI on ideal events); ``edi_upsampling`` = 2
computes EDI on a grid twice as fine in time (17 samples, within 0.6 dB of the
exact one) while the network's voxel channels stay at ``bins``: the coarse grid
is the fine one merged with the triangle weights (1/2, 1, 1/2), which is exactly
what bilinear voting into ``bins`` would have given.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numba
import numpy as np

RepresentationKind = Literal["voxel", "voxel_edi"]
KINDS: tuple[str, ...] = get_args(RepresentationKind)

_MAX_EXPONENT = 60.0
"""exp() of larger counts carries no information (hot pixels pile up events)."""


@dataclass(frozen=True)
class InputRepresentation:
    """What the event encoder sees, channel by channel.

    Attributes:
        kind: "voxel" or "voxel_edi" (see the module docstring).
        bins: temporal bins of the voxel grid (odd for "voxel_edi", so that a
            bin sits at the centre of the exposure, the EDI latent time).
        edi_contrasts: contrast thresholds c of the EDI channels, the first
            being the residual base; empty for "voxel".
        edi_upsampling: the raw voxel grid has ``(bins - 1) * edi_upsampling + 1``
            bins; EDI uses all of them, the voxel channels merge them to ``bins``.
    """

    kind: RepresentationKind = "voxel"
    bins: int = 5
    edi_contrasts: tuple[float, ...] = ()
    edi_upsampling: int = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(
                f"representation.kind: unknown input representation {self.kind!r}; "
                f"this version knows {list(KINDS)}"
            )
        if not isinstance(self.bins, int) or isinstance(self.bins, bool) or self.bins < 2:
            raise ValueError(f"representation.bins: must be an integer >= 2, got {self.bins!r}")
        object.__setattr__(self, "edi_contrasts", tuple(float(c) for c in self.edi_contrasts))
        if not isinstance(self.edi_upsampling, int) or not 1 <= self.edi_upsampling <= 8:
            raise ValueError(
                "representation.edi_upsampling: must be an integer in 1..8, "
                f"got {self.edi_upsampling!r}"
            )
        if self.kind == "voxel" and self.edi_upsampling != 1:
            raise ValueError("representation.edi_upsampling: only the 'voxel_edi' kind has it")
        if self.kind == "voxel" and self.edi_contrasts:
            raise ValueError("representation.edi_contrasts: only the 'voxel_edi' kind has them")
        if self.kind == "voxel_edi":
            if not self.edi_contrasts or min(self.edi_contrasts) <= 0:
                raise ValueError(
                    "representation.edi_contrasts: 'voxel_edi' needs at least one contrast > 0, "
                    f"got {list(self.edi_contrasts)}"
                )
            if self.bins % 2 == 0:
                raise ValueError(
                    f"representation.bins: 'voxel_edi' needs an odd bin count, got {self.bins}"
                )

    @property
    def raw_bins(self) -> int:
        """Bins of the raw voxel grid that :func:`build_event_input` takes."""
        return (self.bins - 1) * self.edi_upsampling + 1

    @property
    def channels(self) -> int:
        """Channels of the built input (the event encoder's input)."""
        return self.bins + len(self.edi_contrasts)

    @property
    def base_channel(self) -> int | None:
        """Channel holding the residual base image; None = the blurry frame is the base."""
        return self.bins if self.kind == "voxel_edi" else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable fields."""
        data = dataclasses.asdict(self)
        data["edi_contrasts"] = list(self.edi_contrasts)
        return data

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> InputRepresentation:
        """Inverse of :meth:`to_dict`; unknown keys raise ValueError naming them."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"representation: unknown field(s) {unknown}")
        values = dict(data)
        if "edi_contrasts" in values:
            values["edi_contrasts"] = tuple(values["edi_contrasts"])
        return cls(**values)


def _clean(array: np.ndarray) -> np.ndarray:
    """C-contiguous float32 copy-if-needed with NaN and +-inf replaced by 0."""
    values = np.asarray(array, dtype=np.float32)
    if not np.isfinite(values).all():
        values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    return np.ascontiguousarray(values)


@numba.njit(cache=True, fastmath=True)
def _build_kernel(coarse: np.ndarray, counts: np.ndarray, blurry: np.ndarray,
                  contrasts: np.ndarray, out: np.ndarray) -> None:
    """Fill ``out`` (coarse bins + len(contrasts), H, W): normalised counts, then EDI images.

    Per pixel: sign(v) log1p(|v|) per coarse bin; the fine bins' event levels;
    then per contrast B / (trapezoid mean of exp(c E)). A pixel without events
    is its own latent image, so it skips the exponentials (most pixels of a frame).
    """
    channels = coarse.shape[0]
    bins, height, width = counts.shape
    centre = bins // 2
    level = np.empty(bins, dtype=np.float32)
    step = 1.0 / (bins - 1)
    for y in range(height):
        for x in range(width):
            active = False
            for b in range(channels):
                v = coarse[b, y, x]
                if v != 0.0:
                    active = True
                    out[b, y, x] = math.copysign(math.log1p(abs(v)), v)
                else:
                    out[b, y, x] = 0.0
            running = 0.0
            for b in range(bins):
                v = counts[b, y, x]
                level[b] = running + 0.5 * v
                running += v
            base = min(max(blurry[y, x], 0.0), 1.0)
            for i in range(contrasts.shape[0]):
                if not active:
                    out[channels + i, y, x] = base
                    continue
                c = contrasts[i]
                total = 0.0
                for b in range(bins):
                    e = min(max(c * (level[b] - level[centre]), -_MAX_EXPONENT), _MAX_EXPONENT)
                    weight = 0.5 * step if b == 0 or b == bins - 1 else step
                    total += weight * math.exp(e)
                out[channels + i, y, x] = min(max(blurry[y, x] / total, 0.0), 1.0)


def build_event_input(representation: InputRepresentation, voxel: np.ndarray,
                      blurry: np.ndarray) -> np.ndarray:
    """The network's event input of one window.

    Args:
        representation: what to build.
        voxel: (raw_bins, H, W) raw signed event counts of the exposure window
            (:func:`stra_live.voxel.grid.events_to_voxel`).
        blurry: (H, W) the window's blurry frame in [0, 1] (used by EDI channels).

    Returns:
        (channels, H, W) float32.

    Raises:
        ValueError: the voxel grid has another bin count or size than expected.
    """
    if voxel.ndim != 3 or voxel.shape[0] != representation.raw_bins:
        raise ValueError(
            f"voxel grid: expected ({representation.raw_bins}, H, W), got {tuple(voxel.shape)}"
        )
    if blurry.shape != voxel.shape[1:]:
        raise ValueError(f"blurry frame {blurry.shape} and voxel grid {voxel.shape} differ in size")
    out = np.empty((representation.channels, *blurry.shape), dtype=np.float32)
    contrasts = np.asarray(representation.edi_contrasts, dtype=np.float32)
    counts = _clean(voxel)
    coarse = merge_bins(counts, representation.edi_upsampling)
    _build_kernel(coarse, counts, _clean(blurry), contrasts, out)
    return out


def merge_bins(counts: np.ndarray, factor: int) -> np.ndarray:
    """A bilinear voxel grid of ``(B - 1) * factor + 1`` bins -> ``B`` bins, exactly.

    Coarse bin b collects fine bins ``b * factor + d`` for |d| < factor with the
    triangle weight ``1 - |d| / factor``: a coarse hat function is that sum of
    fine ones, so the result equals voting the events into B bins directly.
    """
    if factor == 1:
        return counts
    fine = counts.shape[0]
    padded = np.zeros((fine + 2 * (factor - 1), *counts.shape[1:]), np.float32)
    padded[factor - 1:factor - 1 + fine] = counts
    coarse = np.zeros(((fine - 1) // factor + 1, *counts.shape[1:]), np.float32)
    for d in range(-(factor - 1), factor):
        coarse += (1.0 - abs(d) / factor) * padded[factor - 1 + d::factor][:coarse.shape[0]]
    return coarse
