"""The network's event input: one named representation, built by one function."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.config import ModelConfig
from models.representation import InputRepresentation, build_event_input, merge_bins
from models.stra import STRA
from stra_live.evaluation.edi import edi_deblur
from stra_live.evaluation.protocol import synthesize_windows, window_events
from stra_live.events import EVENT_DTYPE
from stra_live.simulator.config import SceneConfig, SimConfig, SimulatorConfig
from stra_live.simulator.sequence import simulate_sequence
from stra_live.voxel.grid import events_to_voxel

EDI = InputRepresentation("voxel_edi", 9, (0.18, 0.3))


def test_voxel_channels_are_signed_log1p_with_nan_and_inf_as_no_events():
    raw = np.array([0.0, 1.0, -1.0, math.e - 1, -(math.e**2 - 1), math.nan, math.inf, -math.inf],
                   dtype=np.float32).reshape(8, 1, 1)
    built = build_event_input(InputRepresentation("voxel", 8), raw, np.zeros((1, 1), np.float32))
    expected = [0.0, math.log(2), -math.log(2), 1.0, -2.0, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(built[:, 0, 0], expected, rtol=1e-6, atol=1e-7)


def test_edi_channel_of_a_brightness_step_matches_the_exact_edi():
    # One pixel doubles its brightness three quarters into the exposure: one ON event
    # with c = ln 2. The latent image at the centre is the darker level.
    contrast, t_end, dark = math.log(2), 8000, 0.3
    blurry = np.full((1, 1), dark * 0.75 + 2 * dark * 0.25, np.float32)
    events = np.zeros(1, EVENT_DTYPE)
    events[0] = (6000, 0, 0, 1)
    exact = edi_deblur(blurry, events, 0, t_end, t_end // 2, contrast)
    voxel = events_to_voxel(events, 9, 1, 1, 0, t_end)
    built = build_event_input(InputRepresentation("voxel_edi", 9, (contrast,)), voxel, blurry)
    assert exact[0, 0] == pytest.approx(dark, rel=1e-3)
    assert built[9, 0, 0] == pytest.approx(dark, rel=0.03)


def test_pixels_without_events_keep_the_blurry_value_in_every_edi_channel():
    blurry = np.random.default_rng(0).random((6, 7)).astype(np.float32)
    built = build_event_input(EDI, np.zeros((9, 6, 7), np.float32), blurry)
    assert built.shape == (EDI.channels, 6, 7)
    np.testing.assert_array_equal(built[9], blurry)
    np.testing.assert_array_equal(built[10], blurry)


def test_edi_channels_stay_finite_and_in_range_for_hot_pixels():
    voxel = np.zeros((9, 2, 2), np.float32)
    voxel[:, 0, 0] = 5000.0  # a hot pixel firing thousands of times
    voxel[:, 1, 1] = -5000.0
    built = build_event_input(EDI, voxel, np.full((2, 2), 0.5, np.float32))
    assert np.isfinite(built).all()
    assert built[9:].min() >= 0.0 and built[9:].max() <= 1.0


def test_wrong_bin_count_and_unknown_kind_are_refused_with_the_field_named():
    with pytest.raises(ValueError, match=r"\(9, H, W\)"):
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


def test_merging_a_fine_grid_equals_voting_into_the_coarse_grid_directly():
    rng = np.random.default_rng(2)
    events = np.zeros(300, EVENT_DTYPE)
    events["t"] = np.sort(rng.integers(0, 10_001, 300))
    events["x"], events["y"] = rng.integers(0, 4, 300), rng.integers(0, 3, 300)
    events["p"] = rng.choice([-1, 1], 300)
    fine = events_to_voxel(events, 17, 3, 4, 0, 10_000)
    coarse = events_to_voxel(events, 9, 3, 4, 0, 10_000)
    np.testing.assert_allclose(merge_bins(fine, 2), coarse, atol=1e-5)


def test_finer_edi_samples_are_closer_to_the_exact_edi_on_a_13_frame_blur():
    sim = SimConfig(scene=SceneConfig(resolution=(60, 80), texture="camera", speed_px_s=300.0),
                    events=SimulatorConfig(threshold_sigma=0.0, leak_rate_hz=0.0,
                                           shot_noise_rate_hz=0.0, refractory_us=0))
    sequence = simulate_sequence(sim, 0.1, seed=4)
    window = synthesize_windows(sequence.frames(), 13)[0]
    inside = window_events(sequence.events, window.t_start, window.t_end)
    exact = edi_deblur(window.blurry, inside, window.t_start, window.t_end, window.t_sharp)

    def edi_channel(upsampling: int) -> np.ndarray:
        rep = InputRepresentation("voxel_edi", 9, (0.18,), edi_upsampling=upsampling)
        voxel = events_to_voxel(inside, rep.raw_bins, 60, 80, window.t_start, window.t_end)
        return build_event_input(rep, voxel, window.blurry)[9]

    coarse_error = np.abs(edi_channel(1) - exact).mean()
    fine_error = np.abs(edi_channel(2) - exact).mean()
    assert fine_error < 0.7 * coarse_error
