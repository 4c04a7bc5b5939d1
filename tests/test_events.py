"""Tests of the project's event dtype, format converters, validation and Frame."""

from __future__ import annotations

import numpy as np
import pytest

from stra_live.errors import InputError
from stra_live.events import (
    EVENT_DTYPE,
    Frame,
    empty_events,
    from_dv_columns,
    from_hqf_columns,
    make_events,
    signed_polarity,
    validate_events,
)


def test_dtype_fields_and_empty() -> None:
    assert EVENT_DTYPE.names == ("t", "x", "y", "p")
    assert [EVENT_DTYPE[n] for n in EVENT_DTYPE.names] == [
        np.dtype(np.int64), np.dtype(np.uint16), np.dtype(np.uint16), np.dtype(np.int8)]
    empty = empty_events()
    assert empty.dtype == EVENT_DTYPE and len(empty) == 0


def test_make_events_copies_columns() -> None:
    t = np.array([1, 2, 3])
    x = np.array([4, 5, 6])
    events = make_events(t, x, np.array([7, 8, 9]), np.array([1, -1, 1]))
    t[0] = 100
    x[0] = 100
    assert events["t"].tolist() == [1, 2, 3] and events["x"].tolist() == [4, 5, 6]
    assert events["y"].tolist() == [7, 8, 9] and events["p"].tolist() == [1, -1, 1]


def test_make_events_rejects_unequal_columns() -> None:
    with pytest.raises(ValueError, match=r"t=2 x=3"):
        make_events(np.zeros(2), np.zeros(3), np.zeros(2), np.zeros(2))


@pytest.mark.parametrize("raw", [
    np.array([True, False, True]),
    np.array([1, 0, 1], dtype=np.uint8),
    np.array([1, -1, 1], dtype=np.int8),
    np.array([1.0, -1.0, 1.0]),
    np.array([True, True, False, False, True, False])[::2],  # a strided view of a column
])
def test_signed_polarity_accepts_every_convention(raw: np.ndarray) -> None:
    signed = signed_polarity(raw)
    assert signed.dtype == np.int8 and signed.tolist() == [1, -1, 1]


def test_from_dv_columns() -> None:
    events = from_dv_columns(np.array([10, 20], dtype=np.int64), np.array([1, 2]),
                             np.array([3, 4]), np.array([False, True]))
    assert events.dtype == EVENT_DTYPE
    assert events.tolist() == [(10, 1, 3, -1), (20, 2, 4, 1)]


def test_from_hqf_columns_rounds_seconds_to_microseconds() -> None:
    # 0.1 s and 1.000003 s are not exact in binary; rounding (not truncation) is required.
    ts = np.array([0.1, 1.000003, 12345.678901])
    events = from_hqf_columns(ts, np.array([0, 1, 2], dtype=np.uint16),
                              np.array([5, 6, 7], dtype=np.int16), np.array([0, 1, 1]))
    assert events["t"].tolist() == [100_000, 1_000_003, 12_345_678_901]
    assert events["p"].tolist() == [-1, 1, 1]
    assert events["y"].tolist() == [5, 6, 7]


def test_validate_events_accepts_good_and_empty_arrays() -> None:
    events = make_events(np.array([0, 0, 5]), np.array([0, 239, 10]), np.array([179, 0, 5]),
                         np.array([1, -1, 1]))
    validate_events(events, (180, 240), "good.h5")
    validate_events(empty_events(), (180, 240), "empty.h5")


def test_validate_events_names_source_and_problem() -> None:
    backwards = make_events(np.array([0, 5, 4]), np.zeros(3), np.zeros(3), np.ones(3))
    with pytest.raises(InputError, match=r"rec\.h5: .*backwards at index 2 \(5 us then 4 us\)"):
        validate_events(backwards, (180, 240), "rec.h5")
    off_x = make_events(np.array([0]), np.array([240]), np.array([0]), np.array([1]))
    with pytest.raises(InputError, match=r"off the 240x180 sensor \(max x=240"):
        validate_events(off_x, (180, 240), "rec.h5")
    off_y = make_events(np.array([0]), np.array([0]), np.array([180]), np.array([1]))
    with pytest.raises(InputError, match="max y=180"):
        validate_events(off_y, (180, 240), "rec.h5")
    with pytest.raises(InputError, match="dtype"):
        validate_events(np.zeros(3), (180, 240), "rec.h5")


def test_frame_conversions_round_trip() -> None:
    image = np.array([[0, 128], [255, 7]], dtype=np.uint8)
    frame = Frame(image, timestamp=10, exposure_start=10, exposure_end=20)
    assert frame.resolution == (2, 2)
    as_float = frame.as_float()
    assert as_float.dtype == np.float32
    np.testing.assert_allclose(as_float, image / 255.0, rtol=1e-6)
    float_frame = Frame(as_float, 10, 10, 20)
    np.testing.assert_array_equal(float_frame.as_uint8(), image)
    assert float_frame.as_float() is as_float


def test_frame_as_uint8_clips() -> None:
    frame = Frame(np.array([[-0.5, 1.5, 0.5]], dtype=np.float32), 0, 0, 0)
    assert frame.as_uint8().tolist() == [[0, 255, 128]]
