"""StreamOpener: opens on worker threads, the newest request wins, stale outcomes are closed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from stra_live.engine.config import EngineConfig
from stra_live.errors import CheckpointError, InputError
from ui.bridge import PipelineBridge
from ui.opening import Geometry, OpenOutcome, StreamOpener, one_line

pytestmark = pytest.mark.timeout(60)

WAIT_MS = 10_000
CONFIG = EngineConfig(checkpoint=Path("weights.safetensors"), device="cpu")


class FakeSource:
    """A source that only records whether it was closed."""

    def __init__(self, spec: str) -> None:
        self.name = spec
        self.resolution = (4, 6)
        self.has_frames = True
        self.closed = False

    def close(self) -> None:
        self.closed = True


class FakeOpener:
    """Opens FakeSources; "block:SPEC" waits for :attr:`release`; "bad" raises InputError."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.opened: list[FakeSource] = []

    def __call__(self, spec: str, on_notice: Callable[[str], None]) -> FakeSource:
        if spec.startswith("block:"):
            assert self.release.wait(WAIT_MS / 1000)
        if spec == "bad":
            raise InputError(spec, "not a recording\nat all")
        if spec == "bug":
            raise RuntimeError("a bug")
        source = FakeSource(spec)
        self.opened.append(source)
        return source


def fake_builder(config: EngineConfig, resolution: tuple[int, int], has_frames: bool,
                 name: str) -> tuple[str, tuple[int, int]]:
    if config.checkpoint.name == "wrong.safetensors":
        raise CheckpointError(config.checkpoint, "does not fit the network")
    return (name, resolution)


@pytest.fixture
def opener(qtbot: object) -> StreamOpener:
    return StreamOpener(FakeOpener(), fake_builder)


def fake(stream: StreamOpener) -> FakeOpener:
    opener = stream._opener
    assert isinstance(opener, FakeOpener)
    return opener


def test_the_newest_request_wins_and_the_stale_source_is_closed(
        opener: StreamOpener, qtbot: object) -> None:
    done: list[OpenOutcome] = []
    opener.done.connect(done.append)
    first = opener.request("source", "block:first", CONFIG)
    opener.start(first, PipelineBridge())
    assert opener.pending == first
    second = opener.request("source", "second", CONFIG)
    with qtbot.waitSignal(opener.done, timeout=WAIT_MS):  # type: ignore[attr-defined]
        opener.start(second, PipelineBridge())
    assert opener.pending is None
    fake(opener).release.set()
    qtbot.waitUntil(lambda: opener.in_flight == 0, timeout=WAIT_MS)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: len(fake(opener).opened) == 2 and fake(opener).opened[1].closed,  # type: ignore[attr-defined]
                    timeout=WAIT_MS)
    assert [outcome.request for outcome in done] == [second]
    assert done[0].engine == ("second", (4, 6)) and not done[0].source.closed


def test_cancel_then_join_closes_what_was_never_delivered(opener: StreamOpener) -> None:
    request = opener.request("source", "block:late", CONFIG)
    bridge = PipelineBridge()
    opener.start(request, bridge)
    opener.cancel()
    assert opener.pending is None
    fake(opener).release.set()
    assert opener.join(WAIT_MS / 1000)  # no event loop ran: join itself closes it
    assert fake(opener).opened[0].closed and not bridge.attached


@pytest.mark.parametrize(("spec", "expected"), [
    ("bad", "bad: not a recording at all"),
    ("bug", "RuntimeError: a bug"),
])
def test_a_failure_comes_back_as_one_line(opener: StreamOpener, qtbot: object, spec: str,
                                          expected: str) -> None:
    request = opener.request("source", spec, CONFIG)
    with qtbot.waitSignal(opener.done, timeout=WAIT_MS) as blocker:  # type: ignore[attr-defined]
        opener.start(request, PipelineBridge())
    outcome = blocker.args[0]
    assert outcome.error == expected and outcome.source is None


def test_a_wrong_checkpoint_fails_before_the_source_is_reopened(
        opener: StreamOpener, qtbot: object) -> None:
    config = EngineConfig(checkpoint=Path("wrong.safetensors"), device="cpu")
    request = opener.request("checkpoint", "demo", config, Geometry((4, 6), True, "demo"))
    assert request.label == "wrong.safetensors"
    with qtbot.waitSignal(opener.done, timeout=WAIT_MS) as blocker:  # type: ignore[attr-defined]
        opener.start(request, PipelineBridge())
    assert "wrong.safetensors" in blocker.args[0].error
    assert fake(opener).opened == []


def test_one_line_joins_lines() -> None:
    assert one_line(OSError("no\nsuch  device")) == "no such device"
