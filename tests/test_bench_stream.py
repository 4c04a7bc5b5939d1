"""`stra-bench stream` runs end to end and its last line is the documented JSON object."""

from __future__ import annotations

import json

import pytest
import torch

from models.weights import default_weights
from stra_live.cli.bench import main
from stra_live.config import CONFIG_DIR, load_config
from stra_live.engine.config import LiveConfig


@pytest.mark.timeout(300)
def test_stream_benchmark_prints_its_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    threads = torch.get_num_threads()  # the benchmark sets them process-wide
    try:
        check_json_line(capsys)
    finally:
        torch.set_num_threads(threads)


def check_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    second = str(default_weights("realtime"))
    assert main(["stream", "--frames", "3", "--kinds", "realtime", second, "--rounds", "2",
                 "--options", "channels-last", "--app-options"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(printed[-1])
    for key in ("stream_fps", "naive_fps", "speedup", "latency_p50_ms", "latency_p95_ms",
                "two_workers_fps", "two_workers_speedup"):
        assert figures[key] > 0, key
    assert figures["configuration"] == "realtime"
    # The app's thread setting (configs/live.yaml) unless --threads overrides it.
    app = load_config(LiveConfig, CONFIG_DIR / "live.yaml").engine
    assert figures["threads"] == app.cpu_threads
    # A second network is reported under its file's name, with its cost against the first.
    assert figures["stra_realtime_step_cost_ratio"] == pytest.approx(
        figures["stream_fps"] / figures["stra_realtime_stream_fps"], rel=0.02)
    assert any(line.strip() == "networks run channels-last" for line in printed)
    assert figures["speedup"] == pytest.approx(figures["stream_fps"] / figures["naive_fps"],
                                               rel=0.02)
    options = figures["options"]
    assert set(options) == {"eager", "channels-last"} and options["eager"]["vs_eager"] == 1.0
    assert options["channels-last"]["vs_eager"] == pytest.approx(
        options["channels-last"]["stream_fps"] / options["eager"]["stream_fps"], rel=0.02)


def test_a_network_that_is_neither_a_kind_nor_a_file_is_named(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stream", "--kinds", "missing.safetensors"]) == 2
    kinds = ("(paper, realtime, realtime_edi, realtime_edi_detail, realtime_edi_detail_wide, "
             "realtime_edi_ramp, realtime_edi_ramp_ideal, realtime_edi_ramp_gate, "
             "realtime_edi_ramp_odd)")
    assert f"'missing.safetensors' is neither a shipped kind {kinds}" in capsys.readouterr().err
