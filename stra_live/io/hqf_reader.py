"""Lazy reader for HQF / event_utils-layout HDF5 files (see ``PROTOCOL.md``).

:class:`HqfReader` opens the file, checks its structure and reads the frame
metadata at once, but reads events only when asked, in chunks by index, so a
file bigger than memory can be streamed. Every h5py failure surfaces as
:class:`~stra_live.errors.InputError` naming the file.

Decisions:

* a missing ``sensor_resolution`` attribute is inferred (with a logged
  warning) from the first image's shape, else from the largest event
  coordinate; a file with neither is rejected;
* ``events/ts`` must be float seconds (integer timestamps have no agreed
  unit and are rejected); ``xs``/``ys`` must be integers, never negative;
* image exposure comes from the optional ``exposure_start``/``exposure_end``
  attributes (seconds), else both equal the image ``timestamp``.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import h5py
import numpy as np

from stra_live.errors import InputError
from stra_live.events import Frame, empty_events, from_hqf_columns, validate_events
from stra_live.io.recording import Recording

log = logging.getLogger(__name__)

EVENT_COLUMNS = ("xs", "ys", "ts", "ps")
"""Datasets of the ``events`` group, one value per event."""

DEFAULT_CHUNK_EVENTS = 1 << 20
"""Events read per chunk when streaming (about 14 MB of columns)."""

_IMAGE_NAME = re.compile(r"image(\d+)")


@contextlib.contextmanager
def h5_errors(path: object, action: str) -> Iterator[None]:
    """Turn h5py/NumPy failures inside the block into :class:`InputError` on ``path``."""
    try:
        yield
    except InputError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as error:
        raise InputError(path, f"cannot {action}: {error}") from error


def _us(seconds: float) -> int:
    return int(np.rint(float(seconds) * 1e6))


class HqfReader:
    """An open HQF file: structure checked, frame metadata read, events on demand.

    Args:
        path: the ``.h5`` file.

    Attributes:
        path: the file, as given.
        resolution: sensor (height, width).
        num_events: length of the event columns.
        has_sharp: whether ``sharp_images/`` exists.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if not Path(path).is_file():
            raise InputError(path, "no such file")
        with h5_errors(path, "open as HDF5"):
            self._file = h5py.File(path, "r")
        try:
            with h5_errors(path, "read the HQF layout"):
                self._columns = self._event_columns()
                self.num_events = len(self._columns["ts"])
                self._images = self._frame_table("images")
                self.has_sharp = "sharp_images" in self._file
                self._sharp = self._frame_table("sharp_images") if self.has_sharp else []
                if self.has_sharp and len(self._sharp) != len(self._images):
                    log.warning("%s: %d sharp_images for %d images", self.path,
                                len(self._sharp), len(self._images))
                self.resolution = self._resolution()
        except BaseException:
            self._file.close()
            raise

    def __enter__(self) -> HqfReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the HDF5 file. Safe to call twice."""
        self._file.close()

    def frame_count(self, sharp: bool = False) -> int:
        """Number of images in ``images/`` (or ``sharp_images/``)."""
        return len(self._sharp if sharp else self._images)

    def frame_windows(self, sharp: bool = False) -> list[tuple[int, int, int]]:
        """(timestamp, exposure_start, exposure_end) in microseconds of every frame, in order."""
        return [(t, s, e) for _, t, s, e in (self._sharp if sharp else self._images)]

    def event_span(self) -> tuple[int, int] | None:
        """(first, last) event timestamp in microseconds, or None without events."""
        if self.num_events == 0:
            return None
        with h5_errors(self.path, "read events/ts"):
            ts = self._columns["ts"]
            return _us(ts[0]), _us(ts[self.num_events - 1])

    def event_chunks(self, chunk_events: int = DEFAULT_CHUNK_EVENTS) -> Iterator[np.ndarray]:
        """Yield validated (n,) EVENT_DTYPE chunks of at most ``chunk_events``, in file order.

        Raises :class:`InputError` at the first chunk with timestamps going
        backwards (also across chunk boundaries) or coordinates off the sensor.
        """
        if chunk_events <= 0:
            raise ValueError(f"chunk_events must be positive, got {chunk_events}")
        previous = None
        for start in range(0, self.num_events, chunk_events):
            stop = min(start + chunk_events, self.num_events)
            with h5_errors(self.path, f"read events {start}..{stop}"):
                raw = {name: self._columns[name][start:stop] for name in EVENT_COLUMNS}
            events = self._convert(raw, start)
            if previous is not None and events["t"][0] < previous:
                raise InputError(
                    self.path,
                    f"event timestamps go backwards at index {start} "
                    f"({previous} us then {int(events['t'][0])} us)",
                )
            previous = int(events["t"][-1])
            yield events

    def frames(self, sharp: bool = False) -> Iterator[Frame]:
        """Yield the frames of ``images/`` (or ``sharp_images/``), reading each image lazily."""
        group = "sharp_images" if sharp else "images"
        for name, t, start, end in self._sharp if sharp else self._images:
            with h5_errors(self.path, f"read {group}/{name}"):
                image = np.asarray(self._file[group][name][()])
            if image.ndim == 3 and image.shape[2] == 1:
                image = image[:, :, 0]
            if image.dtype != np.uint8 or image.shape != self.resolution:
                raise InputError(
                    self.path,
                    f"{group}/{name} is {image.dtype} {image.shape}, "
                    f"expected uint8 {self.resolution}",
                )
            yield Frame(image=image, timestamp=t, exposure_start=start, exposure_end=end)

    def read(self) -> Recording:
        """Read the whole file into a validated :class:`Recording`."""
        chunks = list(self.event_chunks(max(self.num_events, 1)))
        events = chunks[0] if chunks else empty_events()
        sharp = tuple(self.frames(sharp=True)) if self.has_sharp else None
        return Recording(source=self.path, resolution=self.resolution, events=events,
                         frames=tuple(self.frames()), sharp_frames=sharp)

    def _event_columns(self) -> dict[str, h5py.Dataset]:
        if "events" not in self._file:
            raise InputError(self.path, "missing the 'events' group")
        group = self._file["events"]
        missing = [name for name in EVENT_COLUMNS if name not in group]
        if missing:
            raise InputError(self.path, f"the 'events' group lacks {missing}")
        columns = {name: group[name] for name in EVENT_COLUMNS}
        lengths = {name: len(column) for name, column in columns.items()}
        if len(set(lengths.values())) > 1:
            raise InputError(self.path, f"event arrays differ in length: {lengths}")
        if columns["ts"].dtype.kind != "f":
            raise InputError(self.path, f"events/ts is {columns['ts'].dtype}, expected "
                                        "float seconds")
        for name in ("xs", "ys"):
            if columns[name].dtype.kind not in "iu":
                raise InputError(self.path, f"events/{name} is {columns[name].dtype}, "
                                            "expected integers")
        declared = self._file.attrs.get("num_events")
        if declared is not None and int(declared) != lengths["ts"]:
            log.warning("%s: num_events says %d but the file holds %d events; using the data",
                        self.path, int(declared), lengths["ts"])
        return columns

    def _frame_table(self, group_name: str) -> list[tuple[str, int, int, int]]:
        if group_name not in self._file:
            raise InputError(self.path, f"missing the '{group_name}' group")
        group = self._file[group_name]
        named = [(int(m.group(1)), name) for name in group
                 if (m := _IMAGE_NAME.fullmatch(name)) is not None]
        table = []
        for _, name in sorted(named):
            attrs = group[name].attrs
            if "timestamp" not in attrs:
                raise InputError(self.path, f"{group_name}/{name} has no 'timestamp' attribute")
            t = _us(attrs["timestamp"])
            start = _us(attrs["exposure_start"]) if "exposure_start" in attrs else t
            end = _us(attrs["exposure_end"]) if "exposure_end" in attrs else t
            if table and t < table[-1][1]:
                raise InputError(self.path, f"{group_name} timestamps go backwards at {name} "
                                            f"({table[-1][1]} us then {t} us)")
            if end < start:
                raise InputError(self.path, f"{group_name}/{name} exposure ends before it starts")
            table.append((name, t, start, end))
        return table

    def _resolution(self) -> tuple[int, int]:
        value = self._file.attrs.get("sensor_resolution")
        if value is not None:
            size = np.asarray(value).ravel()
            if size.shape != (2,) or np.any(size <= 0) or np.any(size != np.rint(size)):
                raise InputError(self.path, f"sensor_resolution {value!r} is not [height, width]")
            return int(size[0]), int(size[1])
        if self._images:
            shape = self._file["images"][self._images[0][0]].shape
            log.warning("%s: no sensor_resolution attribute; using the image size %s",
                        self.path, shape[:2])
            return int(shape[0]), int(shape[1])
        if self.num_events:
            height = int(np.max(self._columns["ys"][()])) + 1
            width = int(np.max(self._columns["xs"][()])) + 1
            log.warning("%s: no sensor_resolution attribute and no images; inferring %dx%d "
                        "from the largest event coordinates", self.path, width, height)
            return height, width
        raise InputError(self.path, "no sensor_resolution attribute, images or events to infer "
                                    "the sensor size from")

    def _convert(self, raw: dict[str, np.ndarray], start: int) -> np.ndarray:
        for name in ("xs", "ys"):
            if raw[name].dtype.kind == "i" and len(raw[name]) and raw[name].min() < 0:
                raise InputError(self.path, f"negative events/{name} near event {start}")
        if not np.all(np.isfinite(raw["ts"])):
            raise InputError(self.path, f"non-finite events/ts near event {start}")
        events = from_hqf_columns(raw["ts"], raw["xs"], raw["ys"], raw["ps"])
        try:
            validate_events(events, self.resolution, self.path)
        except InputError as error:
            if start == 0:
                raise
            raise InputError(self.path, f"{error.problem} (indices counted from event "
                                        f"{start})") from error
        return events
