"""`stra-bench pipeline` runs the app end to end; its last line is one JSON key per scenario."""

from __future__ import annotations

import json

import pytest
import torch

from stra_live.cli.bench import main


@pytest.mark.timeout(240)
def test_pipeline_benchmark_reports_every_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    threads = torch.get_num_threads()
    try:
        assert main(["pipeline", "--sources", "aedat4", "network", "--record", "both",
                     "--seconds", "1"]) == 0
    finally:
        torch.set_num_threads(threads)
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(figures) == {"aedat4", "aedat4+record", "network", "network+record"}
    for name, row in figures.items():
        assert row["offered"] >= 20, name  # 1 s at 26.7 fps, every frame offered
        assert 0 < row["deblurred"] <= row["offered"], name
        assert row["share"] == pytest.approx(row["deblurred"] / row["offered"], abs=1e-3)
        assert row["latency_p95_ms"] >= row["latency_p50_ms"] > 0, name
        assert 1e6 <= row["events_per_s"] <= 5e6, name  # DAVIS240C-like rates
        assert row["thread_cpu_s"].get("stra-inference", 0) > 0, name
        assert row["thread_cpu_s"].get("stra-encoder", 0) > 0, name
        assert 0 <= row["frames_in_bursts"] < 1, name
    for name in ("aedat4+record", "network+record"):
        assert figures[name]["recorded_deblurred"] > 0, name
        assert figures[name]["recorded_all_input"] is True, name


def test_frames_arriving_together_count_as_a_burst() -> None:
    from stra_live.benchmarks.pipeline import _Counter

    counter = _Counter()
    counter.arrivals = [0.0, 0.037, 0.039, 0.074, 0.111, 0.112]  # two pairs in five gaps
    assert counter.burst_share == pytest.approx(0.4)
