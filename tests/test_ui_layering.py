"""House rule: only ui/ imports Qt; stra_live/ and models/ never import Qt, pyqtgraph or ui."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUI_FREE = ("stra_live", "models")
FORBIDDEN = ("PyQt6", "PyQt5", "PySide6", "PySide2", "pyqtgraph", "qtpy", "ui")


def forbidden_imports(path: Path) -> list[str]:
    """``file:line module`` for every import of a forbidden top-level package in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [f"{path}:{node.lineno} {name}" for name in names
                  if name.split(".")[0] in FORBIDDEN]
    return found


def test_runtime_and_network_never_import_qt_or_ui() -> None:
    files = [path for package in GUI_FREE for path in sorted((ROOT / package).rglob("*.py"))]
    assert any(path.parent.name == "engine" for path in files), "the scan found no engine code"
    offenders = [hit for path in files for hit in forbidden_imports(path)]
    assert offenders == []


def test_scanner_catches_every_import_form(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import os\n"
        "import pyqtgraph as pg\n"
        "from PyQt6.QtCore import QObject\n"
        "def f():\n"
        "    from ui.main_window import MainWindow\n"
        "    import PySide6.QtWidgets\n"
        "from . import ui\n"            # relative import of a sibling named ui: allowed
        "import uic\n"                  # a different package whose name starts with ui
    )
    hits = [hit.split(" ", 1)[1] for hit in forbidden_imports(bad)]
    assert hits == ["pyqtgraph", "PyQt6.QtCore", "ui.main_window", "PySide6.QtWidgets"]
