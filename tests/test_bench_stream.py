"""`stra-bench stream` runs end to end and its last line is the documented JSON object."""

from __future__ import annotations

import json

import pytest

from stra_live.cli.bench import main


@pytest.mark.timeout(300)
def test_stream_benchmark_prints_its_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stream", "--frames", "3", "--kinds", "realtime"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    figures = json.loads(last)
    for key in ("stream_fps", "naive_fps", "speedup", "latency_p50_ms", "latency_p95_ms"):
        assert figures[key] > 0, key
    assert figures["configuration"] == "realtime"
    assert figures["speedup"] == pytest.approx(figures["stream_fps"] / figures["naive_fps"],
                                               rel=0.02)
