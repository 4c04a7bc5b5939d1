"""EDI, the Event Double Integral baseline (Pan et al., CVPR 2019).

A blurry frame is the mean of the latent sharp image over its exposure, and
each event multiplies a pixel's latent intensity by exp(+-c), so

    L(f) = B / ((1/T) * integral over [t_start, t_end] of exp(c * E(f -> t)) dt)

with E(f -> t) the signed event count of the pixel from the latent time f to
t (negated when t < f). E is piecewise constant between a pixel's events, so
the integral is computed exactly rather than on a time grid: with C(t) the
pixel's net polarity of the window's events at or before t,
E(f -> t) = C(t) - C(f), and

    integral = T * exp(-c C(f)) + sum over the pixel's events e at time t_e of
               (exp(c (C_e - C(f))) - exp(c (C_e- - C(f)))) * (t_end - t_e)

where C_e- and C_e are C just before and at the event. Each event therefore
adds one term, and the sum runs over all events of all pixels at once.

An event exactly at the latent time f counts as already happened (the latent
image is the state just after it).
"""

from __future__ import annotations

import numpy as np

from stra_live.evaluation.protocol import BlurWindow, window_events
from stra_live.voxel.edi_gain import edi_gains, event_span

DEFAULT_CONTRAST = 0.18
"""Contrast threshold c of the protocol's EDI baseline."""

_MAX_EXPONENT = 700.0
"""exp() overflows float64 past ~709; hot pixels can pile up thousands of events."""


def edi_deblur(
    blurry: np.ndarray,
    events: np.ndarray,
    t_start: int,
    t_end: int,
    t_ref: int,
    contrast: float = DEFAULT_CONTRAST,
) -> np.ndarray:
    """Reconstruct the latent sharp frame at ``t_ref`` from a blurry frame and its events.

    Args:
        blurry: (H, W) float in [0, 1], the blurry frame B averaged over
            [t_start, t_end].
        events: (N,) EVENT_DTYPE sorted by ``t``; only those with
            t_start <= t <= t_end are used.
        t_start: first microsecond of the exposure (included).
        t_end: last microsecond of the exposure (included).
        t_ref: latent time f in microseconds (usually inside the exposure).
        contrast: contrast threshold c (> 0) in log intensity per event.

    Returns:
        (H, W) float32 latent frame, clipped to [0, 1]. Pixels with B = 0 give
        0; a zero-length exposure returns B unchanged.
    """
    if blurry.ndim != 2:
        raise ValueError(f"blurry frame must be (H, W), got shape {blurry.shape}")
    if contrast <= 0:
        raise ValueError(f"contrast threshold must be > 0, got {contrast}")
    if t_end < t_start:
        raise ValueError(f"exposure ends before it starts: [{t_start}, {t_end}] us")
    height, width = blurry.shape
    level = blurry.astype(np.float64)
    if t_end == t_start:
        return np.clip(level, 0.0, 1.0).astype(np.float32)
    inside = window_events(events, t_start, t_end)
    integral = _exposure_integral(inside, height, width, t_start, t_end, t_ref, contrast)
    mean_gain = integral.reshape(height, width) / float(t_end - t_start)
    # Guards only against round-off: the exact integral of exp() is positive.
    latent = np.divide(level, mean_gain, out=np.zeros_like(level), where=mean_gain > 0)
    return np.clip(latent, 0.0, 1.0).astype(np.float32)


class EdiDeblurrer:
    """The ``edi`` method: EDI on the current window at its ground-truth time.

    Args:
        contrast: contrast threshold c used for every frame.
    """

    name = "edi"

    def __init__(self, contrast: float = DEFAULT_CONTRAST) -> None:
        if contrast <= 0:
            raise ValueError(f"contrast threshold must be > 0, got {contrast}")
        self.contrast = contrast

    def __call__(
        self, prev: BlurWindow, current: BlurWindow, nxt: BlurWindow, events: np.ndarray
    ) -> np.ndarray:
        """(H, W) float32 latent frame at ``current.t_sharp``; neighbours are unused."""
        return edi_deblur(
            current.blurry, events, current.t_start, current.t_end, current.t_sharp,
            self.contrast,
        )


DEFAULT_RAMP_US = 4000.0
"""Ramp of the ``edi_ramp`` baseline: that of the shipped network's input."""


class RampedEdi:
    """The ``edi_ramp`` method: EDI whose events ramp the log intensity instead of stepping it.

    Each event's step is spread over up to ``ramp_us`` before it
    (:mod:`stra_live.voxel.edi_gain`); it is the first EDI channel of the
    ramped network's input, scored alone, so a table shows what the network
    adds to it.

    Args:
        contrast: contrast threshold c used for every frame.
        ramp_us: longest ramp, microseconds.
    """

    name = "edi_ramp"

    def __init__(self, contrast: float = DEFAULT_CONTRAST,
                 ramp_us: float = DEFAULT_RAMP_US) -> None:
        if contrast <= 0 or ramp_us < 0:
            raise ValueError(f"need a contrast > 0 and a ramp >= 0, got {contrast}, {ramp_us}")
        self.contrast, self.ramp_us = contrast, ramp_us

    def __call__(
        self, prev: BlurWindow, current: BlurWindow, nxt: BlurWindow, events: np.ndarray
    ) -> np.ndarray:
        """(H, W) float32 latent frame at ``current.t_sharp``; neighbours are unused."""
        near = window_events(events, *event_span(current.t_start, current.t_end, self.ramp_us))
        gain = edi_gains(near["t"], near["x"], near["y"], near["p"], current.t_start,
                         current.t_end, current.t_sharp, np.array([self.contrast]),
                         current.resolution, ramp_us=self.ramp_us)[0]
        latent = np.divide(current.blurry, gain, out=np.zeros_like(current.blurry),
                           where=gain > 0)
        return np.clip(latent, 0.0, 1.0).astype(np.float32)


ORACLE_CONTRASTS: tuple[float, ...] = tuple(round(0.06 + 0.02 * i, 2) for i in range(23))
"""Contrasts the best-c EDI oracle tries: 0.06 to 0.50 in steps of 0.02."""


class BestContrastEdi:
    """The ``edi_best`` oracle: EDI with, for each file, the contrast that scores best.

    The contrast is chosen by a sweep against the ground truth, which no
    deployed method has: it is an upper bound on what tuning EDI's single
    parameter per recording could reach, stronger than any tuned EDI in
    practice. The evaluator runs each candidate (:meth:`candidates`) over the
    whole file and keeps the best.

    Args:
        contrasts: the candidate thresholds.
    """

    name = "edi_best"

    def __init__(self, contrasts: tuple[float, ...] = ORACLE_CONTRASTS) -> None:
        if not contrasts or min(contrasts) <= 0:
            raise ValueError(f"oracle contrasts must be > 0, got {list(contrasts)}")
        self.contrasts = tuple(contrasts)

    def candidates(self) -> list[EdiDeblurrer]:
        """One fixed-contrast EDI per candidate threshold."""
        return [EdiDeblurrer(c) for c in self.contrasts]

    def __call__(
        self, prev: BlurWindow, current: BlurWindow, nxt: BlurWindow, events: np.ndarray
    ) -> np.ndarray:
        """Not called per frame: the evaluator sweeps :meth:`candidates` per file."""
        raise TypeError("edi_best picks its contrast per file; score it with the evaluator")


def _exposure_integral(
    events: np.ndarray,
    height: int,
    width: int,
    t_start: int,
    t_end: int,
    t_ref: int,
    contrast: float,
) -> np.ndarray:
    """(H*W,) float64: the exact integral of exp(c E(f -> t)) dt over [t_start, t_end].

    ``events`` must already be restricted to the window.
    """
    x = events["x"].astype(np.int64)
    y = events["y"].astype(np.int64)
    if len(events) and (x.max() >= width or y.max() >= height):
        raise ValueError(f"events lie off the {width}x{height} frame")
    pixel = y * width + x
    polarity = events["p"].astype(np.int64)
    # C(f): net polarity up to the latent time, the exponent's reference level.
    at_ref = events["t"] <= t_ref
    ref_level = np.bincount(pixel[at_ref], weights=polarity[at_ref], minlength=height * width)

    # A stable sort by pixel keeps each pixel's events in time order.
    order = np.argsort(pixel, kind="stable")
    pixel, polarity = pixel[order], polarity[order]
    remaining = (t_end - events["t"][order]).astype(np.float64)
    after = _running_sum_per_pixel(pixel, polarity)
    ref = ref_level[pixel]
    jump = _exp(contrast * (after - ref)) - _exp(contrast * (after - polarity - ref))
    steps = np.bincount(pixel, weights=jump * remaining, minlength=height * width)
    return float(t_end - t_start) * _exp(-contrast * ref_level) + steps


def _running_sum_per_pixel(pixel: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Inclusive cumulative sum of ``values`` restarted at every new pixel.

    ``pixel`` must be sorted so that each pixel's entries are contiguous.
    """
    total = np.cumsum(values)
    if len(pixel) == 0:
        return total
    new_pixel = np.r_[True, pixel[1:] != pixel[:-1]]
    first = np.flatnonzero(new_pixel)
    group = np.cumsum(new_pixel) - 1
    return total - (total[first] - values[first])[group]


def _exp(exponent: np.ndarray) -> np.ndarray:
    return np.exp(np.clip(exponent, -_MAX_EXPONENT, _MAX_EXPONENT))
