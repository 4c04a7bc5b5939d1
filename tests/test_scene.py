"""Tests of the synthetic scenes: textures and their split, warp, camera motion, renderer, blur."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stra_live.simulator.blur import average_frames, blurred_frame
from stra_live.simulator.config import SceneConfig
from stra_live.simulator.motion import CameraMotion, Pose, view_to_texture
from stra_live.simulator.scene import SceneRenderer, frame_timestamp
from stra_live.simulator.textures import (
    PROCEDURAL,
    TEST_PICTURES,
    TRAIN_PICTURES,
    load_texture,
    texture_names,
)
from stra_live.simulator.warp import warp_affine

TINY = SceneConfig(resolution=(12, 16))


def test_train_and_test_pictures_are_disjoint_and_all_is_their_union() -> None:
    assert not set(TRAIN_PICTURES) & set(TEST_PICTURES)
    train, test = set(texture_names("train")), set(texture_names("test"))
    assert train & test == set(PROCEDURAL)
    assert set(texture_names("all")) == train | test
    with pytest.raises(ValueError, match="textures"):
        texture_names("validation")  # type: ignore[arg-type]


def test_procedural_textures_differ_between_splits_for_the_same_seed() -> None:
    frames = {
        split: SceneRenderer(SceneConfig(resolution=(12, 16), textures=split, texture="shapes"),
                             seed=3).render(0)
        for split in ("train", "test")
    }
    assert not np.array_equal(frames["train"], frames["test"])


@pytest.mark.parametrize("name", ["text", "camera", "shapes", "checkerboard", "edge_noise"])
def test_textures_are_grey_float_in_unit_range_and_upscaled(name: str) -> None:
    texture = load_texture(name, np.random.default_rng(0), min_side=300)
    assert texture.dtype == np.float32 and texture.ndim == 2
    assert min(texture.shape) >= 300
    assert texture.min() >= 0.0 and texture.max() <= 1.0
    assert texture.std() > 0.05  # real contrast, something to make events from


def test_unknown_texture_is_refused_by_the_config_and_the_loader() -> None:
    with pytest.raises(ValueError, match="texture"):
        SceneConfig(texture="lena")
    with pytest.raises(ValueError, match="unknown texture"):
        load_texture("lena", np.random.default_rng(0))


def reference_warp(texture: np.ndarray, matrix: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Slow bilinear sampling with mirrored borders, one pixel at a time."""
    th, tw = texture.shape

    def mirror(i: int, n: int) -> int:
        i %= 2 * n
        return 2 * n - 1 - i if i >= n else i

    out = np.zeros(shape)
    for y in range(shape[0]):
        for x in range(shape[1]):
            u, v = matrix @ np.array([x, y, 1.0])
            u0, v0 = math.floor(u), math.floor(v)
            fu, fv = u - u0, v - v0
            value = 0.0
            for dv, wv in ((0, 1 - fv), (1, fv)):
                for du, wu in ((0, 1 - fu), (1, fu)):
                    value += wv * wu * texture[mirror(v0 + dv, th), mirror(u0 + du, tw)]
            out[y, x] = value
    return out


def test_warp_matches_a_slow_reference_including_mirrored_borders() -> None:
    rng = np.random.default_rng(1)
    texture = rng.random((7, 9)).astype(np.float32)
    angle = 0.7
    matrix = np.array([[1.3 * math.cos(angle), -1.3 * math.sin(angle), -4.2],
                       [1.3 * math.sin(angle), 1.3 * math.cos(angle), 11.7]])
    got = warp_affine(texture, matrix, (10, 12))
    assert np.allclose(got, reference_warp(texture, matrix, (10, 12)), atol=1e-5)


def test_warp_hand_cases_identity_half_pixel_and_mirror() -> None:
    texture = np.arange(12, dtype=np.float32).reshape(3, 4)
    identity = np.array([[1.0, 0, 0], [0, 1.0, 0]])
    assert np.array_equal(warp_affine(texture, identity, (3, 4)), texture)
    half = np.array([[1.0, 0, 0.5], [0, 1.0, 0]])
    assert np.allclose(warp_affine(texture, half, (3, 3)), texture[:, :3] + 0.5)
    left = np.array([[1.0, 0, -1.0], [0, 1.0, 0]])  # column -1 mirrors onto column 0
    assert np.array_equal(warp_affine(texture, left, (3, 1))[:, 0], texture[:, 0])
    with pytest.raises(ValueError, match="matrix"):
        warp_affine(texture, np.eye(3), (3, 4))


def test_view_to_texture_centres_shifts_rotates_and_zooms() -> None:
    matrix = view_to_texture(Pose((5.0, -2.0), math.pi / 2, math.log(2.0)), (11, 21), (101, 201))
    centre = matrix @ np.array([10.0, 5.0, 1.0])
    assert np.allclose(centre, [100 + 5.0, 50 - 2.0])
    # One view pixel to the right = half a texture pixel (zoom 2) along +v (90 degrees).
    step = matrix @ np.array([11.0, 5.0, 1.0]) - centre
    assert np.allclose(step, [0.0, 0.5])


def test_camera_motion_has_the_configured_rms_speeds_and_bounded_zoom() -> None:
    config = SceneConfig(speed_px_s=300.0, rotation_deg_s=10.0, zoom_per_s=0.5, max_log_zoom=0.2)
    motion = CameraMotion.random(np.random.default_rng(2), config)
    dt = 1e-3
    times = np.arange(0.0, 400.0, 0.05)
    poses = [(motion.pose(t), motion.pose(t + dt)) for t in times]
    velocity = np.array([[(b.shift[0] - a.shift[0]) / dt, (b.shift[1] - a.shift[1]) / dt,
                          (b.angle - a.angle) / dt] for a, b in poses])
    speed_2d = np.sqrt(np.mean(velocity[:, 0] ** 2 + velocity[:, 1] ** 2))
    assert speed_2d == pytest.approx(300.0, rel=0.1)
    assert math.degrees(np.sqrt(np.mean(velocity[:, 2] ** 2))) == pytest.approx(10.0, rel=0.1)
    assert max(abs(a.log_zoom) for a, _ in poses) <= 0.2


def test_renderer_is_deterministic_and_really_moves() -> None:
    a, b = SceneRenderer(TINY, seed=4), SceneRenderer(TINY, seed=4)
    frame = a.render(123_456)
    assert frame.shape == (12, 16) and frame.dtype == np.float32
    assert frame.min() >= 0.0 and frame.max() <= 1.0
    assert np.array_equal(frame, b.render(123_456))
    assert a.texture_name == b.texture_name
    assert not np.array_equal(a.render(0), a.render(frame_timestamp(9, 240.0)))
    assert SceneRenderer(TINY, seed=4, variant=1).texture_name in texture_names("all")


def test_frames_are_timestamped_at_the_render_rate() -> None:
    renderer = SceneRenderer(TINY, seed=0)
    frames = list(renderer.frames(start=239, count=3))
    assert [t for t, _ in frames] == [995_833, 1_000_000, 1_004_167]
    assert np.array_equal(frames[1][1], renderer.render(1_000_000))


def test_blur_averages_the_frames_over_the_inclusive_exposure() -> None:
    images = [np.full((2, 3), v, np.float32) for v in (0.1, 0.2, 0.6)]
    frame = blurred_frame(images, [100, 200, 300])
    assert np.allclose(frame.image, 0.3)
    assert (frame.timestamp, frame.exposure_start, frame.exposure_end) == (100, 100, 300)
    as_uint8 = average_frames([np.full((1, 1), 255, np.uint8), np.zeros((1, 1), np.uint8)])
    assert as_uint8[0, 0] == pytest.approx(0.5)
    with pytest.raises(ValueError):
        average_frames([])
