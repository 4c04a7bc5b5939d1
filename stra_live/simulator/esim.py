"""Streaming DVS event simulator (ESIM / v2e style) over high-rate intensity frames.

Feed sharp frames one at a time with :meth:`EventSimulator.step`; the
simulator keeps each pixel's state (log intensity at the last sample,
reference level, thresholds, leak rate, time of its last event) and returns
the events of the interval since the previous frame, so it can run forever.
See :mod:`stra_live.simulator.kernels` for the crossing model.
"""

from __future__ import annotations

import numpy as np

from stra_live.errors import InputError
from stra_live.events import EVENT_DTYPE, empty_events
from stra_live.simulator import kernels, noise
from stra_live.simulator.config import SimulatorConfig
from stra_live.simulator.log_intensity import lin_log

_NEVER = -1e18
"""Time of the last event of a pixel that has never fired (us)."""

_RANGE_SLACK = 1e-6
"""Intensities this far outside [0, 1] are float rounding, not bad input."""

_DARK_OFFSET = 20.0 / 255.0
"""Intensity added before scaling the photoreceptor's bandwidth (v2e: (I + 20) / 275)."""

_EVENT_STREAM = 0x5EED
"""Salt separating the simulator's random stream from the scene's for the same seed."""


def simulator_seed(seed: int) -> np.random.SeedSequence:
    """The seed of a scene's event simulator, independent of the scene's own random stream."""
    return np.random.SeedSequence([seed, _EVENT_STREAM])


class EventSimulator:
    """Turn a stream of intensity frames into DVS events.

    Args:
        resolution: (height, width) of the frames.
        config: pixel model (thresholds, refractory period, noise).
        seed: seeds the per-pixel thresholds, leak rates and phases and the shot noise.
        name: names the stream in :class:`InputError` messages.
    """

    def __init__(
        self, resolution: tuple[int, int], config: SimulatorConfig | None = None,
        seed: int | np.random.SeedSequence = 0, name: str = "event simulator",
    ) -> None:
        self.config = config or SimulatorConfig()
        self.resolution = (int(resolution[0]), int(resolution[1]))
        self.name = name
        self._rng = np.random.default_rng(seed)
        c = self.config
        self._pos_thr = noise.draw_thresholds(
            self._rng, self.resolution, c.pos_threshold, c.threshold_sigma, c.min_threshold
        )
        self._neg_thr = noise.draw_thresholds(
            self._rng, self.resolution, c.neg_threshold, c.threshold_sigma, c.min_threshold
        )
        # Leak lowers the reference, so it is expressed in ON thresholds per second.
        self._leak_per_us = (
            noise.draw_leak_rates(self._rng, self.resolution, c.leak_rate_hz, c.leak_jitter)
            * self._pos_thr * 1e-6
        )
        self._hot = noise.draw_hot_pixels(
            self._rng, self.resolution, c.hot_pixel_fraction, c.hot_pixel_rate_hz
        )
        self._lowpass = np.zeros(self.resolution, dtype=np.float32)
        self._prev_log = np.zeros(self.resolution)
        self._ref = np.zeros(self.resolution)
        self._last_t = np.full(self.resolution, _NEVER)
        self._new_log = np.zeros(self.resolution)
        self._counts = np.zeros(self.resolution, dtype=np.int32)
        self._t_prev: int | None = None

    @property
    def pos_thresholds(self) -> np.ndarray:
        """(H, W) float64 per-pixel ON thresholds (a copy)."""
        return self._pos_thr.copy()

    @property
    def neg_thresholds(self) -> np.ndarray:
        """(H, W) float64 per-pixel OFF thresholds (a copy)."""
        return self._neg_thr.copy()

    @property
    def last_timestamp(self) -> int | None:
        """Timestamp (us) of the last frame fed in, None before the first."""
        return self._t_prev

    def reset(self, frame: np.ndarray, t_us: int) -> None:
        """Start over from ``frame`` at ``t_us``: the references take its log levels.

        With leak noise on, each reference starts a random fraction of an ON
        threshold below the frame, so leak events do not fire in sync (v2e does
        the same). Thresholds and leak rates are kept; no events are emitted.
        """
        image = self._checked(frame)
        self._lowpass[:] = image
        self._prev_log[:] = lin_log(image, self.config.lin_log_cutoff)
        self._ref[:] = self._prev_log
        if self.config.leak_rate_hz > 0:
            self._ref -= self._rng.random(self.resolution) * self._pos_thr
        self._last_t[:] = _NEVER
        self._t_prev = int(t_us)

    def step(self, frame: np.ndarray, t_us: int) -> np.ndarray:
        """Advance to ``frame`` sampled at ``t_us`` and return the events since the last frame.

        The first call only initialises the state (see :meth:`reset`).

        Args:
            frame: (H, W) float32/float64 intensities in [0, 1].
            t_us: sample time in microseconds, later than the previous one.

        Returns:
            Events of :data:`EVENT_DTYPE` with t in (previous t_us, t_us], sorted by t.
        """
        t_us = int(t_us)
        if self._t_prev is None:
            self.reset(frame, t_us)
            return empty_events()
        if t_us <= self._t_prev:
            raise InputError(
                self.name, f"frame time {t_us} us is not after the previous one ({self._t_prev} us)"
            )
        image = self._photoreceptor(self._checked(frame), t_us - self._t_prev)
        t_prev, self._t_prev = self._t_prev, t_us
        leak_drop = self._leak_per_us * float(t_us - t_prev)
        total = kernels.count_crossings(
            image, self.config.lin_log_cutoff, self._prev_log, self._ref, leak_drop,
            self._pos_thr, self._neg_thr, self._new_log, self._counts,
        )
        columns = (
            np.empty(total, np.int64), np.empty(total, np.uint16),
            np.empty(total, np.uint16), np.empty(total, np.int8),
        )
        n = kernels.emit_crossings(
            self._counts, self._new_log, self._prev_log, self._ref, leak_drop,
            self._pos_thr, self._neg_thr, self._last_t, t_prev, t_us,
            float(self.config.refractory_us), *columns,
        )
        shot = noise.shot_noise(
            self._rng, self.resolution, self.config.shot_noise_rate_hz, t_prev, t_us
        )
        hot = noise.hot_pixel_events(self._rng, self.resolution[1], self._hot, t_prev, t_us)
        merged = [np.concatenate([c[:n], s, h]) for c, s, h in zip(columns, shot, hot, strict=True)]
        return _pack_sorted(merged, t_prev)

    def _photoreceptor(self, image: np.ndarray, dt_us: int) -> np.ndarray:
        """The intensity the pixel sees: ``image`` through its first-order lowpass.

        The bandwidth is ``photoreceptor_cutoff_hz`` at full intensity and falls
        in proportion to (I + 20/255), so dark pixels lag (v2e's model; the
        filter runs on intensity here, before the log response).
        """
        cutoff = self.config.photoreceptor_cutoff_hz
        if cutoff <= 0:
            return image
        bandwidth = cutoff * (image + _DARK_OFFSET) / (1.0 + _DARK_OFFSET)
        gain = np.minimum(2.0 * np.pi * bandwidth * (dt_us * 1e-6), 1.0).astype(np.float32)
        self._lowpass += gain * (image - self._lowpass)
        return np.clip(self._lowpass, 0.0, 1.0)

    def _checked(self, frame: np.ndarray) -> np.ndarray:
        """``frame`` as a C-contiguous float32 (H, W) array, or InputError."""
        image = np.asarray(frame)
        if image.shape != self.resolution:
            raise InputError(
                self.name,
                f"frame shape {image.shape} differs from the resolution {self.resolution}",
            )
        if image.dtype.kind != "f":
            raise InputError(self.name, f"frames must be float in [0, 1], got dtype {image.dtype}")
        image = np.ascontiguousarray(image, dtype=np.float32)
        low, high = float(image.min()), float(image.max())
        if not (np.isfinite(low) and np.isfinite(high)):
            raise InputError(self.name, "frame holds NaN or infinite values")
        if low < -_RANGE_SLACK or high > 1 + _RANGE_SLACK:
            raise InputError(self.name, f"frame values span [{low}, {high}], outside [0, 1]")
        return image


def _pack_sorted(columns: list[np.ndarray], t_prev: int) -> np.ndarray:
    """Pack event columns (t, x, y, p) into EVENT_DTYPE, stably sorted by t.

    All t lie after ``t_prev``; when they span at most 2**16 us (any frame
    interval above 15 Hz) the sort keys fit in uint16, for which NumPy's
    stable sort is a radix sort, several times faster than on int64.
    """
    t = columns[0]
    offsets = t - (t_prev + 1)
    keys = offsets.astype(np.uint16) if len(t) and offsets.max() < 2**16 else t
    order = np.argsort(keys, kind="stable")
    events = np.empty(len(t), dtype=EVENT_DTYPE)
    for name, column in zip(("t", "x", "y", "p"), columns, strict=True):
        events[name] = column[order]
    return events
