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
  in ``edi_contrasts`` (Pan et al., CVPR 2019) at the centre of the exposure.
  The network's residual is added to the first of them, so it starts from
  what the model-based method knows and learns what EDI cannot model
  (unknown and mismatched thresholds, noise, lag). Several contrasts let it
  blend where the true threshold is not the nominal one. With ``edi_ramp_us``
  > 0 the EDI channels interpolate each pixel's log intensity between its
  events instead of holding it (:mod:`stra_live.voxel.edi_gain`), which is
  closer to how a pixel's light changes and needs the events up to that long
  before and after the exposure. ``step_edi_contrasts`` adds EDI channels
  with EDI's own step model after those, so a ramped input can keep what the
  step model tells too (a network grown from one without them starts where
  it stopped: :mod:`stra_live.training.warm_start`).

The raw grids of a window (:func:`stra_live.voxel.window.window_grids`) are
the voxel grid and, for "voxel_edi", EDI's exposure gain per contrast computed
exactly from the events (no time grid), so the EDI channels equal the EDI
baseline of the evaluation. Files written when these gains were approximated
from a finer voxel grid carry an ``edi_upsampling`` field; it is dropped on
loading, since the exact gain is the limit that setting approached.
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

@dataclass(frozen=True)
class InputRepresentation:
    """What the event encoder sees, channel by channel.

    Attributes:
        kind: "voxel" or "voxel_edi" (see the module docstring).
        bins: temporal bins of the voxel grid (odd for "voxel_edi", so that a
            bin sits at the centre of the exposure, the EDI latent time).
        edi_contrasts: contrast thresholds c of the EDI channels, the first
            being the residual base; empty for "voxel".
        edi_ramp_us: longest time (us) over which the EDI channels spread an
            event's step; 0 is EDI's own step model.
        step_edi_contrasts: contrasts of further EDI channels, after those of
            ``edi_contrasts``, that always use the step model.
    """

    kind: RepresentationKind = "voxel"
    bins: int = 5
    edi_contrasts: tuple[float, ...] = ()
    edi_ramp_us: float = 0.0
    step_edi_contrasts: tuple[float, ...] = ()

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
        ramp = self.edi_ramp_us
        if isinstance(ramp, bool) or not isinstance(ramp, int | float) or not 0 <= ramp < 1e6:
            raise ValueError(
                f"representation.edi_ramp_us: must be a number of microseconds in [0, 1e6), "
                f"got {ramp!r}")
        object.__setattr__(self, "edi_ramp_us", float(ramp))
        if self.kind == "voxel" and ramp:
            raise ValueError("representation.edi_ramp_us: only the 'voxel_edi' kind has it")
        steps = tuple(float(c) for c in self.step_edi_contrasts)
        object.__setattr__(self, "step_edi_contrasts", steps)
        if steps and (self.kind == "voxel" or min(steps) <= 0):
            raise ValueError(
                "representation.step_edi_contrasts: contrasts > 0 of a 'voxel_edi' input, "
                f"got {list(steps)} for {self.kind!r}")
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
    def raw_channels(self) -> int:
        """Channels of the raw window grids :func:`build_event_input` takes.

        The voxel bins, then one EDI gain per contrast (ramped, then stepped).
        """
        return self.bins + self.edi_channels

    @property
    def channels(self) -> int:
        """Channels of the built input (the event encoder's input)."""
        return self.bins + self.edi_channels

    @property
    def edi_channels(self) -> int:
        """EDI latent images in the input: one per contrast of both lists."""
        return len(self.edi_contrasts) + len(self.step_edi_contrasts)

    @property
    def base_channel(self) -> int | None:
        """Channel holding the residual base image; None = the blurry frame is the base."""
        return self.bins if self.kind == "voxel_edi" else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable fields."""
        data = dataclasses.asdict(self)
        data["edi_contrasts"] = list(self.edi_contrasts)
        data["step_edi_contrasts"] = list(self.step_edi_contrasts)
        return data

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> InputRepresentation:
        """Inverse of :meth:`to_dict`; unknown keys raise ValueError naming them."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k != "edi_upsampling"}  # see module docs
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"representation: unknown field(s) {unknown}")
        for name in ("edi_contrasts", "step_edi_contrasts"):
            if name in values:
                values[name] = tuple(values[name])
        return cls(**values)


def _clean(array: np.ndarray) -> np.ndarray:
    """C-contiguous float32 copy-if-needed with NaN and +-inf replaced by 0."""
    values = np.asarray(array, dtype=np.float32)
    if not np.isfinite(values).all():
        values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    return np.ascontiguousarray(values)


@numba.njit(cache=True, nogil=True, fastmath={"nnan", "ninf", "nsz", "afn", "contract"})
def _build_kernel(raw: np.ndarray, blurry: np.ndarray, bins: int, out: np.ndarray) -> None:
    """Fill ``out``: sign(v) log1p(|v|) per voxel bin, then B / gain per EDI contrast."""
    channels = raw.shape[0]
    one = np.float32(1.0)
    base = blurry.ravel()
    # Over flat contiguous planes, so the loops vectorise; log(1 + |v|) in float32 rather
    # than log1p, which has no vector form and cost 6x as much; the two differ by under
    # 2e-7 for the counts here.
    for b in range(bins):
        counts = raw[b].ravel()
        normalised = out[b].ravel()
        for i in range(counts.size):
            v = counts[i]
            normalised[i] = math.copysign(math.log(one + abs(v)), v)
    for b in range(bins, channels):
        gains = raw[b].ravel()
        latent = out[b].ravel()
        for i in range(gains.size):
            gain = gains[i]
            value = base[i] / gain if gain > 0.0 else base[i]
            latent[i] = min(max(value, np.float32(0.0)), one)


def build_event_input(representation: InputRepresentation, raw: np.ndarray,
                      blurry: np.ndarray) -> np.ndarray:
    """The network's event input of one window.

    Args:
        representation: what to build.
        raw: (raw_channels, H, W) the window's raw grids
            (:func:`stra_live.voxel.window.window_grids`): signed event counts
            per bin, then EDI gains.
        blurry: (H, W) the window's blurry frame in [0, 1] (used by EDI channels).

    Returns:
        (channels, H, W) float32.

    Raises:
        ValueError: the grids have another channel count or size than expected.
    """
    if raw.ndim != 3 or raw.shape[0] != representation.raw_channels:
        raise ValueError(
            f"window grids: expected ({representation.raw_channels}, H, W), "
            f"got {tuple(raw.shape)}"
        )
    if blurry.shape != raw.shape[1:]:
        raise ValueError(f"blurry frame {blurry.shape} and window grids {raw.shape} differ in size")
    out = np.empty((representation.channels, *blurry.shape), dtype=np.float32)
    _build_kernel(_clean(raw), _clean(blurry), representation.bins, out)
    return out
