"""EDI channels that ramp each event's step: exact on smooth light, read events around it."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.checkpoint import save_checkpoint
from models.config import ModelConfig
from models.representation import InputRepresentation
from models.stra import STRA
from stra_live.evaluation.edi import EdiDeblurrer, RampedEdi
from stra_live.evaluation.metrics import psnr
from stra_live.evaluation.protocol import BlurWindow, synthesize_windows
from stra_live.evaluation.stra import StraDeblurrer
from stra_live.event_index import EventIndex
from stra_live.events import make_events
from stra_live.simulator.config import SceneConfig, SimConfig
from stra_live.simulator.sequence import simulate_sequence
from stra_live.training.samples import triplet_sample
from stra_live.voxel.edi_gain import edi_gains
from stra_live.voxel.window import event_span, window_grids_of

RAMPED = InputRepresentation("voxel_edi", 3, (0.2, 0.3), edi_ramp_us=3000)


def rising_pixel(contrast: float, period: int) -> tuple[np.ndarray, np.ndarray]:
    """A pixel whose log intensity rises by ``contrast`` every ``period`` us, exactly at its
    ON events (an ideal DVS pixel), from 20 ms before to 30 ms after t = 0."""
    t = np.arange(-20_000, 30_000 + 1, period)
    return make_events(t, np.zeros(len(t)), np.zeros(len(t)), np.ones(len(t))), t


def test_ramped_edi_recovers_a_steadily_brightening_pixel_where_steps_are_biased():
    # Light that grows smoothly: log I(t) = c t / period. Between events EDI holds the
    # level of the last one, so its latent image is off by up to one threshold; the ramp
    # interpolates the log intensity, which here is exact.
    contrast, period, t_end, centre = 0.2, 1000, 10_000, 5_000  # f at an event
    events, _ = rising_pixel(contrast, period)
    times = np.linspace(0, t_end, 200_001)
    blurry = float(np.mean(np.exp(contrast * times / period)))
    truth = math.exp(contrast * centre / period)
    gains = {ramp: edi_gains(events["t"], events["x"], events["y"], events["p"], 0, t_end,
                             centre, np.array([contrast]), (1, 1), ramp_us=ramp)[0, 0, 0]
             for ramp in (0.0, 2000.0)}
    assert blurry / gains[2000.0] == pytest.approx(truth, rel=1e-4)
    assert abs(blurry / gains[0.0] / truth - 1) > 0.05


def brute_force_gain(times: np.ndarray, polarity: np.ndarray, t_start: int, t_end: int,
                     centre: int, contrast: float, ramp: float) -> float:
    """The mean of exp(c (E(t) - E(f))) over the exposure on a 0.5 us grid, E built
    event by event as the module docstring defines it."""
    grid = np.arange(t_start, t_end + 0.25, 0.5)
    level = np.zeros_like(grid)
    at_centre = 0.0
    previous = t_start - ramp
    for time, sign in zip(times, polarity, strict=True):
        length = min(time - previous, ramp)
        share = np.clip((grid - (time - length)) / length, 0, 1) if length > 0 else grid >= time
        level += sign * share
        at_centre += sign * (min(max((centre - time + length) / length, 0), 1)
                             if length > 0 else float(centre >= time))
        previous = time
    values = np.exp(contrast * (level - at_centre))
    return float(np.mean((values[1:] + values[:-1]) / 2))


def test_ramped_gains_equal_a_fine_time_grid_integral_with_events_around_the_exposure():
    # Events before the exposure set how long the first ramps are, events after it ramp
    # into its end, and events farther out than the ramp must not count.
    rng = np.random.default_rng(3)
    count = 60
    t = np.sort(rng.integers(-9_000, 19_000, count))
    x, y = rng.integers(0, 3, count), rng.integers(0, 2, count)
    p = rng.choice([-1, 1], count)
    events = make_events(t, x, y, p)
    t_start, t_end, centre, ramp = 0, 10_000, 4_321, 3_000.0
    gains = edi_gains(events["t"], events["x"], events["y"], events["p"], t_start, t_end,
                      centre, np.array([0.25]), (2, 3), ramp_us=ramp)
    lo, hi = t_start - ramp, t_end + ramp
    for row in range(2):
        for col in range(3):
            mine = (x == col) & (y == row) & (t >= lo) & (t <= hi)
            expected = brute_force_gain(t[mine].astype(float), p[mine], t_start, t_end,
                                        centre, 0.25, ramp)
            assert gains[0, row, col] == pytest.approx(expected, rel=2e-4)


def test_the_event_span_is_the_exposure_widened_by_the_ramp_and_is_the_exposure_without():
    assert event_span(RAMPED, 1000, 5000) == (-2000, 8000)
    assert event_span(InputRepresentation("voxel_edi", 3, (0.2,)), 1000, 5000) == (1000, 5000)


def test_training_samples_read_the_events_around_each_exposure():
    # A sample built from the recording's index must equal the grids of all its events:
    # a sample cut to the exposure would hold ramps that the engine and evaluation do not.
    rng = np.random.default_rng(0)
    height, width = 4, 5
    t = np.sort(rng.integers(0, 40_000, 3000))
    events = make_events(t, rng.integers(0, width, 3000), rng.integers(0, height, 3000),
                         rng.choice([-1, 1], 3000))
    image = np.zeros((height, width), np.float32)
    triplet = tuple(BlurWindow(i, image, image, 5_000 + 10_000 * i, 10_000 + 10_000 * i,
                               7_500 + 10_000 * i) for i in range(3))
    sample = triplet_sample(triplet, EventIndex(events), RAMPED)
    for i, window in enumerate(triplet):
        expected = window_grids_of(RAMPED, events, window.t_start, window.t_end,
                                   (height, width))
        np.testing.assert_array_equal(sample.voxels[i], expected)
    cut = window_grids_of(RAMPED, events[(t >= 15_000) & (t <= 20_000)], 15_000, 20_000,
                          (height, width))
    assert np.abs(cut - sample.voxels[1]).max() > 1e-3


def test_the_ramp_is_named_in_the_model_configuration_and_old_files_mean_no_ramp():
    config = ModelConfig(channels=4, representation=RAMPED, attention="cosine")
    assert ModelConfig.from_mapping(config.to_dict()).representation.edi_ramp_us == 3000.0
    old = {"kind": "voxel_edi", "bins": 3, "edi_contrasts": [0.2]}
    assert ModelConfig.from_mapping({"channels": 4, "representation": old}) \
        .representation.edi_ramp_us == 0.0


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": "voxel_edi", "edi_contrasts": (0.2,), "edi_ramp_us": -1.0}, "edi_ramp_us"),
    ({"kind": "voxel_edi", "edi_contrasts": (0.2,), "edi_ramp_us": "4 ms"}, "edi_ramp_us"),
    ({"kind": "voxel", "edi_ramp_us": 4000.0}, "only the 'voxel_edi' kind"),
])
def test_a_nonsense_ramp_is_refused_naming_the_field(fields: dict, message: str):
    with pytest.raises(ValueError, match=message):
        InputRepresentation(bins=3, **fields)




def test_evaluation_reads_the_events_around_each_exposure(tmp_path):
    # stra-eval's windows get every event of the file: the network must see the same
    # grids as one handed all of them, not grids cut to the exposure.
    torch.manual_seed(0)
    config = ModelConfig(channels=4, res_units=1, attention_dim=8, representation=RAMPED,
                         attention="cosine")
    save_checkpoint(tmp_path / "ramped.safetensors", STRA(config), config)
    method = StraDeblurrer(tmp_path / "ramped.safetensors", "cpu")
    rng = np.random.default_rng(1)
    height, width = 16, 16
    t = np.sort(rng.integers(0, 40_000, 6000))
    events = make_events(t, rng.integers(0, width, 6000), rng.integers(0, height, 6000),
                         rng.choice([-1, 1], 6000))
    triplet = tuple(BlurWindow(i, rng.random((height, width), dtype=np.float32),
                               np.zeros((height, width), np.float32), 5_000 + 10_000 * i,
                               10_000 + 10_000 * i, 7_500 + 10_000 * i) for i in range(3))
    voxels = np.stack([window_grids_of(RAMPED, events, w.t_start, w.t_end, (height, width))
                       for w in triplet])
    frames = np.stack([w.blurry for w in triplet])
    expected = method.runtime.forward(frames, voxels)
    np.testing.assert_allclose(method(*triplet, events), expected, atol=1e-6)


def test_the_ramped_edi_baseline_beats_edi_on_a_simulated_13_frame_blur():
    # The reason the network's input ramps: on an ideal sensor, interpolating between a
    # pixel's events is closer to its light than holding the last level.
    # (Fine texture shows it best: 1.5 dB here; the test sensor's six scenes: 0.9 dB.)
    sim = SimConfig(scene=SceneConfig(resolution=(60, 80), texture="gravel", speed_px_s=300.0))
    sequence = simulate_sequence(sim, 0.2, seed=4)
    windows = synthesize_windows(sequence.frames(), 13)
    scores = {}
    for method in (EdiDeblurrer(), RampedEdi()):
        scores[method.name] = np.mean([
            psnr(w.sharp, method(w, w, w, sequence.events)) for w in windows])
    assert len(windows) == 3
    assert scores["edi_ramp"] > scores["edi"] + 0.5, scores


def test_step_edi_channels_follow_the_ramped_ones_and_keep_edi_s_step_model():
    both = InputRepresentation("voxel_edi", 3, (0.2,), edi_ramp_us=3000,
                               step_edi_contrasts=(0.2, 0.3))
    assert both.raw_channels == both.channels == 6 and both.edi_channels == 3
    events, _ = rising_pixel(0.2, 1000)
    grids = window_grids_of(both, events, 0, 10_000, (1, 1))
    columns = events["t"], events["x"], events["y"], events["p"]
    ramped = edi_gains(*columns, 0, 10_000, 5_000, np.array([0.2]), (1, 1), ramp_us=3000)
    stepped = edi_gains(*columns, 0, 10_000, 5_000, np.array([0.2, 0.3]), (1, 1))
    np.testing.assert_array_equal(grids[3:4], ramped)
    np.testing.assert_array_equal(grids[4:], stepped)
    assert abs(grids[3, 0, 0] - grids[4, 0, 0]) > 1e-3  # the two models differ here
    assert InputRepresentation.from_mapping(both.to_dict()) == both
    with pytest.raises(ValueError, match="step_edi_contrasts"):
        InputRepresentation("voxel", 3, step_edi_contrasts=(0.2,))
