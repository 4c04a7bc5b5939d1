"""The capture + inference workers: results flow, pause/step, errors surface, stop is prompt."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np

from stra_live.engine.config import EngineConfig
from stra_live.engine.engine import StreamingEngine
from stra_live.engine.pipeline import LOSSLESS_AHEAD, Pipeline, PipelineCallbacks
from stra_live.engine.results import DeblurResult
from stra_live.errors import InputError
from stra_live.sources.base import Packet
from tests.test_streaming_engine import (
    HEIGHT,
    WIDTH,
    packets_of,
    run_stream,
    synthetic_stream,
    tiny_runtime,
)


class ListSource:
    """A finite (or, with ``forever``, endless) source over prepared packets."""

    has_frames = True

    def __init__(self, packets: list[Packet], forever: bool = False, fail: bool = False) -> None:
        self.name = "test stream"
        self.resolution = (HEIGHT, WIDTH)
        self._packets, self._forever, self._fail = packets, forever, fail
        self._closed = threading.Event()

    def packets(self) -> Iterator[Packet]:
        yield from self._packets
        if self._fail:
            raise InputError("test stream", "timestamps go backwards at packet 7")
        while self._forever and not self._closed.wait(0.01):
            pass

    def close(self) -> None:
        self._closed.set()


class Collector:
    def __init__(self) -> None:
        self.results: list[DeblurResult] = []
        self.errors: list[str] = []
        self.finished = threading.Event()
        self.callbacks = PipelineCallbacks(self.results.append, on_error=self.errors.append,
                                           on_finished=self.finished.set)


def make_pipeline(source: ListSource, collector: Collector) -> Pipeline:
    engine = StreamingEngine(tiny_runtime(), EngineConfig(), (HEIGHT, WIDTH))
    return Pipeline(source, engine, collector.callbacks, queue_packets=4)


def test_finite_source_runs_to_the_end() -> None:
    frames, events = synthetic_stream(6)
    collector = Collector()
    pipeline = make_pipeline(ListSource(packets_of(frames, events)), collector)
    pipeline.start()
    assert collector.finished.wait(30)
    indices = [r.index for r in collector.results]
    assert indices == sorted(indices) and indices[-1] == 5  # the last frame comes out at the end
    assert collector.errors == []


def test_pause_then_step_gives_exactly_one_frame() -> None:
    frames, events = synthetic_stream(6)
    collector = Collector()
    pipeline = make_pipeline(ListSource(packets_of(frames, events), forever=True), collector)
    pipeline.pause()
    pipeline.start()
    time.sleep(0.3)
    assert collector.results == []
    pipeline.step()
    deadline = time.monotonic() + 20
    while not collector.results and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    assert [r.index for r in collector.results] == [0]
    pipeline.step()
    while len(collector.results) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [r.index for r in collector.results] == [0, 1]
    pipeline.stop()


def test_source_error_is_reported_and_the_pipeline_ends() -> None:
    frames, events = synthetic_stream(3)
    collector = Collector()
    pipeline = make_pipeline(ListSource(packets_of(frames, events), fail=True), collector)
    pipeline.start()
    assert collector.finished.wait(30)
    assert collector.errors == ["test stream: timestamps go backwards at packet 7"]


def test_stop_is_prompt_on_an_endless_source() -> None:
    frames, events = synthetic_stream(3)
    collector = Collector()
    pipeline = make_pipeline(ListSource(packets_of(frames, events), forever=True), collector)
    pipeline.start()
    time.sleep(0.2)
    began = time.monotonic()
    pipeline.stop(timeout=5)
    assert collector.finished.wait(5)
    assert time.monotonic() - began < 5
    assert not any(t.is_alive() for t in pipeline._threads)


def test_lossless_mode_deblurs_every_frame_in_order() -> None:
    # A source far faster than inference: live mode would drop, lossless must not.
    frames, events = synthetic_stream(24)
    collector = Collector()
    engine = StreamingEngine(tiny_runtime(), EngineConfig(), (HEIGHT, WIDTH))
    pipeline = Pipeline(ListSource(packets_of(frames, events)), engine, collector.callbacks,
                        queue_packets=2, mode="lossless")
    pipeline.start()
    assert collector.finished.wait(60)
    assert [r.index for r in collector.results] == list(range(24))
    assert engine.stats().frames_dropped == 0
    assert collector.errors == []


def test_lossless_step_gives_exactly_one_frame() -> None:
    frames, events = synthetic_stream(6)
    collector = Collector()
    engine = StreamingEngine(tiny_runtime(), EngineConfig(), (HEIGHT, WIDTH))
    pipeline = Pipeline(ListSource(packets_of(frames, events), forever=True), engine,
                        collector.callbacks, queue_packets=2, mode="lossless")
    pipeline.pause()
    pipeline.start()
    pipeline.step()
    deadline = time.monotonic() + 20
    while not collector.results and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    assert [r.index for r in collector.results] == [0]
    pipeline.stop()


def test_lossless_encoding_ahead_computes_everything_once_and_matches_one_thread() -> None:
    # The encoder thread works ahead of the decoder: same outputs as one thread doing
    # everything, and the slots' locks keep the two from encoding any frame twice.
    frames, events = synthetic_stream(10)
    runtime = tiny_runtime()
    reference = run_stream(StreamingEngine(runtime, EngineConfig(), (HEIGHT, WIDTH)),
                           packets_of(frames, events))
    collector = Collector()
    engine = StreamingEngine(runtime, EngineConfig(), (HEIGHT, WIDTH))
    pipeline = Pipeline(ListSource(packets_of(frames, events)), engine, collector.callbacks,
                        queue_packets=2, mode="lossless")
    pipeline.start()
    assert collector.finished.wait(60)
    assert [r.index for r in collector.results] == list(range(10))
    for result in collector.results:
        np.testing.assert_array_equal(result.deblurred, reference[result.index])
    assert (engine.work.frames_encoded, engine.work.events_encoded, engine.work.decodes) == \
        (10, 10, 10)


def test_live_encoder_prepares_only_what_the_newest_output_needs() -> None:
    frames, events = synthetic_stream(12)
    engine = StreamingEngine(tiny_runtime(), EngineConfig(lookahead=1), (HEIGHT, WIDTH))
    for packet in packets_of(frames, events):
        engine.push(packet)  # a decoder far behind: twelve frames complete at once
    complete = engine.backlog()
    assert complete >= 10
    # One frame per call (T+1, T, T-1 of the newest output), then nothing is encoded twice.
    assert [engine.prepare("latest") for _ in range(4)] == [1, 1, 1, 0]
    result = engine.process("latest")
    assert result is not None and result.index == complete - 3  # one frame of lag allowed
    assert engine.work.frames_encoded == 3  # the decoder found everything ready


def test_lossless_encoder_stays_a_few_frames_ahead() -> None:
    # A file is read far faster than inference: without back-pressure every frame of it
    # would wait, encoded, in memory.
    frames, events = synthetic_stream(16)
    engine = StreamingEngine(tiny_runtime(), EngineConfig(), (HEIGHT, WIDTH))
    most = []
    push = engine.push

    def watched_push(packet: Packet) -> None:
        push(packet)
        most.append(engine.backlog())

    process = engine.process

    def slow_process(policy: str, attention: bool) -> object:
        time.sleep(0.02)  # a decoder much slower than reading
        return process(policy, attention)  # type: ignore[arg-type]

    engine.push = watched_push  # type: ignore[method-assign]
    engine.process = slow_process  # type: ignore[method-assign,assignment]
    collector = Collector()
    pipeline = Pipeline(ListSource(packets_of(frames, events)), engine, collector.callbacks,
                        queue_packets=2, mode="lossless")
    pipeline.start()
    assert collector.finished.wait(60)
    assert len(collector.results) == 16
    # One packet may complete a frame or two beyond the limit before the check.
    assert max(most) <= LOSSLESS_AHEAD + 2
