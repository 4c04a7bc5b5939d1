"""The YAML -> dataclass loader names bad fields and fills defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from stra_live.config import CONFIG_DIR, ConfigError, from_dict, load_config
from stra_live.engine.config import LiveConfig


@dataclass(frozen=True)
class Inner:
    size: int = 3
    mode: Literal["a", "b"] = "a"


@dataclass(frozen=True)
class Outer:
    rate: float = 1.0
    path: Path | None = None
    sizes: tuple[int, ...] = (1, 2)
    inner: Inner = field(default_factory=Inner)


def test_nested_values_and_defaults() -> None:
    config = from_dict(Outer, {"rate": 2, "path": "x/y", "sizes": [4], "inner": {"mode": "b"}})
    assert config == Outer(rate=2.0, path=Path("x/y"), sizes=(4,), inner=Inner(size=3, mode="b"))
    assert isinstance(config.rate, float)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"inner": {"size": "big"}}, "inner.size"),
        ({"inner": {"mode": "c"}}, "inner.mode"),
        ({"unknown": 1}, "unknown"),
        ({"sizes": [1, "x"]}, "sizes[1]"),
        ({"inner": {"size": True}}, "inner.size"),
    ],
)
def test_bad_field_is_named(data: dict, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        from_dict(Outer, data)


def test_validation_error_in_post_init_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "live.yaml"
    path.write_text("engine:\n  lookahead: 3\n")
    with pytest.raises(ConfigError, match="lookahead"):
        load_config(LiveConfig, path)


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_an_empty_config_file_is_refused_not_read_as_defaults(tmp_path: Path, text: str) -> None:
    path = tmp_path / "train.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="empty"):
        load_config(LiveConfig, path)


def test_shipped_live_config_loads() -> None:
    config = load_config(LiveConfig, CONFIG_DIR / "live.yaml")
    assert config.engine.memory_length == 2
    assert config.engine.lookahead == 1
