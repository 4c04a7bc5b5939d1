"""The raw grids of one exposure window, the input of the network's representation.

Everything that feeds STRA (the streaming engine's frame slots, training samples,
evaluation) turns a window's events into these grids here, and
:func:`models.representation.build_event_input` turns them and the blurry
frame into the network's channels. Channels, in order: the voxel grid
(``representation.bins`` bins), then, for the "voxel_edi" kind, EDI's exact
exposure gain at the window's centre for each of ``representation.edi_contrasts``
(ramped by ``edi_ramp_us``) and then of ``step_edi_contrasts`` (not ramped)
(:mod:`stra_live.voxel.edi_gain`). Those gains read events a little beyond the
exposure when the representation ramps them: :func:`event_span` says which.
"""

from __future__ import annotations

import numpy as np

from models.representation import InputRepresentation
from stra_live.voxel import edi_gain
from stra_live.voxel.grid import accumulate_voxel, check_window


def event_span(representation: InputRepresentation, t_start: int,
               t_end: int) -> tuple[int, int]:
    """The closed time range of events the grids of exposure ``[t_start, t_end]`` read."""
    return edi_gain.event_span(t_start, t_end, representation.edi_ramp_us)


def window_grids(representation: InputRepresentation, t: np.ndarray, x: np.ndarray,
                 y: np.ndarray, p: np.ndarray, t_start: int, t_end: int,
                 resolution: tuple[int, int], *, source: object = "events") -> np.ndarray:
    """(``representation.raw_channels``, H, W) float32 grids of the window ``[t_start, t_end]``.

    Args:
        representation: the network's input representation.
        t, x, y, p: event columns (strided views are fine), in time order when
            the representation has EDI channels; events outside
            :func:`event_span` are ignored.
        t_start, t_end: the exposure, closed; its centre is the latent time.
        resolution: sensor (height, width).
        source: names the stream in error messages.

    Raises:
        InputError: off-sensor events, bad polarities, or (EDI) events out of order.
        ValueError: a window that ends before it starts.
    """
    check_window(representation.bins, t_start, t_end)
    height, width = resolution
    out = np.zeros((representation.raw_channels, height, width), np.float32)
    accumulate_voxel(t, x, y, p, t_start, t_end, out[:representation.bins], source=source)
    centre, first = (t_start + t_end) // 2, representation.bins
    for contrasts, ramp in ((representation.edi_contrasts, representation.edi_ramp_us),
                            (representation.step_edi_contrasts, 0.0)):
        if contrasts:
            out[first:first + len(contrasts)] = edi_gain.edi_gains(
                t, x, y, p, t_start, t_end, centre, np.asarray(contrasts), resolution,
                ramp_us=ramp, source=source)
            first += len(contrasts)
    return out


def window_grids_of(representation: InputRepresentation, events: np.ndarray, t_start: int,
                    t_end: int, resolution: tuple[int, int], *,
                    source: object = "events") -> np.ndarray:
    """:func:`window_grids` of an (N,) EVENT_DTYPE array (sorted by ``t``)."""
    return window_grids(representation, events["t"], events["x"], events["y"], events["p"],
                        t_start, t_end, resolution, source=source)
