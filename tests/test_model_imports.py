"""models/ stands alone: importing it pulls in neither Qt, ui/ nor the streaming engine."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import models

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("PyQt6", "PyQt5", "PySide6", "pyqtgraph", "ui", "stra_live.engine")


def test_importing_every_model_module_loads_nothing_forbidden() -> None:
    names = [info.name for info in pkgutil.walk_packages(models.__path__, "models.")]
    assert "models.stra" in names and "models.checkpoint" in names
    script = (
        "import importlib, json, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = json.loads(done.stdout)
    offenders = [m for m in loaded if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert offenders == []
