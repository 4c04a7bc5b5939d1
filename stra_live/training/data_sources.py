"""Turning the configured data sources into lists of HDF5 files.

Simulated sequences are generated once into the source's cache folder and
reused by every later run: file names carry the texture split, the seed, the
length and a hash of the simulator configuration, so a changed configuration
never picks up stale files. Training sources draw from the simulator's
"train" textures, validation sources from its "test" textures (disjoint).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import socket
from pathlib import Path
from typing import Literal

import h5py

from stra_live.errors import InputError
from stra_live.io.hdf5 import write_hqf
from stra_live.io.hqf_reader import HqfReader
from stra_live.io.recording import Recording
from stra_live.simulator.config import SimConfig
from stra_live.simulator.sequence import simulate_sequence
from stra_live.training.config import DataSource

log = logging.getLogger(__name__)

Split = Literal["train", "val"]
TEXTURES: dict[Split, Literal["train", "test"]] = {"train": "train", "val": "test"}
"""Simulator texture split of each data split."""


def sim_file_name(split: Split, seed: int, seconds: float, sim: SimConfig) -> str:
    """Cache file name of one simulated sequence (changes whenever its content would)."""
    blob = json.dumps(dataclasses.asdict(sim), sort_keys=True, default=str)
    digest = hashlib.sha1(f"{blob}|{seconds}".encode()).hexdigest()[:10]
    return f"sim_{split}_seed{seed:06d}_{seconds:g}s_{digest}.h5"


def split_sim_config(sim: SimConfig, split: Split) -> SimConfig:
    """``sim`` with its scene drawing textures from the split's texture subset."""
    scene = dataclasses.replace(sim.scene, textures=TEXTURES[split], texture=None)
    return dataclasses.replace(sim, scene=scene)


def ensure_sim_files(source: DataSource, split: Split, sim: SimConfig,
                     generate: bool = True) -> list[Path]:
    """Paths of a sim source's sequences, simulating those not yet in its cache folder.

    Args:
        source: a ``kind: sim`` source.
        split: "train" or "val" (chooses the texture subset).
        sim: the simulator configuration (its texture choice is overridden).
        generate: False only lists the paths (other ranks wait for rank 0).
    """
    sim = split_sim_config(sim, split)
    if source.profile is not None:
        sim = dataclasses.replace(sim, profile=source.profile)
    folder = Path(source.path)
    paths = [folder / sim_file_name(split, seed, source.seconds, sim) for seed in source.seeds]
    missing = [(seed, p) for seed, p in zip(source.seeds, paths, strict=True) if not p.exists()]
    if generate and missing:
        folder.mkdir(parents=True, exist_ok=True)
        log.info("simulating %d %s sequence(s) of %g s into %s", len(missing), split,
                 source.seconds, folder)
    for seed, path in missing if generate else ():
        sequence = simulate_sequence(sim, source.seconds, seed)
        # A per-process name: machines sharing a cache folder may write at once.
        tmp = path.with_name(f"{path.name}.{socket.gethostname()}.{os.getpid()}.tmp")
        write_hqf(tmp, sequence.events, sequence.frames(), sequence.resolution)
        os.replace(tmp, path)  # a killed run never leaves a half-written sequence
        log.info("wrote %s (%s, %d events)", path, sequence.texture, len(sequence.events))
    return paths


def simulated_recording(sim: SimConfig, split: Split, seconds: float, seed: int) -> Recording:
    """Simulate one sequence of ``split`` straight into memory (no cache file)."""
    sim = split_sim_config(sim, split)
    sequence = simulate_sequence(sim, seconds, seed)
    return Recording(source=f"sim:{split}:{seed}", resolution=sequence.resolution,
                     events=sequence.events, frames=tuple(sequence.frames()))


def list_files(source: DataSource) -> list[Path]:
    """The ``*.h5`` files of an hqf/gopro source (a folder, or a single file).

    Raises:
        InputError: the path does not exist or holds no ``.h5`` file, or a
            gopro file has no ``sharp_images`` group.
    """
    path = Path(source.path)
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(path.glob("*.h5"))
    else:
        raise InputError(path, "no such file or folder")
    if not files:
        raise InputError(path, "folder holds no .h5 files")
    if source.kind == "gopro":
        for file in files:
            _require_sharp_images(file)
    return files


def source_files(source: DataSource, split: Split, sim: SimConfig | None,
                 generate: bool = True) -> list[Path]:
    """The HDF5 files of any source (see :func:`ensure_sim_files`, :func:`list_files`).

    ``sim`` is needed only by sim sources.
    """
    if source.kind == "sim":
        if sim is None:
            raise ValueError("a sim source needs a simulator configuration")
        return ensure_sim_files(source, split, sim, generate)
    return list_files(source)


def check_trainable(path: Path, crop: int, k_max: int) -> None:
    """Raise InputError unless every training sample can be cut from ``path``.

    Reads only the file's structure, so a bad file stops the run before
    training starts rather than inside a DataLoader worker much later.
    """
    with HqfReader(path) as reader:
        height, width = reader.resolution
        paired = reader.has_sharp
        frames = reader.frame_count()
    if crop > min(height, width):
        raise InputError(path, f"frames of {width}x{height} are smaller than the {crop} crop")
    needed = 3 if paired else 3 * k_max
    if frames < needed:
        what = "blurry frames" if paired else f"sharp frames (3 windows of up to {k_max})"
        raise InputError(path, f"{frames} frames, but samples need {needed} {what}")


def check_scorable(path: Path, k: int) -> None:
    """Raise InputError unless validation file ``path`` has a scored window at blur ``k``.

    A scored window needs both neighbours: three windows of ``k`` sharp
    frames, or three blurry frames of an EFNet-style file.
    """
    with HqfReader(path) as reader:
        paired = reader.has_sharp
        frames = reader.frame_count()
    windows = frames if paired else frames // k
    if windows < 3:
        what = "blurry frames" if paired else f"windows of {k} sharp frames"
        raise InputError(path, f"only {windows} {what}; validation needs 3")


def _require_sharp_images(path: Path) -> None:
    try:
        with h5py.File(path, "r") as file:
            ok = "sharp_images" in file
    except OSError as error:
        raise InputError(path, f"cannot open as HDF5: {error}") from error
    if not ok:
        raise InputError(path, "an EFNet-style (gopro) file needs a sharp_images/ group")
