"""`run_headless`: the live pipeline without Qt writes a video and a JSON of figures."""

from __future__ import annotations

import json
from pathlib import Path

import imageio_ffmpeg
import pytest

from stra_live.engine.config import EngineConfig, LiveConfig
from stra_live.engine.headless import run_headless
from stra_live.errors import CheckpointError
from tests.shared_data import DVXPLORER_SAMPLE

REAL_EVENTS_ONLY = DVXPLORER_SAMPLE


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
    assert video_frames(tmp_path / "out" / "side_by_side.mp4") == 4


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


def test_checkpoint_of_another_architecture_is_named(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.safetensors"
    bogus.write_bytes(b"not a checkpoint")
    config = LiveConfig(source="demo", engine=EngineConfig(checkpoint=bogus))
    with pytest.raises(CheckpointError, match=r"bogus\.safetensors"):
        run_headless(config, tmp_path / "out", max_frames=1)
