"""Tests of `stra-sim`: the HQF layout of PROTOCOL.md, determinism, preview, options."""

from __future__ import annotations

from pathlib import Path

import h5py
import imageio.v3 as iio
import numpy as np
import pytest

from stra_live.cli.sim import build_parser, main, resolve_config
from stra_live.config import CONFIG_DIR, load_config
from stra_live.io.hdf5 import read_hqf
from stra_live.simulator.config import SimConfig

TINY = ["--seconds", "0.1", "--resolution", "12", "16"]
"""24 frames of 16x12: enough for a k=9 preview, small enough to be instant."""


def simulate(path: Path, seed: int = 3, *extra: str) -> int:
    return main(["--out", str(path), "--seed", str(seed), *TINY, *extra])


def contents(path: Path) -> dict[str, object]:
    """Every dataset and attribute in the file, by path."""
    with h5py.File(path) as file:
        found: dict[str, object] = {f"/@{k}": np.asarray(v).tolist() for k, v in file.attrs.items()}

        def visit(name: str, item: h5py.Dataset | h5py.Group) -> None:
            for key, value in item.attrs.items():
                found[f"{name}@{key}"] = np.asarray(value).tolist()
            if isinstance(item, h5py.Dataset):
                found[name] = item[()].tobytes()
        file.visititems(visit)
    return found


def test_writes_the_hqf_layout_of_the_protocol(tmp_path: Path) -> None:
    path = tmp_path / "sim.h5"
    assert simulate(path) == 0
    with h5py.File(path) as file:
        assert list(file.attrs["sensor_resolution"]) == [12, 16]
        xs, ys = file["events/xs"][()], file["events/ys"][()]
        ts, ps = file["events/ts"][()], file["events/ps"][()]
        assert xs.dtype == np.uint16 and ys.dtype == np.uint16 and ts.dtype == np.float64
        assert len(xs) == len(ys) == len(ts) == len(ps) == file.attrs["num_events"] > 0
        assert file.attrs["num_pos"] == np.count_nonzero(ps == 1)
        assert file.attrs["num_neg"] == np.count_nonzero(ps == 0)
        assert np.all(np.diff(ts) >= 0) and xs.max() < 16 and ys.max() < 12
        assert file.attrs["t0"] == ts[0] and file.attrs["tk"] == ts[-1]
        assert file.attrs["num_imgs"] == 24
        names = sorted(file["images"])
        assert names == [f"image{i:09d}" for i in range(24)]
        for i, name in enumerate(names):
            image = file["images"][name]
            assert image.dtype == np.uint8 and image.shape == (12, 16)
            assert image.attrs["timestamp"] == pytest.approx(i / 240, abs=1e-6)
            first = np.searchsorted(ts, image.attrs["timestamp"], side="left")
            assert image.attrs["event_idx"] == first
        assert "sharp_images" not in file  # the sharp frames are the images


def test_read_hqf_reads_it_back(tmp_path: Path) -> None:
    path = tmp_path / "sim.h5"
    assert simulate(path) == 0
    recording = read_hqf(path)
    assert recording.resolution == (12, 16) and len(recording.frames) == 24
    assert recording.frames[-1].timestamp == round(23 * 1e6 / 240)
    with h5py.File(path) as file:
        assert len(recording.events) == file.attrs["num_events"]
    assert set(np.unique(recording.events["p"]).tolist()) <= {-1, 1}


def test_same_seed_same_file_and_other_seed_other_file(tmp_path: Path) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        assert simulate(tmp_path / f"{name}.h5", seed) == 0
    a, b, c = (contents(tmp_path / f"{n}.h5") for n in "abc")
    assert a == b
    assert a != c


def test_preview_shows_blurry_sharp_and_events(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "preview" / "p.png"
    assert simulate(tmp_path / "sim.h5", 3, "--preview", str(png)) == 0
    assert str(png) in capsys.readouterr().out
    image = iio.imread(png)
    assert image.shape == (12, 3 * 16 + 2 * 4, 3) and image.dtype == np.uint8
    blurry, sharp, events = image[:, :16], image[:, 20:36], image[:, 40:]
    assert np.array_equal(blurry[..., 0], blurry[..., 2])  # grey panels
    with h5py.File(tmp_path / "sim.h5") as file:
        assert np.array_equal(sharp[..., 0], file["images/image000000012"][()])
    coloured = (events[..., 0] != events[..., 2])
    assert coloured.any()  # red or blue pixels where events fired


def test_flags_override_the_yaml_and_bad_values_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = build_parser().parse_args(["--out", "x.h5", "--threshold", "0.3", "--neg-threshold",
                                      "0.25", "--textures", "test", "--speed", "100"])
    config = resolve_config(args)
    assert (config.events.pos_threshold, config.events.neg_threshold) == (0.3, 0.25)
    assert (config.scene.textures, config.scene.speed_px_s) == ("test", 100.0)
    assert main(["--out", str(tmp_path / "x.h5"), "--threshold", "-1"]) == 2
    assert "pos_threshold" in capsys.readouterr().err
    assert not (tmp_path / "x.h5").exists()


def test_help_lists_the_knobs() -> None:
    text = build_parser().format_help()
    for flag in ("--speed", "--rotation", "--zoom", "--threshold", "--threshold-sigma",
                 "--refractory-us", "--leak-rate", "--shot-noise-rate", "--resolution",
                 "--textures", "--preview", "--seed", "--seconds"):
        assert flag in text


def test_shipped_yaml_matches_the_documented_defaults() -> None:
    assert load_config(SimConfig, CONFIG_DIR / "sim.yaml") == SimConfig()
