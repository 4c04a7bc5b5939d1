"""Importing the engine, its configuration and the headless runner does not load dv-processing."""

from __future__ import annotations

import subprocess
import sys


def test_engine_and_config_import_without_dv() -> None:
    code = ("import sys; import stra_live.engine.config, stra_live.engine.engine, "
            "stra_live.engine.pipeline, stra_live.engine.headless, stra_live.sources.factory, "
            "stra_live.recording.sink; "
            "print('dv_processing' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
