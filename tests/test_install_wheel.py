"""INSTALL TEST: the wheel, installed into a fresh venv, runs its commands from another folder.

This is the slowest test of the suite that touches packaging (about half a
minute): it copies the package sources into a temporary folder, builds the
wheel there (``pip wheel --no-deps --no-build-isolation``), installs it with
``--no-deps`` into a new venv that borrows this environment's dependencies
through a ``.pth`` line (so torch is never reinstalled), and runs the headless
demo from a folder that is not the checkout. A config or weights file that is
not package data fails it.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("stra_live", "models", "ui", "configs", "pyproject.toml", "README.md")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, f"{command}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the built wheel installed (no deps; this env's packages borrowed)."""
    work = tmp_path_factory.mktemp("install")
    source = work / "src"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.nbi", "*.nbc")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
          "-w", str(work / "dist"), str(source)], cwd=work)
    wheel = next((work / "dist").glob("stra_live-*.whl"))
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=work)
    target = next((venv / "lib").glob("python3*/site-packages"))
    # Dependencies come from this environment: appended after the venv's own site-packages,
    # and without processing this environment's .pth files (the editable install's finder).
    (target / "borrowed.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
          "--quiet", "--no-deps", "--no-index", str(wheel)], cwd=work)
    return venv


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "QT_"))}
    env["HOME"] = str(tmp)  # QSettings and caches of the installed app stay in the test folder
    return env


def test_installed_package_comes_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    code = ("import configs, models.weights, stra_live, ui; "
            "from stra_live.resources import config_file, weights_dir; "
            "print(stra_live.__file__); print(config_file('live.yaml')); "
            "print(sorted(p.name for p in weights_dir().glob('*.safetensors')))")
    done = _run([str(installed / "bin" / "python"), "-c", code], cwd=tmp_path,
                env=_clean_env(tmp_path))
    package, live_yaml, weights = done.stdout.strip().splitlines()
    assert str(installed) in package and str(ROOT) not in package
    assert str(installed) in live_yaml and Path(live_yaml).is_file()
    assert "stra_realtime.safetensors" in weights and "stra_paper.safetensors" in weights


def test_installed_commands_run_from_another_folder(installed: Path, tmp_path: Path) -> None:
    env = _clean_env(tmp_path)
    for command in ("stra-sim", "stra-eval", "stra-live", "stra-bench"):
        _run([str(installed / "bin" / command), "--help"], cwd=tmp_path, env=env)
    out = tmp_path / "demo"
    done = _run([str(installed / "bin" / "stra-live"), "--headless", "--source", "demo",
                 "--frames", "2", "--out", str(out)], cwd=tmp_path, env=env)
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    assert stats["frames_written"] == 2
    assert (out / "side_by_side.mp4").stat().st_size > 0
