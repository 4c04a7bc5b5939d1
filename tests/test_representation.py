"""The network's event input: one named representation, built by one function."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.config import ModelConfig
from models.representation import InputRepresentation, build_event_input
from models.stra import STRA
from stra_live.evaluation.edi import edi_deblur
from stra_live.events import EVENT_DTYPE
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
