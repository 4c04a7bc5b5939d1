"""The training dataset: an endless stream of random, reproducible samples.

Sample ``index`` is drawn with a random generator seeded by ``(seed, index)``,
so the data a run sees depends only on the seed and the step, not on the
number of DataLoader workers; ``--resume`` therefore continues with exactly
the batches the interrupted run would have seen. :class:`StepSampler` hands
each rank its own disjoint indices (rank r of R at step s takes batch
``s * R + r``), which replaces a DistributedSampler for this endless data.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from models.representation import InputRepresentation, build_event_input
from stra_live.event_index import EventIndex
from stra_live.io.hdf5 import read_hqf
from stra_live.io.recording import Recording
from stra_live.training.samples import augment, random_triplet, triplet_sample

log = logging.getLogger(__name__)

RecordingRef = Path | Recording
"""A recording on disk (loaded lazily) or already in memory."""


class RecordingCache:
    """Loads recordings on first use and keeps the most recent ones in memory.

    Each DataLoader worker holds its own copy (the dataset is copied into the
    worker process), so nothing is shared between processes.

    Args:
        refs: the recordings, as paths or in-memory :class:`Recording` objects.
        capacity: how many loaded files to keep; least recently used go first.
    """

    def __init__(self, refs: Sequence[RecordingRef], capacity: int) -> None:
        if not refs:
            raise ValueError("no recordings to train on")
        self.refs = tuple(refs)
        self.capacity = max(1, capacity)
        self._loaded: OrderedDict[int, tuple[Recording, EventIndex]] = OrderedDict()
        self._in_memory: dict[int, tuple[Recording, EventIndex]] = {}

    def __len__(self) -> int:
        return len(self.refs)

    def get(self, i: int) -> tuple[Recording, EventIndex]:
        """Recording ``i`` and its event index, read from disk if not in memory."""
        ref = self.refs[i]
        if isinstance(ref, Recording):
            if i not in self._in_memory:
                self._in_memory[i] = (ref, EventIndex(ref.events))
            return self._in_memory[i]
        if i in self._loaded:
            self._loaded.move_to_end(i)
            return self._loaded[i]
        recording = read_hqf(ref)
        log.debug("loaded %s (%d frames, %d events)", ref, len(recording.frames),
                  len(recording.events))
        self._loaded[i] = (recording, EventIndex(recording.events))
        while len(self._loaded) > self.capacity:
            self._loaded.popitem(last=False)
        return self._loaded[i]


class TrainDataset(Dataset):
    """Random three-window samples from a set of recordings, cropped and flipped.

    Args:
        recordings: where samples come from (one is chosen uniformly per sample).
        representation: the model's event input (``ModelConfig.representation``).
        crop: side of the square training patch, in pixels.
        hflip: mirror half the samples horizontally.
        k_range: (min, max) blur length for sharp-frame recordings, both included.
        odd_k_only: draw only the odd blur lengths of ``k_range`` (as
            :class:`stra_live.training.config.DataConfig` does by default).
        seed: the run's seed; with ``index`` it fixes every random choice.
        cache_size: recordings each worker keeps in memory.
    """

    def __init__(self, recordings: Sequence[RecordingRef], representation: InputRepresentation,
                 crop: int, hflip: bool,
                 k_range: tuple[int, int], seed: int, cache_size: int = 64,
                 odd_k_only: bool = True) -> None:
        if not 1 <= k_range[0] <= k_range[1]:
            raise ValueError(f"blur lengths must satisfy 1 <= min <= max, got {k_range}")
        self.cache = RecordingCache(recordings, cache_size)
        self.representation = representation
        self.crop = crop
        self.hflip = hflip
        self.k_range = k_range
        self.odd_k_only = odd_k_only
        self.seed = seed

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        """Sample ``index``: frames (3, c, c), voxels (3, channels, c, c), target (1, c, c).

        ``voxels`` holds the network's event inputs (see models.representation),
        built after cropping: every channel is per pixel, so cropping first
        gives the same patch for a fraction of the work.
        """
        rng = np.random.default_rng([self.seed, index])
        recording, events = self.cache.get(int(rng.integers(0, len(self.cache))))
        triplet = random_triplet(recording, rng, self.k_range, odd_k_only=self.odd_k_only)
        sample = triplet_sample(triplet, events, self.representation)
        sample = augment(sample, rng, self.crop, self.hflip, source=recording.source)
        inputs = np.stack([
            build_event_input(self.representation, voxel, frame)
            for voxel, frame in zip(sample.voxels, sample.frames, strict=True)
        ])
        return {
            "frames": torch.from_numpy(sample.frames),
            "voxels": torch.from_numpy(inputs),
            "target": torch.from_numpy(sample.target),
        }


class StepSampler(Sampler[int]):
    """Sample indices for one rank from step ``start`` up to (not including) ``stop``.

    At step s, rank r of R takes the ``batch_size`` indices of global batch
    ``s * R + r``; ranks never share a sample and a resumed run picks up at
    the exact step it stopped.
    """

    def __init__(self, start: int, stop: int, batch_size: int, rank: int = 0,
                 world_size: int = 1) -> None:
        super().__init__()
        self.start, self.stop = start, stop
        self.batch_size = batch_size
        self.rank, self.world_size = rank, world_size

    def __len__(self) -> int:
        return max(0, self.stop - self.start) * self.batch_size

    def __iter__(self) -> Iterator[int]:
        for step in range(self.start, self.stop):
            first = (step * self.world_size + self.rank) * self.batch_size
            yield from range(first, first + self.batch_size)
