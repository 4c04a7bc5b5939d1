"""The one place that knows where the shipped configurations and weights are.

Both travel with the installed package (``pip install .`` or a wheel) as
package data: the YAML files in the ``configs`` package, the safetensors
weights in ``models/weights``. They are found with :mod:`importlib.resources`,
so the same code works from a source checkout, an editable install and a
wheel, whatever the current folder is. Functions, not constants, so that
asking for the configs never imports the network package (and torch).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _folder(package: str, *parts: str) -> Path:
    """A package's data folder as a real path (setuptools installs packages unzipped)."""
    root = files(package).joinpath(*parts)
    path = Path(str(root))
    if not path.is_dir():
        raise FileNotFoundError(f"{package}: shipped data folder {path} is missing; "
                                "reinstall stra-live")
    return path


def config_dir() -> Path:
    """The folder of the shipped ``*.yaml`` configurations (``configs/``)."""
    return _folder("configs")


def config_file(name: str) -> Path:
    """A shipped configuration by file name, e.g. ``config_file("live.yaml")``."""
    return config_dir() / name


def weights_dir() -> Path:
    """The folder of the shipped ``*.safetensors`` weights (``models/weights/``)."""
    return _folder("models", "weights")
