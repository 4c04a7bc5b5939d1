"""Pure display helpers of the app: event colouring, attention upsampling, memory labels."""

from __future__ import annotations

import numpy as np
import pytest

from ui.controls import parse_network
from ui.render import (
    OFF_RGB,
    ON_RGB,
    event_overlay_rgba,
    event_view_rgb,
    heat_levels,
    memory_labels,
    upsample_map,
)


def test_event_overlay_colours_and_alpha_by_hand() -> None:
    counts = np.array([[0.0, 1.0, -3.0], [6.0, -1.5, 0.0]], dtype=np.float32)
    rgba = event_overlay_rgba(counts, saturation=3.0, opacity=1.0)
    assert rgba.shape == (2, 3, 4) and rgba.dtype == np.uint8
    np.testing.assert_array_equal(rgba[..., 3], [[0, 85, 255], [255, 128, 0]])
    np.testing.assert_array_equal(rgba[0, 1, :3], ON_RGB.astype(np.uint8))
    np.testing.assert_array_equal(rgba[1, 0, :3], ON_RGB.astype(np.uint8))
    np.testing.assert_array_equal(rgba[0, 2, :3], OFF_RGB.astype(np.uint8))
    np.testing.assert_array_equal(rgba[1, 1, :3], OFF_RGB.astype(np.uint8))
    half = event_overlay_rgba(counts, saturation=3.0, opacity=0.5)
    assert half[0, 2, 3] == 128
    assert counts[0, 2] == -3.0  # the caller's array is untouched


def test_event_view_is_white_without_events_and_full_colour_at_saturation() -> None:
    counts = np.array([[0, 2, -2, 1]], dtype=np.float32)
    rgb = event_view_rgb(counts, saturation=2.0)
    np.testing.assert_array_equal(rgb[0, 0], [255, 255, 255])
    np.testing.assert_array_equal(rgb[0, 1], ON_RGB.astype(np.uint8))
    np.testing.assert_array_equal(rgb[0, 2], OFF_RGB.astype(np.uint8))
    expected_half = np.rint(0.5 * 255 + 0.5 * ON_RGB).astype(np.uint8)
    np.testing.assert_array_equal(rgb[0, 3], expected_half)
    with pytest.raises(ValueError, match="saturation"):
        event_view_rgb(counts, saturation=0.0)


def test_upsample_map_matches_cell_definition_and_crops_padding() -> None:
    rng = np.random.default_rng(0)
    grid = rng.random((3, 4)).astype(np.float32)
    scale, shape = 4, (10, 13)  # the grid (12 x 16 px) extends past the image
    full = upsample_map(grid, scale, shape)
    assert full.shape == shape and full.dtype == np.float32
    for y in range(shape[0]):
        for x in range(shape[1]):
            assert full[y, x] == grid[y // scale, x // scale]
    with pytest.raises(ValueError, match="does not cover"):
        upsample_map(grid, scale, (13, 13))


def test_heat_levels_span_the_values() -> None:
    assert heat_levels(np.array([0.1, 0.4, 0.2])) == (pytest.approx(0.1), pytest.approx(0.4))
    low, high = heat_levels(np.full(3, 0.25))
    assert low == 0.25 and high > low
    assert heat_levels(np.zeros(0)) == (0.0, 1.0)


def test_memory_labels_count_outwards_from_the_current_frame() -> None:
    current = 1_000_000
    stamps = (current + 33_000, current - 66_000, current - 33_000, current)
    assert memory_labels(stamps, current) == [
        "T+1 (+33 ms)", "T-2 (-66 ms)", "T-1 (-33 ms)", "T (0 ms)"
    ]
    assert memory_labels((), current) == []


@pytest.mark.parametrize(
    ("text", "spec"),
    [("localhost:7777", "tcp://localhost:7777"), (" tcp://10.0.0.2:80 ", "tcp://10.0.0.2:80"),
     ("localhost:7777,7778", "tcp://localhost:7777,7778"),  # the --source form: events, frames
     ("tcp://[::1]:7777,7778", "tcp://[::1]:7777,7778")],
)
def test_parse_network_accepts_host_port(text: str, spec: str) -> None:
    assert parse_network(text) == spec


@pytest.mark.parametrize(("text", "fragment"),
                         [("localhost", "HOST:PORT"), (":80", "HOST:PORT"),
                          ("host:http", "port"), ("host:70000", "port"),
                          ("host:1,2,3", "two ports"), ("host:7777,", "port")])
def test_parse_network_rejects_bad_addresses(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_network(text)
