"""Size/compute/memory figures; one 240x180 frame needs well under 500 MB of activations."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from models.config import ModelConfig
from models.profiling import count_macs, count_parameters, peak_activation_bytes
from models.stra import STRA
from models.weights import default_config
from stra_live.benchmarks import model as model_bench
from stra_live.config import load_config

LIMIT_BYTES = 500 * 2**20


def test_peak_activation_tracker_counts_live_tensors_once() -> None:
    n = 1000 * 1000

    def run() -> torch.Tensor:
        a = torch.ones(n)
        view = a.view(1000, 1000)  # a view shares the storage: not counted twice
        b = view * 2
        del a, view
        c = b + 1  # b is alive: peak = 2 arrays
        del b
        return c.sum()

    with torch.inference_mode():
        assert peak_activation_bytes(run) == 2 * 4 * n


def test_paper_model_on_one_davis_frame_stays_under_500_mb() -> None:
    model = STRA(load_config(ModelConfig, default_config("paper"))).eval()
    frames = torch.rand(1, 3, 180, 240)
    voxels = torch.randn(1, 3, model.config.raw_channels, 180, 240)
    captured = {}

    def run() -> None:
        _, attention = model(frames, voxels, return_attention=True)
        captured["attention"] = attention

    with torch.inference_mode():
        peak = peak_activation_bytes(run)
    assert peak < LIMIT_BYTES, f"{peak / 2**20:.0f} MB"
    # 240x184 padded, 8-pixel cells: a 23x30 grid, not 43200 full-resolution positions.
    attention = captured["attention"]
    assert attention.grid == (23, 30)
    assert attention.sfb.shape == (1, 690, 690)
    assert attention.tmb.shape == (1, 690, 2, 690)


def test_macs_of_a_convolution_and_a_matrix_product_by_hand() -> None:
    conv = torch.nn.Conv2d(2, 5, 3, padding=1)
    x = torch.rand(1, 2, 7, 11)
    assert count_macs(lambda: conv(x)) == 5 * 2 * 9 * 7 * 11
    a, b = torch.rand(3, 4), torch.rand(4, 6)
    assert count_macs(lambda: a @ b) == 3 * 4 * 6


def test_model_benchmark_reports_both_configurations(tmp_path: Path) -> None:
    paper = tmp_path / "paper.yaml"
    paper.write_text("channels: 4\nres_units: 1\nattention_dim: 8\n")
    realtime = tmp_path / "realtime.yaml"
    realtime.write_text("channels: 4\nres_units: 1\nstem: space_to_depth\nstem_factor: 2\n")
    parser = argparse.ArgumentParser()
    model_bench.add_arguments(parser)
    args = parser.parse_args(
        ["--paper-config", str(paper), "--realtime-config", str(realtime), "--runs", "1",
         "--paper-runs", "1", "--warmup", "0", "--threads", "1"]
    )
    threads = torch.get_num_threads()
    try:
        result = model_bench.run(args)
    finally:
        torch.set_num_threads(threads)
    expected = load_config(ModelConfig, realtime)
    assert result["realtime_params"] == count_parameters(STRA(expected))
    for prefix in ("", "realtime_"):
        for key in ("params", "gflops_180x320", "cpu_fps_240x180", "stream_fps_240x180"):
            assert result[prefix + key] > 0
        # A stream step encodes one frame and one sequence, the forward pass three of each.
        assert result[prefix + "stream_gflops_180x320"] < result[prefix + "gflops_180x320"]
