"""HQF-layout HDF5 reading and writing: round trips, hand-made files, and every bad input."""

from __future__ import annotations

import logging
from pathlib import Path

import h5py
import numpy as np
import pytest

from stra_live.errors import InputError
from stra_live.events import EVENT_DTYPE, Frame, make_events
from stra_live.io.hdf5 import HqfReader, read_hqf, write_hqf

RES = (6, 8)  # (height, width): tiny, not square, so axis mix-ups show


def random_events(n: int, seed: int = 0, resolution: tuple[int, int] = RES) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.sort(rng.integers(1_000, 1_000_000, n))
    return make_events(t, rng.integers(0, resolution[1], n), rng.integers(0, resolution[0], n),
                       rng.choice(np.array([-1, 1]), n))


def random_frames(stamps: list[int], seed: int = 1, exposure: int = 5_000) -> tuple[Frame, ...]:
    rng = np.random.default_rng(seed)
    return tuple(Frame(image=rng.integers(0, 256, RES, dtype=np.uint8), timestamp=t,
                       exposure_start=t - exposure // 2, exposure_end=t + exposure // 2)
                 for t in stamps)


def write_raw(path: Path, xs: object = None, ys: object = None, ts: object = None,
              ps: object = None, images: list[tuple[np.ndarray, float]] | None = None,
              resolution: object = RES, skip: tuple[str, ...] = ()) -> Path:
    """Write an HQF file by hand, the way third-party tools do (no exposure attributes)."""
    columns = {
        "xs": np.array([0, 3, 7], np.uint16) if xs is None else xs,
        "ys": np.array([0, 5, 2], np.uint16) if ys is None else ys,
        "ts": np.array([0.1, 0.2, 0.2], np.float64) if ts is None else ts,
        "ps": np.array([1, 0, 1], np.uint8) if ps is None else ps,
    }
    images = [(np.full(RES, 7, np.uint8), 0.15)] if images is None else images
    with h5py.File(path, "w") as file:
        if resolution is not None:
            file.attrs["sensor_resolution"] = resolution
        if "events" not in skip:
            for name, data in columns.items():
                file.create_dataset(f"events/{name}", data=data)
        if "images" not in skip:
            group = file.create_group("images")
            for index, (image, stamp) in enumerate(images):
                group.create_dataset(f"image{index:09d}", data=image).attrs["timestamp"] = stamp
    return path


def test_round_trip_keeps_events_frames_exposure_and_sharp(tmp_path: Path) -> None:
    events = random_events(500)
    frames = random_frames([100_000, 300_000, 600_000])
    sharp = random_frames([100_000, 300_000, 600_000], seed=2, exposure=0)
    path = tmp_path / "rec.h5"
    write_hqf(path, events, frames, RES, sharp_frames=sharp)
    recording = read_hqf(path)
    assert recording.source == str(path)
    assert recording.resolution == RES
    assert recording.events.dtype == EVENT_DTYPE
    np.testing.assert_array_equal(recording.events, events)
    for got, want in zip(recording.frames + recording.sharp_frames, frames + sharp, strict=True):
        np.testing.assert_array_equal(got.image, want.image)
        assert (got.timestamp, got.exposure_start, got.exposure_end) == (
            want.timestamp, want.exposure_start, want.exposure_end)


def test_epoch_microsecond_timestamps_survive_float_seconds(tmp_path: Path) -> None:
    # DV cameras stamp events in microseconds since 1970: 16 digits, at float64's limit.
    t = 1_605_537_493_718_345 + np.arange(0, 3_000_000, 7)
    events = make_events(t, t % RES[1], t % RES[0], np.where(t % 3 == 0, 1, -1))
    write_hqf(tmp_path / "epoch.h5", events, [], RES)
    np.testing.assert_array_equal(read_hqf(tmp_path / "epoch.h5").events, events)


def test_written_layout_follows_protocol(tmp_path: Path) -> None:
    events = make_events(np.array([10, 20, 20, 35]), np.array([1, 2, 3, 4]),
                         np.array([0, 1, 2, 3]), np.array([1, -1, 1, 1]))
    frames = random_frames([20, 36], exposure=0)
    path = tmp_path / "layout.h5"
    write_hqf(path, events, frames, RES)
    with h5py.File(path, "r") as file:
        attrs = dict(file.attrs)
        assert list(attrs["sensor_resolution"]) == [6, 8]
        assert (attrs["num_events"], attrs["num_pos"], attrs["num_neg"]) == (4, 3, 1)
        assert (attrs["t0"], attrs["tk"], attrs["num_imgs"]) == (10e-6, 35e-6, 2)
        assert attrs["duration"] == pytest.approx(25e-6)
        assert file["events/ts"].dtype == np.float64
        assert file["events/ps"].dtype == np.uint8
        np.testing.assert_array_equal(file["events/ps"][()], [1, 0, 1, 1])
        np.testing.assert_array_equal(file["events/xs"][()], [1, 2, 3, 4])
        first, second = file["images/image000000000"], file["images/image000000001"]
        assert first.dtype == np.uint8 and first.shape == RES
        # event_idx = first event at or after the timestamp: 20 us -> index 1; 36 us -> 4 (none)
        assert (first.attrs["event_idx"], second.attrs["event_idx"]) == (1, 4)
        assert first.attrs["timestamp"] == pytest.approx(20e-6)
        assert "sharp_images" not in file


def test_float_frames_are_stored_as_uint8(tmp_path: Path) -> None:
    image = np.linspace(0, 1, RES[0] * RES[1], dtype=np.float32).reshape(RES)
    frame = Frame(image=image, timestamp=5, exposure_start=5, exposure_end=5)
    write_hqf(tmp_path / "f.h5", random_events(5), [frame], RES)
    got = read_hqf(tmp_path / "f.h5").frames[0].image
    np.testing.assert_array_equal(got, np.rint(image * 255).astype(np.uint8))


def test_reads_third_party_file_without_exposure_attrs(tmp_path: Path) -> None:
    recording = read_hqf(write_raw(tmp_path / "raw.h5"))
    np.testing.assert_array_equal(recording.events["t"], [100_000, 200_000, 200_000])
    np.testing.assert_array_equal(recording.events["x"], [0, 3, 7])
    np.testing.assert_array_equal(recording.events["y"], [0, 5, 2])
    np.testing.assert_array_equal(recording.events["p"], [1, -1, 1])
    (frame,) = recording.frames
    assert frame.timestamp == frame.exposure_start == frame.exposure_end == 150_000
    assert recording.sharp_frames is None


@pytest.mark.parametrize(("ps", "expected"), [
    (np.array([True, False, True]), [1, -1, 1]),
    (np.array([1, -1, 1], np.int8), [1, -1, 1]),
    (np.array([0, 0, 1], np.int16), [-1, -1, 1]),
])
def test_polarity_conventions(tmp_path: Path, ps: np.ndarray, expected: list[int]) -> None:
    recording = read_hqf(write_raw(tmp_path / "p.h5", ps=ps))
    np.testing.assert_array_equal(recording.events["p"], expected)
    assert recording.events["p"].dtype == np.int8


def test_chunked_reading_matches_whole_file(tmp_path: Path) -> None:
    events = random_events(1_000, seed=3)
    write_hqf(tmp_path / "c.h5", events, random_frames([2_000, 500_000]), RES)
    with HqfReader(tmp_path / "c.h5") as reader:
        chunks = list(reader.event_chunks(chunk_events=97))
        assert reader.event_span() == (int(events["t"][0]), int(events["t"][-1]))
        assert reader.frame_count() == 2 and not reader.has_sharp
    assert max(len(chunk) for chunk in chunks) == 97
    np.testing.assert_array_equal(np.concatenate(chunks), events)


def test_backwards_timestamps_found_across_chunk_boundary(tmp_path: Path) -> None:
    ts = np.array([0.1, 0.2, 0.3, 0.25, 0.4])
    path = write_raw(tmp_path / "b.h5", xs=np.zeros(5, np.uint16), ys=np.zeros(5, np.uint16),
                     ts=ts, ps=np.ones(5, np.uint8))
    with HqfReader(path) as reader, pytest.raises(InputError, match="backwards at index 3"):
        list(reader.event_chunks(chunk_events=3))
    with pytest.raises(InputError, match="backwards"):
        read_hqf(path)


def test_missing_resolution_is_inferred_from_images_with_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        recording = read_hqf(write_raw(tmp_path / "r.h5", resolution=None))
    assert recording.resolution == RES
    assert "sensor_resolution" in caplog.text


def test_missing_resolution_and_no_images_uses_max_coordinate(tmp_path: Path) -> None:
    path = write_raw(tmp_path / "r.h5", resolution=None, images=[])
    assert read_hqf(path).resolution == (6, 8)  # max y = 5, max x = 7


def test_empty_images_group_gives_no_frames(tmp_path: Path) -> None:
    recording = read_hqf(write_raw(tmp_path / "e.h5", images=[]))
    assert recording.frames == () and len(recording.events) == 3


def corrupt_cases(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = tmp_path / "good.h5"
    write_hqf(good, random_events(2_000), random_frames([1_000, 2_000]), RES)
    data = good.read_bytes()
    (tmp_path / "half.h5").write_bytes(data[: len(data) // 2])
    (tmp_path / "random.h5").write_bytes(np.random.default_rng(0).bytes(4096))
    (tmp_path / "empty.h5").write_bytes(b"")
    short = np.array([0, 1], np.uint16)
    return {
        "half": (tmp_path / "half.h5", "truncated"),
        "random": (tmp_path / "random.h5", "open as HDF5"),
        "empty": (tmp_path / "empty.h5", "open as HDF5"),
        "missing": (tmp_path / "nope.h5", "no such file"),
        "no_events": (write_raw(tmp_path / "ne.h5", skip=("events",)), "'events' group"),
        "no_images": (write_raw(tmp_path / "ni.h5", skip=("images",)), "'images' group"),
        "unequal": (write_raw(tmp_path / "u.h5", xs=short), "differ in length"),
        "backwards": (write_raw(tmp_path / "bw.h5", ts=np.array([0.3, 0.2, 0.4])), "backwards"),
        "x_off": (write_raw(tmp_path / "x.h5", xs=np.array([0, 8, 1], np.uint16)), "off the"),
        "y_off": (write_raw(tmp_path / "y.h5", ys=np.array([0, 6, 1], np.uint16)), "off the"),
        "negative": (write_raw(tmp_path / "n.h5", xs=np.array([0, -1, 1], np.int16)), "negative"),
        "int_ts": (write_raw(tmp_path / "it.h5", ts=np.array([1, 2, 3])), "float seconds"),
        "nan_ts": (write_raw(tmp_path / "nan.h5", ts=np.array([0.1, np.nan, 0.3])), "finite"),
        "bad_res": (write_raw(tmp_path / "br.h5", resolution=[6, 8, 1]), "sensor_resolution"),
        "image_shape": (write_raw(tmp_path / "is.h5", images=[(np.zeros((5, 8), np.uint8), 0.1)]),
                        "expected uint8"),
        "image_order": (write_raw(tmp_path / "io.h5", images=[(np.zeros(RES, np.uint8), 0.2),
                                                               (np.zeros(RES, np.uint8), 0.1)]),
                        "images timestamps go backwards"),
    }


CASES = ["half", "random", "empty", "missing", "no_events", "no_images", "unequal", "backwards",
         "x_off", "y_off", "negative", "int_ts", "nan_ts", "bad_res", "image_shape",
         "image_order"]


@pytest.mark.parametrize("case", CASES)
def test_bad_files_raise_input_error_naming_file(tmp_path: Path, case: str) -> None:
    path, problem = corrupt_cases(tmp_path)[case]
    with pytest.raises(InputError, match=problem) as caught:
        read_hqf(path)
    assert caught.value.source == str(path)


def test_writer_rejects_inconsistent_data(tmp_path: Path) -> None:
    events = random_events(10)
    with pytest.raises(InputError, match="backwards"):
        write_hqf(tmp_path / "w.h5", events[::-1], [], RES)
    with pytest.raises(InputError, match="off the"):
        write_hqf(tmp_path / "w.h5", events, [], (2, 2))
    frame = random_frames([5])[0]
    with pytest.raises(InputError, match="shape"):
        write_hqf(tmp_path / "w.h5", events, [frame], (7, 8))
    with pytest.raises(InputError, match="cannot write"):
        write_hqf(tmp_path / "no_dir" / "w.h5", events, [], RES)
