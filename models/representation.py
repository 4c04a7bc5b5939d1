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
samples. Nine bins resolve the 7-13 frame blurs of the protocol well enough
for a starting point that the network then corrects.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal

import numba
import numpy as np

RepresentationKind = Literal["voxel", "voxel_edi"]
KINDS: tuple[str, ...] = ("voxel", "voxel_edi")

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
    """

    kind: RepresentationKind = "voxel"
    bins: int = 5
    edi_contrasts: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(
                f"representation.kind: unknown input representation {self.kind!r}; "
                f"this version knows {list(KINDS)}"
            )
        if not isinstance(self.bins, int) or isinstance(self.bins, bool) or self.bins < 2:
            raise ValueError(f"representation.bins: must be an integer >= 2, got {self.bins!r}")
        object.__setattr__(self, "edi_contrasts", tuple(float(c) for c in self.edi_contrasts))
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
def _build_kernel(counts: np.ndarray, blurry: np.ndarray, contrasts: np.ndarray,
                  out: np.ndarray) -> None:
    """Fill ``out`` (bins + len(contrasts), H, W): normalised counts, then EDI images.

    Per pixel: sign(v) log1p(|v|) per bin; the bins' event levels; then per
    contrast B / (trapezoid mean of exp(c E)). A pixel without events is its
    own latent image, so it skips the exponentials (most pixels of a frame).
    """
    bins, height, width = counts.shape
    centre = bins // 2
    level = np.empty(bins, dtype=np.float32)
    step = 1.0 / (bins - 1)
    for y in range(height):
        for x in range(width):
            running = 0.0
            active = False
            for b in range(bins):
                v = counts[b, y, x]
                if v != 0.0:
                    active = True
                    out[b, y, x] = math.copysign(math.log1p(abs(v)), v)
                else:
                    out[b, y, x] = 0.0
                level[b] = running + 0.5 * v
                running += v
            base = min(max(blurry[y, x], 0.0), 1.0)
            for i in range(contrasts.shape[0]):
                if not active:
                    out[bins + i, y, x] = base
                    continue
                c = contrasts[i]
                total = 0.0
                for b in range(bins):
                    e = min(max(c * (level[b] - level[centre]), -_MAX_EXPONENT), _MAX_EXPONENT)
                    weight = 0.5 * step if b == 0 or b == bins - 1 else step
                    total += weight * math.exp(e)
                out[bins + i, y, x] = min(max(blurry[y, x] / total, 0.0), 1.0)


def build_event_input(representation: InputRepresentation, voxel: np.ndarray,
                      blurry: np.ndarray) -> np.ndarray:
    """The network's event input of one window.

    Args:
        representation: what to build.
        voxel: (bins, H, W) raw signed event counts of the exposure window
            (:func:`stra_live.voxel.grid.events_to_voxel`).
        blurry: (H, W) the window's blurry frame in [0, 1] (used by EDI channels).

    Returns:
        (channels, H, W) float32.

    Raises:
        ValueError: the voxel grid has another bin count or size than expected.
    """
    if voxel.ndim != 3 or voxel.shape[0] != representation.bins:
        raise ValueError(
            f"voxel grid: expected ({representation.bins}, H, W), got {tuple(voxel.shape)}"
        )
    if blurry.shape != voxel.shape[1:]:
        raise ValueError(f"blurry frame {blurry.shape} and voxel grid {voxel.shape} differ in size")
    out = np.empty((representation.channels, *blurry.shape), dtype=np.float32)
    contrasts = np.asarray(representation.edi_contrasts, dtype=np.float32)
    _build_kernel(_clean(voxel), _clean(blurry), contrasts, out)
    return out
