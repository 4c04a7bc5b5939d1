"""Data sources: the simulated cache is made once and reused; file folders are checked."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from stra_live.errors import InputError
from stra_live.io.hdf5 import read_hqf, write_hqf
from stra_live.simulator import textures
from stra_live.simulator.config import SceneConfig, SimConfig
from stra_live.training import data_sources
from stra_live.training.config import DataSource
from stra_live.training.data_sources import (
    check_scorable,
    check_trainable,
    ensure_sim_files,
    list_files,
    sim_file_name,
    simulated_recording,
    split_sim_config,
)
from stra_live.training.run import check_disjoint

SIM = SimConfig(scene=SceneConfig(resolution=(16, 20)))


def test_sim_cache_is_written_once_then_reused(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    source = DataSource(kind="sim", path=str(tmp_path / "train"), sequences=2, seconds=0.05,
                        seed=7)
    paths = ensure_sim_files(source, "train", SIM)
    named = split_sim_config(SIM, "train")  # the name hashes the config actually simulated
    assert [p.name for p in paths] == [sim_file_name("train", s, 0.05, named) for s in (7, 8)]
    recording = read_hqf(paths[1])
    memory = simulated_recording(SIM, "train", 0.05, 8)  # same seed: bit for bit the same
    assert np.array_equal(recording.events, memory.events)
    assert [f.timestamp for f in recording.frames] == [f.timestamp for f in memory.frames]

    def no_simulation(*args: object) -> None:
        raise AssertionError("the cache should have been reused")

    monkeypatch.setattr(data_sources, "simulate_sequence", no_simulation)
    assert ensure_sim_files(source, "train", SIM) == paths
    assert not list((tmp_path / "train").glob("*.tmp"))


def test_cache_names_change_with_everything_that_changes_the_data() -> None:
    base = sim_file_name("train", 1, 1.0, SIM)
    faster = SimConfig(scene=SceneConfig(resolution=(16, 20), speed_px_s=100.0))
    others = {sim_file_name("val", 1, 1.0, SIM), sim_file_name("train", 2, 1.0, SIM),
              sim_file_name("train", 1, 2.0, SIM), sim_file_name("train", 1, 1.0, faster)}
    assert base not in others and len(others) == 4


def test_train_and_val_scenes_use_disjoint_texture_splits() -> None:
    train = {simulated_recording(SIM, "train", 0.01, s).source for s in range(2)}
    assert train == {"sim:train:0", "sim:train:1"}
    chosen = split_sim_config(SimConfig(scene=SceneConfig(texture="camera")), "val")
    assert chosen.scene.textures == "test" and chosen.scene.texture is None
    assert split_sim_config(SIM, "train").scene.textures == "train"
    assert not set(textures.TRAIN_PICTURES) & set(textures.TEST_PICTURES)


def write_pair_file(path: Path, sharp: bool) -> None:
    recording = simulated_recording(SIM, "train", 0.02, 0)
    write_hqf(path, recording.events, recording.frames, recording.resolution,
              recording.frames if sharp else None)


def test_file_sources_are_listed_and_checked(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        list_files(DataSource(kind="hqf", path=str(tmp_path / "missing")))
    with pytest.raises(InputError, match=r"no \.h5 files"):
        list_files(DataSource(kind="hqf", path=str(tmp_path)))
    write_pair_file(tmp_path / "b.h5", sharp=False)
    write_pair_file(tmp_path / "a.h5", sharp=True)
    assert [p.name for p in list_files(DataSource(kind="hqf", path=str(tmp_path)))] == [
        "a.h5", "b.h5"]
    assert list_files(DataSource(kind="gopro", path=str(tmp_path / "a.h5"))) == [
        tmp_path / "a.h5"]
    with pytest.raises(InputError, match=r"b\.h5: an EFNet-style .* sharp_images"):
        list_files(DataSource(kind="gopro", path=str(tmp_path)))
    (tmp_path / "c.h5").write_bytes(b"junk")
    with pytest.raises(InputError, match=r"c\.h5: cannot open as HDF5"):
        list_files(DataSource(kind="gopro", path=str(tmp_path / "c.h5")))
    with h5py.File(tmp_path / "a.h5", "r") as file:
        assert "sharp_images" in file


def test_files_too_small_or_short_for_training_are_refused(tmp_path: Path) -> None:
    write_pair_file(tmp_path / "sharp.h5", sharp=False)  # 5 frames of 20x16
    write_pair_file(tmp_path / "pairs.h5", sharp=True)
    check_trainable(tmp_path / "sharp.h5", crop=16, k_max=1)
    check_trainable(tmp_path / "pairs.h5", crop=16, k_max=13)  # pairs: k does not apply
    with pytest.raises(InputError, match="smaller than the 17 crop"):
        check_trainable(tmp_path / "sharp.h5", crop=17, k_max=1)
    with pytest.raises(InputError, match=r"sharp\.h5: 5 frames, but samples need 6"):
        check_trainable(tmp_path / "sharp.h5", crop=8, k_max=2)
    check_scorable(tmp_path / "sharp.h5", k=1)  # 5 windows of one frame
    check_scorable(tmp_path / "pairs.h5", k=9)  # 5 blurry frames
    with pytest.raises(InputError, match="only 2 windows of 2 sharp frames; validation needs 3"):
        check_scorable(tmp_path / "sharp.h5", k=2)


def test_a_file_in_both_splits_is_refused(tmp_path: Path) -> None:
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    check_disjoint([a], [b])
    with pytest.raises(InputError, match="both training and validation"):
        check_disjoint([a, b], [tmp_path / "x" / ".." / "b.h5"])
