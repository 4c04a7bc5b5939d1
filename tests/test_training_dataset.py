"""TrainDataset reproducibility, lazy file loading and the per-rank step sampler."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from models.representation import InputRepresentation
from stra_live.io.hdf5 import write_hqf
from stra_live.simulator.config import SceneConfig, SimConfig
from stra_live.training import dataset as dataset_module
from stra_live.training.data_sources import simulated_recording
from stra_live.training.dataset import RecordingCache, StepSampler, TrainDataset

SIM = SimConfig(scene=SceneConfig(resolution=(24, 32)))


@pytest.fixture(scope="module")
def recordings() -> list:
    return [simulated_recording(SIM, "train", 0.1, seed) for seed in (1, 2)]


def make_dataset(refs: list, seed: int = 5) -> TrainDataset:
    return TrainDataset(refs, representation=InputRepresentation(bins=3), crop=16, hflip=True,
                        k_range=(3, 5), seed=seed)


def test_a_sample_depends_only_on_seed_and_index(recordings: list) -> None:
    first, second = make_dataset(recordings), make_dataset(recordings)
    late, early = second[7], second[0]  # access order must not matter (workers race)
    for a, b in ((first[0], early), (first[7], late)):
        for key in ("frames", "voxels", "target"):
            assert torch.equal(a[key], b[key])
    assert not torch.equal(first[0]["frames"], first[1]["frames"])
    assert not torch.equal(first[0]["frames"], make_dataset(recordings, seed=6)[0]["frames"])


def test_sample_shapes_and_ranges(recordings: list) -> None:
    sample = make_dataset(recordings)[3]
    assert sample["frames"].shape == (3, 16, 16) and sample["frames"].dtype == torch.float32
    assert sample["voxels"].shape == (3, 3, 16, 16)
    assert sample["target"].shape == (1, 16, 16)
    assert float(sample["target"].min()) >= 0 and float(sample["target"].max()) <= 1
    assert float(sample["voxels"].abs().sum()) > 0  # the moving scene fired events


def test_files_give_the_same_samples_as_memory(recordings: list, tmp_path: Path) -> None:
    paths = []
    for i, rec in enumerate(recordings):
        paths.append(tmp_path / f"seq{i}.h5")
        write_hqf(paths[-1], rec.events, rec.frames, rec.resolution)
    from_files, from_memory = make_dataset(paths), make_dataset(recordings)
    for index in range(4):
        for key in ("frames", "voxels", "target"):
            assert torch.equal(from_files[index][key], from_memory[index][key])


def test_cache_keeps_only_the_most_recent(monkeypatch: pytest.MonkeyPatch,
                                          recordings: list) -> None:
    loads: list[Path] = []

    def fake_read(path: Path) -> object:
        loads.append(path)
        return recordings[int(path.name[0])]

    monkeypatch.setattr(dataset_module, "read_hqf", fake_read)
    cache = RecordingCache([Path("0.h5"), Path("1.h5"), recordings[0]], capacity=1)
    for i in (0, 0, 1, 1, 0, 2, 2):
        cache.get(i)
    assert [p.name for p in loads] == ["0.h5", "1.h5", "0.h5"]  # in-memory refs never load


def test_step_sampler_splits_ranks_and_resumes_mid_run() -> None:
    ranks = [list(StepSampler(0, 5, batch_size=3, rank=r, world_size=2)) for r in (0, 1)]
    assert len(ranks[0]) == len(StepSampler(0, 5, 3, 0, 2)) == 15
    assert not set(ranks[0]) & set(ranks[1])
    assert sorted(ranks[0] + ranks[1]) == list(range(30))
    resumed = list(StepSampler(2, 5, batch_size=3, rank=1, world_size=2))
    assert resumed == ranks[1][6:]
    assert np.array_equal(ranks[0][:3], [0, 1, 2]) and ranks[1][:3] == [3, 4, 5]


def test_edi_representation_builds_voxel_and_edi_channels(recordings: list) -> None:
    representation = InputRepresentation(kind="voxel_edi", bins=3, edi_contrasts=(0.2, 0.3))
    dataset = TrainDataset(recordings, representation=representation, crop=16, hflip=False,
                           k_range=(3, 5), seed=5)
    sample = dataset[2]
    assert sample["voxels"].shape == (3, representation.channels, 16, 16)
    edi = sample["voxels"][:, 3:]
    assert float(edi.min()) >= 0 and float(edi.max()) <= 1
