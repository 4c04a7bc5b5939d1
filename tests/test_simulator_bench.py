"""Tests of `stra-bench sim` on a tiny scene: its figures agree with a direct simulation."""

from __future__ import annotations

import argparse
import json

import pytest

from stra_live.benchmarks import sim
from stra_live.simulator.config import SceneConfig, SimConfig
from stra_live.simulator.sequence import simulate_sequence


def test_benchmark_reports_rates_and_the_true_event_count(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = argparse.ArgumentParser()
    sim.add_arguments(parser)
    args = parser.parse_args(["--frames", "6", "--resolution", "12", "16", "--seed", "2"])
    result = sim.run(args)
    json.dumps(result)  # the CLI prints it as one JSON line
    assert "render + events" in capsys.readouterr().out
    for key in ("sim_fps", "render_fps", "event_sim_fps"):
        assert result[key] > 0
    # Frames 3..8 after 3 warm-up frames: the same events a plain run of 9 frames gives there.
    sequence = simulate_sequence(SimConfig(scene=SceneConfig(resolution=(12, 16))), 9 / 240, 2)
    timed = sequence.events[sequence.events["t"] > sequence.timestamps[2]]
    assert result["events_per_frame"] == pytest.approx(len(timed) / 6)
    assert result["realtime_factor"] == pytest.approx(result["sim_fps"] / 240)
