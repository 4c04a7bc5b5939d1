"""`stra-eval` and the runner on tiny HQF files with an analytically known blur."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from models.checkpoint import load_checkpoint, save_checkpoint
from models.config import ModelConfig
from models.representation import InputRepresentation, build_event_input
from models.stra import STRA
from stra_live.cli.eval import main
from stra_live.errors import InputError
from stra_live.evaluation.edi import EdiDeblurrer
from stra_live.evaluation.methods import BlurryInput, make_deblurrer
from stra_live.evaluation.protocol import scored_triplets, window_events, windows_for
from stra_live.evaluation.runner import evaluate, find_recordings
from stra_live.events import Frame, make_events
from stra_live.io.hdf5 import read_hqf, write_hqf
from stra_live.simulator.config import SceneConfig, SimConfig, SimulatorConfig
from stra_live.simulator.sequence import simulate_sequence
from stra_live.voxel.window import window_grids_of

H, W = 12, 16
STEP_US = 1000


def _write_sharp_file(path: Path, offsets: list[int], windows: int, seed: int = 0) -> None:
    """Sharp frame j = a random base image + 5 * (j // k) + offsets[j % k] (uint8), with events.

    The middle term changes the scene from window to window without touching the
    blur: every blurry frame differs from its ground truth by the same constant
    d = (mean(offsets) - offsets[k // 2]) / 255 at every pixel, so MSE = d**2.
    """
    rng = np.random.default_rng(seed)
    base = rng.integers(40, 140, (H, W))
    k = len(offsets)
    frames = [
        Frame((base + 5 * (j // k) + offsets[j % k]).astype(np.uint8), j * STEP_US, j * STEP_US,
              j * STEP_US)
        for j in range(k * windows)
    ]
    count = 50
    events = make_events(np.sort(rng.integers(0, k * windows * STEP_US, count)),
                         rng.integers(0, W, count), rng.integers(0, H, count),
                         rng.choice([-1, 1], count))
    write_hqf(path, events, frames, (H, W))


def _known_psnr(offsets: list[int]) -> float:
    d = (np.mean(offsets) - offsets[len(offsets) // 2]) / 255.0
    return 10 * math.log10(1.0 / d**2)


OFFSETS_7 = [0, 10, 30, 60, 20, 5, 40]
OFFSETS_5 = [25, 0, 3, 50, 9]


@pytest.mark.parametrize("offsets", [OFFSETS_7, OFFSETS_5])
def test_blurry_input_scores_the_known_psnr(tmp_path: Path, offsets: list[int]) -> None:
    path = tmp_path / "known.h5"
    _write_sharp_file(path, offsets, windows=5)
    report = evaluate([path], BlurryInput(), k=len(offsets))
    assert report.frames == 3  # windows 1, 2, 3 of 0..4
    assert report.psnr == pytest.approx(_known_psnr(offsets), abs=1e-6)
    assert report.per_file[str(path)].frames == 3
    assert 0.0 < report.ssim < 1.0


def test_cli_json_scores_a_folder_recursively_and_weights_by_frames(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "sub").mkdir()
    first, second, short = tmp_path / "a.h5", tmp_path / "sub" / "b.h5", tmp_path / "c.h5"
    _write_sharp_file(first, OFFSETS_7, windows=5, seed=1)
    _write_sharp_file(second, [0, 50, 0, 0, 0, 0, 7], windows=4, seed=2)
    _write_sharp_file(short, OFFSETS_7, windows=2, seed=3)
    (tmp_path / "notes.txt").write_text("not a recording")
    with caplog.at_level(logging.WARNING):
        code = main(["--data", str(tmp_path), "--method", "blurry", "--json", "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out.strip().splitlines()
    result = json.loads(out[-1])
    assert set(result) == {"psnr", "ssim", "frames", "per_file"}
    assert set(result["per_file"]) == {str(first), str(second)}
    assert result["per_file"][str(first)]["frames"] == 3
    assert result["per_file"][str(second)]["frames"] == 2
    expected = (3 * _known_psnr(OFFSETS_7) + 2 * _known_psnr([0, 50, 0, 0, 0, 0, 7])) / 5
    assert result["frames"] == 5
    assert result["psnr"] == pytest.approx(expected, abs=1e-6)
    assert any("c.h5" in line and "skipped" in line for line in out)
    assert any("c.h5" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_cli_blur_length_option_changes_the_windows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "k5.h5"
    _write_sharp_file(path, OFFSETS_5, windows=6)
    assert main(["--data", str(path), "--method", "blurry", "--blur-frames", "5", "--json",
                 "--no-progress"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["frames"] == 4
    assert result["psnr"] == pytest.approx(_known_psnr(OFFSETS_5), abs=1e-6)


def test_cli_names_a_bad_file_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "broken.h5"
    bad.write_bytes(b"this is not HDF5")
    assert main(["--data", str(bad), "--method", "blurry", "--no-progress"]) != 0
    err = capsys.readouterr().err.strip()
    assert "broken.h5" in err and "Traceback" not in err
    assert len(err.splitlines()) == 1


def test_a_bad_file_in_a_folder_is_named_and_the_rest_still_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_sharp_file(tmp_path / "good.h5", OFFSETS_7, windows=5)
    (tmp_path / "broken.h5").write_bytes(b"this is not HDF5")
    args = ["--data", str(tmp_path), "--method", "blurry", "--no-progress", "--json"]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "broken.h5" in captured.err and "Traceback" not in captured.err
    report = json.loads(captured.out.strip().splitlines()[-1])
    assert report["frames"] == 3 and list(report["per_file"]) == [str(tmp_path / "good.h5")]
    assert list(report["failed"]) == [str(tmp_path / "broken.h5")]


def test_best_contrast_oracle_finds_the_simulated_threshold(tmp_path: Path) -> None:
    sim = SimConfig(scene=SceneConfig(resolution=(90, 120), texture="camera"),
                    events=SimulatorConfig(pos_threshold=0.3, neg_threshold=0.3,
                                           threshold_sigma=0.0, leak_rate_hz=0.0,
                                           shot_noise_rate_hz=0.0, refractory_us=0))
    sequence = simulate_sequence(sim, 0.25, seed=3)
    path = tmp_path / "thr030.h5"
    write_hqf(path, sequence.events, sequence.frames(), sequence.resolution)
    oracle = evaluate([path], make_deblurrer("edi_best"), k=7)
    fixed = evaluate([path], EdiDeblurrer(0.18), k=7)
    chosen = oracle.per_file[str(path)].contrast
    assert chosen is not None and 0.24 <= chosen <= 0.36
    assert oracle.psnr > fixed.psnr + 0.5


def test_cli_rejects_a_missing_path_and_an_empty_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data", str(tmp_path / "nope"), "--method", "edi", "--no-progress"]) == 1
    assert "nope" in capsys.readouterr().err
    assert main(["--data", str(tmp_path), "--method", "edi", "--no-progress"]) == 1
    assert "no *.h5" in capsys.readouterr().err


def test_only_short_files_is_an_error_with_null_means(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_sharp_file(tmp_path / "short.h5", OFFSETS_7, windows=2)
    code = main(["--data", str(tmp_path), "--method", "blurry", "--json", "--no-progress"])
    assert code == 1
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result == {"psnr": None, "ssim": None, "frames": 0, "per_file": {}}


def test_edi_without_events_in_a_window_scores_like_the_blurry_input(tmp_path: Path) -> None:
    path = tmp_path / "quiet.h5"
    _write_sharp_file(path, OFFSETS_7, windows=4)
    quiet = tmp_path / "quiet_no_events.h5"
    frames = [Frame(np.full((H, W), 60 + 9 * (j % 7), np.uint8), j * STEP_US, j * STEP_US,
                    j * STEP_US) for j in range(28)]
    write_hqf(quiet, make_events(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0)),
              frames, (H, W))
    edi = evaluate([quiet], EdiDeblurrer(), k=7)
    blurry = evaluate([quiet], BlurryInput(), k=7)
    assert edi.frames == 2
    assert edi.psnr == pytest.approx(blurry.psnr) and edi.ssim == pytest.approx(blurry.ssim)
    assert evaluate([path], EdiDeblurrer(), k=7).psnr != pytest.approx(
        evaluate([path], BlurryInput(), k=7).psnr)


def test_find_recordings_and_unknown_methods(tmp_path: Path) -> None:
    (tmp_path / "x" / "y").mkdir(parents=True)
    for name in ("x/y/b.h5", "a.h5", "x/c.txt"):
        (tmp_path / name).write_bytes(b"")
    assert find_recordings(tmp_path) == [tmp_path / "a.h5", tmp_path / "x" / "y" / "b.h5"]
    assert find_recordings(tmp_path / "a.h5") == [tmp_path / "a.h5"]
    with pytest.raises(InputError):
        find_recordings(tmp_path / "x" / "y" / "none")
    with pytest.raises(ValueError, match="unknown method"):
        make_deblurrer("e2vid")


def _tiny_checkpoint(path: Path, **overrides: object) -> None:
    torch.manual_seed(0)
    config = ModelConfig(channels=4, res_units=1, encoder_units=1,
                         representation=InputRepresentation(bins=3), attention_scale=4,
                         attention_dim=8, **overrides)
    save_checkpoint(path, STRA(config), config)


@pytest.mark.parametrize("overrides", [{}, {"use_events": False, "use_tmb": False}],
                         ids=["events", "frames-only"])
def test_stra_runs_the_checkpoint_on_the_three_windows(tmp_path: Path, overrides: dict) -> None:
    data, weights = tmp_path / "scene.h5", tmp_path / "tiny.safetensors"
    _write_sharp_file(data, OFFSETS_5, windows=4)
    _tiny_checkpoint(weights, **overrides)
    stra = make_deblurrer("stra", weights, device="cpu")
    recording = read_hqf(data)
    prev, cur, nxt = next(scored_triplets(windows_for(recording, 5)))
    model, _, _ = load_checkpoint(weights)
    frames = torch.from_numpy(np.stack([prev.blurry, cur.blurry, nxt.blurry]))[None]
    representation = model.config.representation
    voxels = torch.from_numpy(np.stack([
        build_event_input(representation, window_grids_of(
            representation, window_events(recording.events, w.t_start, w.t_end), w.t_start,
            w.t_end, (H, W)), w.blurry)
        for w in (prev, cur, nxt)
    ]))[None]
    assert voxels.abs().sum() > 0
    with torch.inference_mode():
        expected = model(frames, voxels)[0][0, 0].clamp(0, 1).numpy()
        without_events = model(frames, torch.zeros_like(voxels))[0][0, 0].numpy()
        swapped = model(frames.flip(1), voxels)[0][0, 0].numpy()
    output = stra(prev, cur, nxt, recording.events)
    np.testing.assert_allclose(output, expected, atol=1e-5)
    assert np.abs(output - swapped).max() > 1e-4  # the frame order matters
    if model.config.use_events:
        assert np.abs(output - without_events).max() > 1e-4  # and so do the events
    report = evaluate([data], stra, k=5)
    assert report.frames == 2 and np.isfinite(report.psnr)


def test_cli_scores_stra_from_a_checkpoint_and_rejects_a_missing_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, weights = tmp_path / "scene.h5", tmp_path / "tiny.safetensors"
    _write_sharp_file(data, OFFSETS_7, windows=3)
    _tiny_checkpoint(weights)
    args = ["--data", str(data), "--method", "stra", "--device", "cpu", "--no-progress"]
    assert main([*args, "--checkpoint", str(weights), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["frames"] == 1
    assert main([*args, "--checkpoint", str(tmp_path / "gone.safetensors")]) == 1
    err = capsys.readouterr().err
    assert "gone.safetensors" in err and "Traceback" not in err
    (tmp_path / "junk.safetensors").write_bytes(b"junk")
    assert main([*args, "--checkpoint", str(tmp_path / "junk.safetensors")]) == 1
    assert "junk.safetensors" in capsys.readouterr().err
