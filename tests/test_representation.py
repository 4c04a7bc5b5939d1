"""The network's event input: one named representation, built by one function."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.config import ModelConfig
from models.representation import InputRepresentation, build_event_input
from models.stra import STRA
from stra_live.errors import InputError
from stra_live.evaluation.edi import edi_deblur
from stra_live.evaluation.protocol import synthesize_windows, window_events
from stra_live.events import EVENT_DTYPE
from stra_live.simulator.config import SceneConfig, SimConfig, SimulatorConfig
from stra_live.simulator.sequence import simulate_sequence
from stra_live.voxel.edi_gain import edi_gains
from stra_live.voxel.window import window_grids_of

EDI = InputRepresentation("voxel_edi", 9, (0.18, 0.3))


def test_voxel_channels_are_signed_log1p_with_nan_and_inf_as_no_events():
    raw = np.array([0.0, 1.0, -1.0, math.e - 1, -(math.e**2 - 1), math.nan, math.inf, -math.inf],
                   dtype=np.float32).reshape(8, 1, 1)
    built = build_event_input(InputRepresentation("voxel", 8), raw, np.zeros((1, 1), np.float32))
    expected = [0.0, math.log(2), -math.log(2), 1.0, -2.0, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(built[:, 0, 0], expected, rtol=1e-6, atol=1e-7)


def test_edi_channel_of_a_brightness_step_is_the_darker_level():
    # One pixel doubles its brightness three quarters into the exposure: one ON event
    # with c = ln 2. The latent image at the centre is the darker level.
    contrast, t_end, dark = math.log(2), 8000, 0.3
    blurry = np.full((1, 1), dark * 0.75 + 2 * dark * 0.25, np.float32)
    events = np.zeros(1, EVENT_DTYPE)
    events[0] = (6000, 0, 0, 1)
    representation = InputRepresentation("voxel_edi", 9, (contrast,))
    grids = window_grids_of(representation, events, 0, t_end, (1, 1))
    built = build_event_input(representation, grids, blurry)
    assert built[9, 0, 0] == pytest.approx(dark, rel=1e-5)


def test_edi_channels_equal_the_edi_baseline_on_a_simulated_13_frame_blur():
    sim = SimConfig(scene=SceneConfig(resolution=(60, 80), texture="camera", speed_px_s=300.0),
                    events=SimulatorConfig(threshold_sigma=0.0, leak_rate_hz=0.0,
                                           shot_noise_rate_hz=0.0, refractory_us=0))
    sequence = simulate_sequence(sim, 0.1, seed=4)
    window = synthesize_windows(sequence.frames(), 13)[0]
    inside = window_events(sequence.events, window.t_start, window.t_end)
    centre = (window.t_start + window.t_end) // 2
    for contrast in (0.18, 0.3):
        exact = edi_deblur(window.blurry, inside, window.t_start, window.t_end, centre, contrast)
        representation = InputRepresentation("voxel_edi", 5, (0.12, contrast))
        grids = window_grids_of(representation, inside, window.t_start, window.t_end, (60, 80))
        built = build_event_input(representation, grids, window.blurry)
        assert len(inside) > 1000
        np.testing.assert_allclose(built[6], exact, atol=2e-5)


def test_pixels_without_events_keep_the_blurry_value_in_every_edi_channel():
    blurry = np.random.default_rng(0).random((6, 7)).astype(np.float32)
    grids = window_grids_of(EDI, np.zeros(0, EVENT_DTYPE), 0, 1000, (6, 7))
    built = build_event_input(EDI, grids, blurry)
    assert built.shape == (EDI.channels, 6, 7)
    np.testing.assert_array_equal(built[9], blurry)
    np.testing.assert_array_equal(built[10], blurry)


def test_edi_channels_stay_finite_and_in_range_for_hot_pixels():
    events = np.zeros(20_000, EVENT_DTYPE)
    events["t"] = np.arange(20_000) // 2
    events["x"] = np.arange(20_000) % 2  # pixel (0, 0) fires ON, pixel (1, 0) OFF, 10k times
    events["p"] = np.where(events["x"] == 0, 1, -1)
    gains = edi_gains(events["t"], events["x"], events["y"], events["p"], 0, 10_000, 5_000,
                      np.array([0.18, 0.3]), (2, 2))
    assert np.isfinite(gains).all() and gains.min() >= 0
    grids = window_grids_of(EDI, events, 0, 10_000, (2, 2))
    built = build_event_input(EDI, grids, np.full((2, 2), 0.5, np.float32))
    assert np.isfinite(built).all()
    assert built[9:].min() >= 0.0 and built[9:].max() <= 1.0


def test_edi_gains_refuse_events_out_of_time_order_naming_the_event():
    events = np.zeros(3, EVENT_DTYPE)
    events["t"] = [10, 30, 20]
    events["p"] = 1
    with pytest.raises(InputError, match="event 2 at t=20 us is earlier"):
        window_grids_of(EDI, events, 0, 100, (1, 1))


def test_wrong_bin_count_and_unknown_kind_are_refused_with_the_field_named():
    with pytest.raises(ValueError, match=r"\(11, H, W\)"):
        build_event_input(EDI, np.zeros((5, 4, 4), np.float32), np.zeros((4, 4), np.float32))
    with pytest.raises(ValueError, match="unknown input representation 'scer'"):
        InputRepresentation("scer", 5)
    with pytest.raises(ValueError, match="odd bin count"):
        InputRepresentation("voxel_edi", 8, (0.18,))


def test_legacy_configuration_with_top_level_bins_is_the_plain_voxel_representation():
    config = ModelConfig.from_mapping({"channels": 4, "bins": 5})
    assert config.representation == InputRepresentation("voxel", 5)
    assert ModelConfig.from_mapping(config.to_dict()) == config


def test_residual_is_added_to_the_edi_channel_of_the_centre_window():
    torch.manual_seed(0)
    config = ModelConfig(channels=4, res_units=1, attention_dim=8, representation=EDI,
                         attention="cosine")
    model = STRA(config).eval()
    for parameter in model.decoder.parameters():
        parameter.data.zero_()  # no residual: the output is the base itself
    frames = torch.rand(1, 3, 16, 16)
    inputs = torch.rand(1, 3, EDI.channels, 16, 16)
    with torch.no_grad():
        out, _ = model(frames, inputs)
    torch.testing.assert_close(out[0, 0], inputs[0, 1, 9])


def test_files_from_when_edi_was_sampled_on_a_voxel_grid_load_as_exact_edi():
    config = ModelConfig.from_mapping({"channels": 4, "representation": {
        "kind": "voxel_edi", "bins": 9, "edi_contrasts": [0.18], "edi_upsampling": 2}})
    assert config.representation == InputRepresentation("voxel_edi", 9, (0.18,))
