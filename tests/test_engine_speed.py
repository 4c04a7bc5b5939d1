"""Inference speed options: same outputs as eager, and a compile failure falls back to eager."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from stra_live.engine.config import EngineConfig
from stra_live.engine.engine import StreamingEngine
from stra_live.engine.runtime import ModelRuntime
from stra_live.engine.speed import EagerFallback, SpeedOptions, apply_speed_options
from tests.test_streaming_engine import HEIGHT, WIDTH, packets_of, synthetic_stream, tiny_runtime


def outputs(runtime: ModelRuntime) -> list[np.ndarray]:
    frames, events = synthetic_stream(5)
    engine = StreamingEngine(runtime, EngineConfig(), (HEIGHT, WIDTH))
    results = []
    for packet in packets_of(frames, events):
        engine.push(packet)
        while (result := engine.process("next")) is not None:
            results.append(result.deblurred)
    engine.finish()
    while (result := engine.process("next")) is not None:
        results.append(result.deblurred)
    return results


def test_channels_last_gives_the_eager_outputs() -> None:
    eager = outputs(tiny_runtime())
    fast = tiny_runtime()
    apply_speed_options(fast.model, SpeedOptions(channels_last=True))
    assert any(p.dim() == 4 and not p.is_contiguous()
               and p.is_contiguous(memory_format=torch.channels_last)
               for p in fast.model.parameters())
    converted = outputs(fast)
    assert len(converted) == len(eager) == 5
    for a, b in zip(eager, converted, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_a_failing_compiled_function_falls_back_to_eager_once(
        caplog: pytest.LogCaptureFixture) -> None:
    calls = []

    def compiled(x: int) -> int:
        calls.append("compiled")
        raise RuntimeError("no C++ compiler found\nlong trace")

    def eager(x: int) -> int:
        calls.append("eager")
        return x + 1

    wrapper = EagerFallback(compiled, eager, "decode")
    with caplog.at_level(logging.WARNING):
        assert wrapper(1) == 2 and wrapper(2) == 3
    assert calls == ["compiled", "eager", "eager"] and not wrapper.compiled
    assert caplog.text.count("torch.compile failed for decode") == 1


def test_bad_compile_mode_is_named() -> None:
    with pytest.raises(ValueError, match="compile"):
        SpeedOptions(compile="fastest")  # type: ignore[arg-type]


def test_labels() -> None:
    assert SpeedOptions().label == "eager"
    assert SpeedOptions(channels_last=True, compile="default").label == "compile+channels-last"
