"""Read and write HQF / event_utils-layout HDF5 recordings (see ``PROTOCOL.md``).

Layout written by :func:`write_hqf`: root attributes ``sensor_resolution``
[height, width], ``num_events``, ``num_pos``, ``num_neg``, ``t0``, ``tk``,
``duration`` (seconds), ``num_imgs``; ``events/xs``, ``events/ys`` (uint16),
``events/ts`` (float64 seconds), ``events/ps`` (uint8, 1 = ON, 0 = OFF);
``images/image%09d`` uint8 (height, width) with attributes ``timestamp``,
``event_idx`` and, beyond the protocol, ``exposure_start``/``exposure_end``
(seconds, inclusive end); optionally ``sharp_images/`` named the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import h5py
import numpy as np

from stra_live.events import Frame, validate_events
from stra_live.io.hqf_reader import HqfReader, h5_errors
from stra_live.io.recording import Recording, validate_frames

__all__ = ["HqfReader", "read_hqf", "write_hqf"]


def read_hqf(path: str | Path) -> Recording:
    """Read a whole HQF-layout file into a validated :class:`Recording`.

    Raises:
        InputError: naming ``path`` for a missing or non-HDF5/truncated file, a
            missing ``events`` or ``images`` group, event arrays of unequal
            length, timestamps going backwards, or coordinates off the sensor.
    """
    with HqfReader(path) as reader:
        return reader.read()


def write_hqf(path: str | Path, events: np.ndarray, frames: Sequence[Frame],
              resolution: tuple[int, int], sharp_frames: Sequence[Frame] | None = None) -> None:
    """Write events and frames to ``path`` in the HQF layout, replacing any file there.

    Args:
        path: the ``.h5`` file to create.
        events: (N,) EVENT_DTYPE, sorted, on the sensor.
        frames: blurry (or APS) frames, in timestamp order, each (height, width);
            float images are stored as uint8 (clipped and rounded).
        resolution: sensor (height, width).
        sharp_frames: ground truth for ``sharp_images/``, or None.

    Raises:
        InputError: naming ``path`` when the data is inconsistent or the file
            cannot be written.
    """
    validate_events(events, resolution, path)
    validate_frames(frames, resolution, path, "frames")
    if sharp_frames is not None:
        validate_frames(sharp_frames, resolution, path, "sharp_frames")
    with h5_errors(path, "write HDF5"), h5py.File(path, "w") as file:
        _write_root_attrs(file, events, resolution, len(frames))
        group = file.create_group("events")
        group.create_dataset("xs", data=events["x"].astype(np.uint16))
        group.create_dataset("ys", data=events["y"].astype(np.uint16))
        group.create_dataset("ts", data=events["t"].astype(np.float64) / 1e6)
        group.create_dataset("ps", data=(events["p"] > 0).astype(np.uint8))
        _write_images(file.create_group("images"), frames, events)
        if sharp_frames is not None:
            _write_images(file.create_group("sharp_images"), sharp_frames, events)


def _write_root_attrs(file: h5py.File, events: np.ndarray, resolution: tuple[int, int],
                      num_imgs: int) -> None:
    num_pos = int(np.count_nonzero(events["p"] > 0))
    t0 = float(events["t"][0]) / 1e6 if len(events) else 0.0
    tk = float(events["t"][-1]) / 1e6 if len(events) else 0.0
    file.attrs["sensor_resolution"] = np.asarray(resolution, dtype=np.int64)
    file.attrs["num_events"] = len(events)
    file.attrs["num_pos"] = num_pos
    file.attrs["num_neg"] = len(events) - num_pos
    file.attrs["t0"] = t0
    file.attrs["tk"] = tk
    file.attrs["duration"] = tk - t0
    file.attrs["num_imgs"] = num_imgs


def _write_images(group: h5py.Group, frames: Sequence[Frame], events: np.ndarray) -> None:
    # event_idx per PROTOCOL: the first event at or after the image timestamp.
    stamps = np.array([frame.timestamp for frame in frames], dtype=np.int64)
    first_events = np.searchsorted(events["t"], stamps, side="left")
    for index, (frame, event_idx) in enumerate(zip(frames, first_events, strict=True)):
        dataset = group.create_dataset(f"image{index:09d}", data=frame.as_uint8())
        dataset.attrs["timestamp"] = frame.timestamp / 1e6
        dataset.attrs["event_idx"] = int(event_idx)
        dataset.attrs["exposure_start"] = frame.exposure_start / 1e6
        dataset.attrs["exposure_end"] = frame.exposure_end / 1e6

