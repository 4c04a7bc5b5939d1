"""Preview of a simulated sequence: blurry | sharp middle frame | events of the exposure.

The event panel shows each pixel's net polarity over the window: ON red, OFF
blue on white, the colour saturating at :data:`SATURATION` net events.
"""

from __future__ import annotations

import numpy as np

from stra_live.simulator.blur import average_frames
from stra_live.simulator.sequence import SimulatedSequence

SATURATION = 3
"""Net events per pixel at which the event panel's colour is full."""

GAP = 4
"""Width (pixels) of the grey gap between panels."""

ON_RGB = np.array([220, 30, 30], dtype=np.float64)
OFF_RGB = np.array([30, 60, 220], dtype=np.float64)


def event_image(events: np.ndarray, resolution: tuple[int, int]) -> np.ndarray:
    """Colour image of the net polarity per pixel.

    Args:
        events: EVENT_DTYPE events on a ``(height, width)`` sensor.

    Returns:
        (H, W, 3) uint8: white where no net events, red for ON, blue for OFF.
    """
    net = np.zeros(resolution, dtype=np.int64)
    np.add.at(net, (events["y"].astype(np.intp), events["x"].astype(np.intp)), events["p"])
    strength = (np.minimum(np.abs(net), SATURATION) / SATURATION)[..., None]
    colour = np.where(net[..., None] > 0, ON_RGB, OFF_RGB)
    image = 255.0 * (1.0 - strength) + colour * strength
    return np.rint(image).astype(np.uint8)


def preview_panels(sequence: SimulatedSequence, blur: int = 9) -> np.ndarray:
    """Side-by-side panels of the ``blur`` frames around the middle of ``sequence``.

    The window is sharp frames [m - blur//2, m - blur//2 + blur) with m the
    middle index; its events are those with t in [first, last] timestamp.

    Returns:
        (H, 3 W + 2 GAP, 3) uint8 RGB image.
    """
    count = len(sequence.timestamps)
    if count < blur:
        raise ValueError(f"a preview needs at least {blur} frames, the sequence has {count}")
    first = min(max(count // 2 - blur // 2, 0), count - blur)
    window = slice(first, first + blur)
    t0, t1 = sequence.timestamps[first], sequence.timestamps[first + blur - 1]
    ts = sequence.events["t"]
    events = sequence.events[np.searchsorted(ts, t0, "left"):np.searchsorted(ts, t1, "right")]
    blurry = average_frames(list(sequence.images[window]))
    sharp = sequence.images[first + blur // 2]
    grey = [np.rint(blurry * 255.0).astype(np.uint8), sharp]
    panels = [np.repeat(g[..., None], 3, axis=2) for g in grey]
    panels.append(event_image(events, sequence.resolution))
    gap = np.full((sequence.resolution[0], GAP, 3), 128, dtype=np.uint8)
    return np.concatenate([panels[0], gap, panels[1], gap, panels[2]], axis=1)
