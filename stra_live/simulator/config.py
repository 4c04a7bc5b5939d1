"""Typed configuration of the event simulator and the synthetic scene (``configs/sim.yaml``).

Every default names where it comes from: the v2e paper (Hu, Liu and Delbruck,
"v2e: From Video Frames to Realistic DVS Events", CVPRW 2021) and the ESIM
paper (Rebecq, Gehrig and Scaramuzza, "ESIM: an Open Event Camera Simulator",
CoRL 2018), or this project's own choice where neither fixes a value.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

from stra_live.simulator.textures import TextureSplit, texture_names


@dataclass(frozen=True)
class SimulatorConfig:
    """Pixel model of the DVS event simulator.

    Attributes:
        pos_threshold: mean ON contrast threshold in log intensity. 0.18 is the
            project-wide contrast (PROTOCOL.md's EDI default c), close to v2e's
            default of 0.2 (Hu et al. 2021).
        neg_threshold: mean OFF contrast threshold in log intensity (same source).
        threshold_sigma: per-pixel standard deviation of both thresholds, drawn
            once per pixel from N(mean, sigma) as in ESIM (Rebecq et al. 2018);
            0.03 is v2e's default threshold mismatch (Hu et al. 2021).
        min_threshold: thresholds are clipped to at least this, so that no pixel
            fires on every flicker of float rounding (project choice).
        lin_log_cutoff: intensity (in [0, 1]) below which the photoreceptor
            response is linear instead of logarithmic; 20/255 as v2e's lin_log
            (Hu et al. 2021).
        refractory_us: dead time of a pixel after an event; 500 us is v2e's
            default refractory period (Hu et al. 2021). 0 disables it.
        leak_rate_hz: mean rate of leak ON events per pixel; 0.1 Hz is v2e's
            value for a DVS in bright light (Hu et al. 2021).
        leak_jitter: relative spread of the per-pixel leak rate (v2e's
            leak_jitter_fraction default 0.1, Hu et al. 2021).
        shot_noise_rate_hz: rate of shot-noise events (ON and OFF together) per
            pixel; 0.1 Hz is the low end of v2e's bright-light range (Hu et al. 2021).
        photoreceptor_cutoff_hz: 3 dB bandwidth of the photoreceptor at full
            intensity; it falls in proportion to the intensity (plus a dark
            offset of 20/255, as v2e's intensity-dependent lowpass), so dark
            regions lag behind motion. 0 = infinite bandwidth (ideal). v2e
            suggests 200-300 Hz for a DAVIS in bright light (Hu et al. 2021).
        hot_pixel_fraction: share of pixels that fire on their own at
            ``hot_pixel_rate_hz`` with a fixed polarity (0 = none). DAVIS240C
            sensors show a few hot pixels per thousand under strong bias
            settings (project choice from DV's hot-pixel filter defaults).
        hot_pixel_rate_hz: mean event rate of a hot pixel.
    """

    pos_threshold: float = 0.18
    neg_threshold: float = 0.18
    threshold_sigma: float = 0.03
    min_threshold: float = 0.01
    lin_log_cutoff: float = 20.0 / 255.0
    refractory_us: int = 500
    leak_rate_hz: float = 0.1
    leak_jitter: float = 0.1
    shot_noise_rate_hz: float = 0.1
    photoreceptor_cutoff_hz: float = 0.0
    hot_pixel_fraction: float = 0.0
    hot_pixel_rate_hz: float = 50.0

    def __post_init__(self) -> None:
        _require(self.min_threshold > 0, "min_threshold", self.min_threshold, "must be > 0")
        for name in ("pos_threshold", "neg_threshold"):
            value = getattr(self, name)
            _require(value >= self.min_threshold, name, value, "must be >= min_threshold")
        for name in ("threshold_sigma", "leak_rate_hz", "leak_jitter", "shot_noise_rate_hz",
                     "photoreceptor_cutoff_hz", "hot_pixel_rate_hz"):
            _require(getattr(self, name) >= 0, name, getattr(self, name), "must be >= 0")
        _require(self.refractory_us >= 0, "refractory_us", self.refractory_us, "must be >= 0")
        _require(0 <= self.hot_pixel_fraction < 1, "hot_pixel_fraction",
                 self.hot_pixel_fraction, "must be in [0, 1)")
        _require(
            0 < self.lin_log_cutoff < 1, "lin_log_cutoff", self.lin_log_cutoff, "must be in (0, 1)"
        )


@dataclass(frozen=True)
class SceneConfig:
    """A camera moving smoothly over a textured plane, rendered at a high rate.

    The camera pose is a sum of ``motion_components`` sinusoids per degree of
    freedom, with random frequencies in [motion_min_hz, motion_max_hz] and
    random phases, scaled so that the root-mean-square speed of each degree
    of freedom equals the configured speed (project choice; bounded, smooth
    and random-access in time).

    Attributes:
        resolution: (height, width) of the rendered frames; DAVIS240C by default.
        render_hz: sharp frames per second; 240 Hz as the GoPro dataset.
        textures: texture subset, "train", "test" (disjoint) or "all".
        texture: a fixed texture name (see ``textures.texture_names``); None =
            drawn from the subset by the scene seed.
        speed_px_s: RMS translation speed in pixels per second. 400 px/s smears
            an edge over about 12-22 px in 7-13 frames at 240 Hz, GoPro-like blur.
        rotation_deg_s: RMS rotation speed in degrees per second.
        zoom_per_s: RMS speed of the log zoom factor per second.
        max_log_zoom: the log zoom is clipped to [-max, +max] (limits aliasing).
        motion_components: sinusoids summed per degree of freedom.
        motion_min_hz: lowest sinusoid frequency.
        motion_max_hz: highest sinusoid frequency.
    """

    resolution: tuple[int, int] = (180, 240)
    render_hz: float = 240.0
    textures: TextureSplit = "all"
    texture: str | None = None
    speed_px_s: float = 400.0
    rotation_deg_s: float = 20.0
    zoom_per_s: float = 0.2
    max_log_zoom: float = 0.3
    motion_components: int = 3
    motion_min_hz: float = 0.2
    motion_max_hz: float = 1.5

    def __post_init__(self) -> None:
        _require(
            len(self.resolution) == 2 and min(self.resolution) >= 2,
            "resolution", self.resolution, "must be (height, width), each >= 2",
        )
        _require(
            self.texture is None or self.texture in texture_names("all"),
            "texture", self.texture, f"must be one of {list(texture_names('all'))} or null",
        )
        _require(self.render_hz > 0, "render_hz", self.render_hz, "must be > 0")
        for name in ("speed_px_s", "rotation_deg_s", "zoom_per_s", "max_log_zoom"):
            _require(getattr(self, name) >= 0, name, getattr(self, name), "must be >= 0")
        _require(
            self.motion_components >= 1,
            "motion_components", self.motion_components, "must be >= 1",
        )
        _require(
            0 < self.motion_min_hz <= self.motion_max_hz,
            "motion_min_hz", (self.motion_min_hz, self.motion_max_hz),
            "must satisfy 0 < motion_min_hz <= motion_max_hz",
        )


@dataclass(frozen=True)
class SensorRanges:
    """Per-recording ranges of the "realistic" sensor profile (domain randomisation).

    Each simulated recording draws one value per field, uniformly in the range
    (log-uniformly for the rates), so the network never sees the same sensor
    twice and cannot rely on a known threshold, which EDI needs.

    Attributes:
        threshold: mean ON threshold range. v2e's documentation calls 0.2-0.5
            typical for real DAVIS biases and 0.1 a sensitive setting; the
            protocol's c = 0.18 lies inside (Hu et al. 2021).
        off_on_ratio: OFF / ON threshold ratio; real pixels are asymmetric by
            up to about 25% (v2e models it with separate thresholds).
        threshold_sigma: per-pixel mismatch; v2e defaults to 0.03, DAVIS
            measurements give 2-6% of contrast (Hu et al. 2021; Lichtsteiner
            et al. 2008).
        leak_rate_hz: leak ON events per pixel; v2e: 0.1 Hz in bright light
            up to about 1 Hz (Hu et al. 2021).
        shot_noise_rate_hz: v2e: about 0.1 Hz bright to 5 Hz in dim light.
        refractory_us: v2e's default is 500 us; biases move it from ~0 to 1 ms.
        photoreceptor_cutoff_hz: v2e: 200-300 Hz bright, lower for slow biases.
        hot_pixel_fraction: share of hot pixels (0 to 0.1%).
        hot_pixel_rate_hz: their event rate.
        speed_factor: the scene's RMS speeds are multiplied by a factor drawn
            log-uniformly from this range (blur from slow pans to fast shakes).
    """

    threshold: tuple[float, float] = (0.12, 0.45)
    off_on_ratio: tuple[float, float] = (0.75, 1.33)
    threshold_sigma: tuple[float, float] = (0.02, 0.06)
    leak_rate_hz: tuple[float, float] = (0.05, 1.0)
    shot_noise_rate_hz: tuple[float, float] = (0.1, 5.0)
    refractory_us: tuple[float, float] = (0.0, 1000.0)
    photoreceptor_cutoff_hz: tuple[float, float] = (80.0, 400.0)
    hot_pixel_fraction: tuple[float, float] = (0.0, 1e-3)
    hot_pixel_rate_hz: tuple[float, float] = (20.0, 200.0)
    speed_factor: tuple[float, float] = (0.5, 2.0)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            low, high = getattr(self, f.name)
            _require(0 <= low <= high, f.name, (low, high), "must satisfy 0 <= low <= high")


@dataclass(frozen=True)
class SimConfig:
    """Everything `stra-sim` needs; loaded from ``configs/sim.yaml``.

    Attributes:
        scene: the rendered scene and camera motion.
        events: the pixel model of the event simulator ("ideal" profile).
        profile: "ideal" uses ``events`` as given for every recording;
            "realistic" draws a sensor per recording from ``realistic`` (its
            thresholds, noise, lag, hot pixels) and scales the scene's speed
            by its ``speed_factor``: see :mod:`stra_live.simulator.profiles`.
        realistic: the ranges of the realistic profile.
        preview_blur: sharp frames averaged into the preview's blurry panel.
    """

    scene: SceneConfig = field(default_factory=SceneConfig)
    events: SimulatorConfig = field(default_factory=SimulatorConfig)
    profile: Literal["ideal", "realistic"] = "ideal"
    realistic: SensorRanges = field(default_factory=SensorRanges)
    preview_blur: int = 9

    def __post_init__(self) -> None:
        _require(self.preview_blur >= 1, "preview_blur", self.preview_blur, "must be >= 1")
        _require(self.profile in ("ideal", "realistic"), "profile", self.profile,
                 "must be 'ideal' or 'realistic'")


def _require(ok: bool, name: str, value: object, rule: str) -> None:
    """Raise ValueError naming the field when a validation rule fails."""
    if not ok:
        raise ValueError(f"{name} {rule}, got {value!r}")
