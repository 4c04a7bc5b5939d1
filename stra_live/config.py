"""Load typed configuration from ``configs/*.yaml`` into frozen dataclasses.

Every component owns one frozen dataclass whose fields are documented where it
is defined; this module only knows how to fill any such dataclass from a YAML
mapping, naming the bad field when something does not fit. Only CLI entry
points and the app call it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

from stra_live.resources import config_dir

T = TypeVar("T")

CONFIG_DIR = config_dir()
"""The shipped ``configs/`` folder (package data; :mod:`stra_live.resources` finds it)."""


class ConfigError(ValueError):
    """A configuration value that does not fit its dataclass field."""


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML file into a dict.

    A file with no settings at all is refused rather than read as "all
    defaults": a configuration named on the command line that came out empty
    (a failed edit, a truncated copy) would otherwise start, say, a long
    training run on data nobody asked for. Leaving the flag out gives the defaults.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot read configuration: {error}") from error
    if data is None:
        raise ConfigError(f"{path}: the configuration file is empty (no settings)")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def from_dict(cls: type[T], data: dict[str, Any], where: str = "") -> T:
    """Build dataclass ``cls`` from ``data``, recursing into nested dataclasses.

    Unknown keys and values of the wrong type raise :class:`ConfigError`
    naming the dotted field path. Missing keys take the dataclass defaults.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{where or cls.__name__}: expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where or cls.__name__}: unknown field(s) {unknown}")
    values = {}
    for name, value in data.items():
        path = f"{where}.{name}" if where else name
        values[name] = _coerce(hints[name], value, path)
    try:
        return cls(**values)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{where or cls.__name__}: {error}") from error


def load_config(cls: type[T], path: str | Path | None = None, **overrides: Any) -> T:
    """Load ``cls`` from a YAML file (or defaults), then apply keyword overrides."""
    data = load_yaml(path) if path is not None else {}
    data.update({k: v for k, v in overrides.items() if v is not None})
    return from_dict(cls, data, where=str(path) if path else cls.__name__)


def _coerce(hint: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value, path)  # type: ignore[arg-type]
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(arg, value, path)
            except ConfigError as error:
                errors.append(str(error))
        raise ConfigError(f"{path}: {value!r} fits none of {hint}")
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(f"{path}: {value!r} is not one of {list(args)}")
        return value
    if origin in (tuple, list):
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{path}: expected a list, got {value!r}")
        item = args[0] if args else Any
        items = [_coerce(item, v, f"{path}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is Path:
        return Path(value)
    if hint is Any or isinstance(hint, typing.TypeVar):
        return value
    if isinstance(hint, type) and not isinstance(value, hint):
        raise ConfigError(f"{path}: expected {hint.__name__}, got {value!r}")
    if hint is int and isinstance(value, bool):
        raise ConfigError(f"{path}: expected int, got {value!r}")
    return value
