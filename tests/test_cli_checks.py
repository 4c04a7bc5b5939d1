"""Every command line refuses nonsense with one line naming the flag (no usage block)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from stra_live.cli import bench, eval, sim, train
from ui import main as live

Main = Callable[[list[str] | None], int]


@pytest.mark.parametrize(("command", "args", "flag"), [
    (live.main, ["--seconds", "-5"], "--seconds"),
    (live.main, ["--seconds", "nan"], "--seconds"),
    (live.main, ["--frames", "0"], "--frames"),
    (live.main, ["--source", "nowhere.mp4"], "--source"),
    (live.main, ["--source", "{tmp}"], "--source"),
    (live.main, ["--source", "tcp://host:port"], "--source"),
    (live.main, ["--checkpoint", "{tmp}"], "--checkpoint"),
    (live.main, ["--config", "{tmp}"], "--config"),
    (live.main, ["--out", "{file}"], "--out"),
    (sim.main, ["--out", "{tmp}/x.h5", "--seconds", "0"], "--seconds"),
    (sim.main, ["--out", "{tmp}"], "--out"),
    (sim.main, ["--out", "{tmp}/x.h5", "--resolution", "0", "16"], "--resolution"),
    (eval.main, ["--data", "{tmp}/nope"], "--data"),
    (eval.main, ["--data", "{tmp}", "--blur-frames", "0"], "--blur-frames"),
    (eval.main, ["--data", "{tmp}", "--checkpoint", "{tmp}"], "--checkpoint"),
    (train.main, ["--config", "{tmp}"], "--config"),
    (train.main, ["--config", "{file}", "--max-steps", "-1"], "--max-steps"),
    (bench.main, ["nothing"], "benchmark"),
])
def test_bad_flag_is_one_line_naming_it(command: Main, args: list[str], flag: str,
                                        tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "plain.yaml"
    file.write_text("{}\n")
    argv = [a.format(tmp=tmp_path, file=file) for a in args]
    status = command(argv)
    err = capsys.readouterr().err.strip()
    assert status != 0
    assert len(err.splitlines()) == 1, err
    assert flag in err and "error" in err


def test_help_still_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert live.main(["--help"]) == 0
    assert "--seconds" in capsys.readouterr().out
