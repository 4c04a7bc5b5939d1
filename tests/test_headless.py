"""`run_headless`: the live pipeline without Qt writes a video and a JSON of figures."""

from __future__ import annotations

import json
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from stra_live.engine.config import EngineConfig, LiveConfig
from stra_live.engine.headless import run_headless
from stra_live.errors import CheckpointError
from stra_live.events import Frame, make_events
from stra_live.io.aedat4 import write_aedat4
from tests.shared_data import DVXPLORER_SAMPLE

REAL_EVENTS_ONLY = DVXPLORER_SAMPLE


FILE_RES = (60, 80)
FILE_FRAMES = 30
FRAME_US = 40_000  # 25 fps


def write_file(path: Path) -> Path:
    """A 1.2 s AEDAT4 recording: 30 frames at 25 fps, 30 ms exposures, random events."""
    rng = np.random.default_rng(3)
    frames = [Frame(rng.integers(0, 255, FILE_RES, dtype=np.uint8), i * FRAME_US, i * FRAME_US,
                    i * FRAME_US + 29_999) for i in range(FILE_FRAMES)]
    count = 60_000
    t = np.sort(rng.integers(0, FILE_FRAMES * FRAME_US, count))
    events = make_events(t, rng.integers(0, FILE_RES[1], count),
                         rng.integers(0, FILE_RES[0], count), rng.choice([-1, 1], count))
    write_aedat4(path, events, frames, FILE_RES)
    return path


def video_frames(path: Path) -> int:
    reader = imageio_ffmpeg.read_frames(str(path))
    next(reader)  # metadata
    return sum(1 for _ in reader)


@pytest.mark.timeout(120)
def test_demo_stream_writes_video_and_stats(tmp_path: Path, tiny_checkpoint: Path) -> None:
    config = LiveConfig(source="demo", engine=EngineConfig(checkpoint=tiny_checkpoint))
    stats = run_headless(config, tmp_path / "out", max_frames=4, seconds=60)
    assert stats["frames_written"] == 4
    assert stats["resolution"] == [180, 240]
    assert stats["device"].startswith("cpu")
    saved = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert saved["frames_written"] == 4 and saved["errors"] == []
    # A live stream keeps its timing: frames dropped in between repeat the previous output.
    assert video_frames(tmp_path / "out" / "side_by_side.mp4") == saved["video_frames"] >= 4


@pytest.mark.timeout(120)
def test_events_only_recording_gives_event_views(tmp_path: Path, tiny_checkpoint: Path) -> None:
    config = LiveConfig(source=str(REAL_EVENTS_ONLY),
                        engine=EngineConfig(checkpoint=tiny_checkpoint))
    stats = run_headless(config, tmp_path / "out", seconds=60)
    assert stats["has_frames"] is False
    assert stats["resolution"] == [240, 320]
    # 0.59 s of events in 33 ms display intervals.
    assert 10 <= stats["frames_written"] <= 19
    assert stats["errors"] == []
    assert any("no APS frames: nothing could be deblurred" in n for n in stats["notices"])


def test_checkpoint_of_another_architecture_is_named(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.safetensors"
    bogus.write_bytes(b"not a checkpoint")
    config = LiveConfig(source="demo", engine=EngineConfig(checkpoint=bogus))
    with pytest.raises(CheckpointError, match=r"bogus\.safetensors"):
        run_headless(config, tmp_path / "out", max_frames=1)


@pytest.mark.timeout(120)
def test_file_is_lossless_by_default(tmp_path: Path, tiny_checkpoint: Path) -> None:
    path = write_file(tmp_path / "rec.aedat4")
    config = LiveConfig(source=str(path), engine=EngineConfig(checkpoint=tiny_checkpoint))
    stats = run_headless(config, tmp_path / "out", seconds=100)
    assert stats["mode"] == "lossless"
    assert stats["frames_in"] == FILE_FRAMES
    assert stats["frames_out"] == FILE_FRAMES and stats["frames_dropped"] == 0
    assert video_frames(tmp_path / "out" / "side_by_side.mp4") == FILE_FRAMES
    assert stats["video_fps"] == pytest.approx(25.0)  # the file's timing: a 1.2 s video


@pytest.mark.timeout(120)
def test_realtime_paces_the_file_like_a_camera(tmp_path: Path, tiny_checkpoint: Path) -> None:
    path = write_file(tmp_path / "rec.aedat4")
    config = LiveConfig(source=str(path), engine=EngineConfig(checkpoint=tiny_checkpoint))
    stats = run_headless(config, tmp_path / "out", seconds=100, realtime=True)
    assert stats["mode"] == "realtime"
    assert stats["frames_in"] == FILE_FRAMES
    assert stats["frames_out"] + stats["frames_dropped"] == FILE_FRAMES
    # Paced by the file's clock: the run cannot end before the recording's 1.2 s have passed.
    assert stats["wall_s"] >= 1.1
    # Dropped frames repeat the previous output, so the video keeps the file's timing.
    written = video_frames(tmp_path / "out" / "side_by_side.mp4")
    assert stats["frames_out"] <= written <= FILE_FRAMES
