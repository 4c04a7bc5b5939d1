"""`stra-live --headless --record DIR`: the raw input and the outputs land in DIR, complete."""

from __future__ import annotations

import json
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from stra_live.events import Frame, make_events
from stra_live.io.aedat4 import read_aedat4, write_aedat4
from stra_live.recording import DEBLURRED_STREAM
from ui.main import main

RES = (60, 80)
FRAMES = 20


def write_file(path: Path) -> Path:
    """0.8 s at 25 fps: 20 frames with 30 ms exposures, 40,000 random events."""
    rng = np.random.default_rng(5)
    frames = [Frame(rng.integers(0, 255, RES, dtype=np.uint8), i * 40_000, i * 40_000,
                    i * 40_000 + 29_999) for i in range(FRAMES)]
    t = np.sort(rng.integers(0, FRAMES * 40_000, 40_000))
    events = make_events(t, rng.integers(0, RES[1], 40_000), rng.integers(0, RES[0], 40_000),
                         rng.choice([-1, 1], 40_000))
    write_aedat4(path, events, frames, RES)
    return path


def recording_files(folder: Path) -> tuple[Path, Path]:
    aedat4 = sorted(folder.glob("stra_*.aedat4"))
    mp4 = sorted(folder.glob("stra_*_side_by_side.mp4"))
    assert len(aedat4) == len(mp4) == 1, sorted(folder.iterdir())
    return aedat4[0], mp4[0]


@pytest.mark.timeout(180)
def test_headless_record_of_a_file_holds_every_event_frame_and_output(
        tmp_path: Path, tiny_checkpoint: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_file(tmp_path / "session.aedat4")
    out, folder = tmp_path / "out", tmp_path / "recordings"
    status = main(["--headless", "--source", str(source), "--checkpoint", str(tiny_checkpoint),
                   "--out", str(out), "--record", str(folder)])
    assert status == 0
    assert "recording: " in capsys.readouterr().out
    stats = json.loads((out / "stats.json").read_text())
    aedat4, mp4 = recording_files(folder)
    assert stats["recording"]["error"] is None and stats["recording"]["paths"][0] == str(aedat4)

    original, recorded = read_aedat4(source), read_aedat4(aedat4)
    np.testing.assert_array_equal(recorded.events, original.events)  # every raw event
    assert [f.exposure_start for f in recorded.frames] == \
        [f.exposure_start for f in original.frames]  # every APS frame
    np.testing.assert_array_equal(recorded.frames[7].image, original.frames[7].image)
    assert recorded.frames[7].exposure_end == original.frames[7].exposure_end
    deblurred = read_aedat4(aedat4, frame_stream=DEBLURRED_STREAM).frames
    assert len(deblurred) == stats["frames_written"] == stats["recording"]["deblurred_written"]
    assert len(deblurred) >= FRAMES - 1  # lossless: every frame with its T+1 neighbour
    assert imageio_ffmpeg.count_frames_and_secs(str(mp4))[0] == len(deblurred)


@pytest.mark.timeout(180)
def test_headless_record_of_the_demo(tmp_path: Path, tiny_checkpoint: Path) -> None:
    folder = tmp_path / "recordings"
    status = main(["--headless", "--source", "demo", "--checkpoint", str(tiny_checkpoint),
                   "--out", str(tmp_path / "out"), "--record", str(folder), "--frames", "3"])
    assert status == 0
    aedat4, _ = recording_files(folder)
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    recorded = read_aedat4(aedat4)
    assert len(recorded.events) == stats["recording"]["events_written"] > 0
    assert len(recorded.frames) == stats["recording"]["frames_written"] >= 3
    assert len(read_aedat4(aedat4, frame_stream=DEBLURRED_STREAM).frames) >= 3


def test_record_into_a_file_is_refused_in_one_line(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    taken = tmp_path / "taken"
    taken.write_text("")
    assert main(["--headless", "--record", str(taken)]) == 2
    assert "is a file, expected a folder" in capsys.readouterr().err
