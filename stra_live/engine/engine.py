"""Streaming STRA: deblur each APS frame of a live stream with a persistent TMB memory.

Packets go into a rolling event buffer; a frame becomes *complete* once the
stream's watermark has passed the end of its exposure (all its events are
buffered), and is then voxelised once. Output T needs frames T-1, T and, with
lookahead 1, T+1; its TMB memory holds the K most recent sequences around it
(T-1 "past" and T+1 "future" for the paper's K=2, older sequences as "past"
entries for larger K). Every encoding lives in a :class:`FrameSlot` and is
computed once. Missing neighbours at the ends of a stream (and T+1 when
causal) are replaced by frame T itself.

When the consumer asks for the ``latest`` frame (at most :data:`LIVE_MAX_LAG`
behind the newest ready one), the frames it skips are
dropped and counted; no queue grows without bound. Under overload the skipped
frames are never encoded: the encoder works newest first, one frame at a time,
and an output whose T-1 (or an older TMB entry) was skipped reads the nearest
older frame that is already encoded, at most :data:`MAX_NEIGHBOUR_GAP` frames
back, rather than encoding one more frame for it. In order (``next``) every
neighbour is the true one, so streaming equals the offline network there.

Two threads may share an engine: one pushes packets and calls :meth:`prepare`
to encode complete frames ahead of time, the other calls :meth:`process`,
which then mostly only decodes. The engine's lock guards its bookkeeping;
the network runs outside it, and each slot's own lock keeps the two threads
from encoding the same frame twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Literal

import numpy as np

from models.encodings import AttentionWeights
from stra_live.engine.config import EngineConfig
from stra_live.engine.meters import LatencyMeter, RateMeter
from stra_live.engine.results import AttentionMaps, DeblurResult, EngineStats
from stra_live.engine.runtime import ModelRuntime
from stra_live.engine.slots import FrameSlot, WorkCounter
from stra_live.errors import InputError
from stra_live.events import Frame
from stra_live.sources.base import Packet
from stra_live.voxel.buffer import RollingEventBuffer
from stra_live.voxel.window import event_span

log = logging.getLogger(__name__)

MAX_WAITING_FRAMES = 64
"""Frames waiting for their events; beyond this the oldest are dropped (a stalled watermark)."""

MAX_COMPLETE_FRAMES = 64
"""Complete frames held when nobody asks for outputs; beyond this the oldest are dropped."""

LIVE_MAX_LAG = 1
"""Frames a ``latest`` output may trail the newest ready one. Taking the frame after the
last output, whose T-1 is encoded already, when it is only one behind costs one new
encoding per output instead of two; skipping starts when the lag would grow."""

MAX_NEIGHBOUR_GAP = 3
"""Under ``latest``, how many frames back an encoded stand-in for T-1 may lie."""


@dataclass(frozen=True)
class _OutputInputs:
    """The slots one output reads, chosen under the engine's lock."""

    target: int
    frames: tuple[FrameSlot, FrameSlot, FrameSlot]
    past: list[FrameSlot]
    future: list[FrameSlot]


class StreamingEngine:
    """Deblurs a stream frame by frame, reusing every encoding (see the module docstring).

    Args:
        runtime: the network on its device.
        config: lookahead, memory length, buffer horizon, ...
        resolution: sensor (height, width) of the stream.
        has_frames: False for events-only streams (only event images come out).
        source_name: names the stream in error messages.
    """

    def __init__(self, runtime: ModelRuntime, config: EngineConfig, resolution: tuple[int, int],
                 has_frames: bool = True, source_name: str = "stream") -> None:
        self.runtime = runtime
        self.resolution = resolution
        self.has_frames = has_frames
        self.source_name = source_name
        self.work = WorkCounter()
        self._lookahead = config.lookahead
        self._memory_length = config.memory_length
        self._events_interval_us = int(config.events_only_interval_ms * 1000)
        self._pending: tuple[int, int] | None = None
        self._lock = threading.RLock()
        self._buffer = RollingEventBuffer(resolution, int(config.horizon_ms * 1000),
                                          source=source_name)
        self._waiting: deque[tuple[int, Frame]] = deque()
        self._slots: OrderedDict[int, FrameSlot] = OrderedDict()
        self._watermark = -(2**62)
        self._next_output = 0
        self._frames_in = 0
        self._finished = False
        self._events_in = 0
        self._first_event_t: int | None = None
        self._events_cursor: int | None = None
        self._counts = {"out": 0, "dropped": 0, "memory": 0}
        self._input_rate, self._output_rate = RateMeter(), RateMeter()
        self._event_rate, self._latency = RateMeter(), LatencyMeter(config.latency_window)

    @property
    def device_label(self) -> str:
        """Device and precision, e.g. "cpu (fp32)"."""
        return self.runtime.label

    def configure(self, lookahead: int, memory_length: int) -> None:
        """Change lookahead (0/1) and memory length K; applied before the next output.

        Safe to call from any thread.
        """
        EngineConfig(lookahead=lookahead, memory_length=memory_length)  # validates
        with self._lock:
            self._pending = (lookahead, memory_length)

    # --- input --------------------------------------------------------------
    def push(self, packet: Packet) -> None:
        """Buffer a packet's events and frames; frames whose exposure is covered become complete."""
        with self._lock:
            self._push(packet)

    def _push(self, packet: Packet) -> None:
        now = time.monotonic()
        self._buffer.append(packet.events)
        self._event_rate.add(len(packet.events), now)
        if len(packet.events):
            self._events_in += len(packet.events)
            if self._first_event_t is None:
                self._first_event_t = int(packet.events["t"][0])
        newest = int(packet.events["t"][-1]) if len(packet.events) else self._watermark
        self._watermark = max(self._watermark, packet.watermark, newest)
        for frame in packet.frames:
            self._accept(frame, now)
        self._complete_frames(now, everything=False)

    def finish(self) -> None:
        """The stream ended: every waiting frame is complete and the last one needs no T+1."""
        with self._lock:
            self._finished = True
            self._complete_frames(time.monotonic(), everything=True)

    def prepare(self, policy: Literal["latest", "next"] = "latest") -> int:
        """Encode complete frames that outputs will need, ahead of :meth:`process`.

        ``"next"`` prepares every frame not yet output, in order; ``"latest"``
        one frame per call, the newest one the newest output needs (T+1, T,
        then T-1), so a caller that pushes between calls always works on the
        newest frames. Meant for a second thread; returns how many frames it
        encoded.
        """
        if not self.has_frames:
            return 0
        with self._lock:
            if not self._slots:
                return 0
            first = self._next_output - 1
            if policy == "latest":
                newest = next(reversed(self._slots))
                wanted = range(newest, max(first, newest - self._lookahead - 1) - 1, -1)
                todo = [self._slots[i] for i in wanted
                        if i in self._slots and not self._slots[i].prepared][:1]
            else:
                todo = [s for i, s in self._slots.items() if i >= first and not s.prepared]
        for slot in todo:
            slot.prepare(self.runtime, self.work)
        return len(todo)

    def backlog(self) -> int:
        """Complete frames not output yet (what a lossless producer must keep small)."""
        with self._lock:
            return sum(1 for i in self._slots if i >= self._next_output)

    def _accept(self, frame: Frame, now: float) -> None:
        if frame.resolution != self.resolution:
            h, w = frame.resolution
            raise InputError(self.source_name, f"a {w}x{h} frame arrived in a "
                             f"{self.resolution[1]}x{self.resolution[0]} stream")
        if frame.exposure_end < frame.exposure_start:
            raise InputError(self.source_name, f"frame at {frame.timestamp} us has its exposure "
                             "ending before it starts")
        self._waiting.append((self._frames_in, frame))
        self._frames_in += 1
        self._input_rate.add(1, now)
        while len(self._waiting) > MAX_WAITING_FRAMES:
            self._waiting.popleft()
            self._counts["dropped"] += 1

    def _complete_frames(self, now: float, everything: bool) -> None:
        # A frame is complete once every event its grids read is in: for an input that
        # ramps EDI's steps, that is a few milliseconds past the end of its exposure.
        representation = self.runtime.config.representation

        def span(frame: Frame) -> tuple[int, int]:
            return event_span(representation, frame.exposure_start, frame.exposure_end)

        while self._waiting and (everything or span(self._waiting[0][1])[1] < self._watermark):
            index, frame = self._waiting.popleft()
            horizon = self._buffer.horizon_start
            start = frame.exposure_start
            if horizon is not None and start < horizon:
                log.warning("%s: frame %d came too late for its events; dropped",
                            self.source_name, index)
                self._counts["dropped"] += 1
                continue
            # Only a copy of the window's events under the lock: the grids (EDI's take
            # milliseconds) are built by a worker, not while the other one waits here.
            first, last = span(frame)
            # Events the horizon already dropped only shorten the first ramps' look-back.
            events = self._buffer.events_between(max(first, horizon or first), last)
            self._slots[index] = FrameSlot(index, frame, frame.as_float(), events,
                                           representation, self.source_name, now)
        while len(self._slots) > MAX_COMPLETE_FRAMES:
            index, _ = self._slots.popitem(last=False)
            if index >= self._next_output:
                self._counts["dropped"] += 1

    # --- output -------------------------------------------------------------
    def process(self, policy: Literal["latest", "next"] = "latest",
                attention: bool = False) -> DeblurResult | None:
        """Deblur one ready frame: the newest (skipping older ones) or the next in order.

        Returns None when no frame is ready (its T+1 has not arrived yet, say).
        """
        with self._lock:
            self._apply_pending()
            if not self.has_frames:
                return self._events_only(policy)
            ready = [i for i in self._slots if i >= self._next_output and self._outputtable(i)]
            if not ready:
                return None
            if policy == "latest":
                target = next(i for i in ready if i >= ready[-1] - LIVE_MAX_LAG)
            else:
                target = ready[0]
            self._counts["dropped"] += sum(1 for i in ready if i < target)
            inputs = self._inputs(target, policy)
            self._next_output = target + 1
        image, weights, entries = self._decode(inputs, attention)  # the network: outside the lock
        with self._lock:
            self._counts["memory"] = entries
            result = self._result(inputs, image, weights)
            self._evict()
        return result

    def _outputtable(self, index: int) -> bool:
        return self._lookahead == 0 or index + 1 in self._slots or self._finished

    def _inputs(self, target: int, policy: str) -> _OutputInputs:
        centre = self._slots[target]
        following = self._slots.get(target + 1, centre) if self._lookahead else centre
        past, future = self._memory_slots(target, encoded_only=policy == "latest")
        if policy == "latest":
            stand_ins = self._encoded_before(target, MAX_NEIGHBOUR_GAP)
            previous = stand_ins[-1] if stand_ins else centre
        else:
            previous = self._slots.get(target - 1, centre)
        return _OutputInputs(target, (previous, centre, following), past, future)

    def _encoded_before(self, target: int, gap: int) -> list[FrameSlot]:
        """Slots up to ``gap`` frames before ``target`` that are already encoded, oldest first."""
        slots = (self._slots.get(i) for i in range(target - gap, target))
        return [s for s in slots if s is not None and s.prepared]

    def _decode(self, inputs: _OutputInputs,
                attention: bool) -> tuple[np.ndarray, AttentionWeights | None, int]:
        runtime, work = self.runtime, self.work
        centre = inputs.frames[1]
        frames = tuple(s.frame_encoding(runtime, work) for s in inputs.frames)
        memory = [s.memory_entry("past", runtime, work) for s in inputs.past]
        memory += [s.memory_entry("future", runtime, work) for s in inputs.future]
        present = [m for m in memory if m is not None]
        image, weights = runtime.decode(
            frames, centre.padded(runtime), centre.event_encoding(runtime, work),  # type: ignore[arg-type]
            present, self.resolution, attention,
        )
        work.add("decodes")
        return image, weights, len(present)

    def _result(self, inputs: _OutputInputs, image: np.ndarray,
                weights: AttentionWeights | None) -> DeblurResult:
        _, centre, following = inputs.frames
        now = time.monotonic()
        self._latency.add(now - max(centre.complete_at, following.complete_at))
        self._output_rate.add(1, now)
        self._counts["out"] += 1
        maps = None
        if weights is not None and weights.sfb is not None:
            maps = AttentionMaps(
                grid=weights.grid, scale=weights.scale,
                sfb=weights.sfb[0].float().cpu().numpy(),
                tmb=weights.tmb[0].float().cpu().numpy(),
                memory_timestamps=tuple(s.centre_us for s in (*inputs.past, *inputs.future)),
            )
        return DeblurResult(inputs.target, centre.centre_us, centre.image, image,
                            centre.event_image, maps, self.stats(),
                            frame_timestamp=centre.frame.timestamp)

    def _memory_slots(self, target: int,
                      encoded_only: bool) -> tuple[list[FrameSlot], list[FrameSlot]]:
        """Past and future sequences of the TMB memory of output ``target``, in time order.

        ``encoded_only``: past entries come from the nearest encoded slots
        (see the module docstring) instead of the ``K`` frames just before.
        """
        future = [self._slots[target + 1]] if self._lookahead and target + 1 in self._slots else []
        wanted = max(self._memory_length - len(future), 0)
        if encoded_only:
            encoded = self._encoded_before(target, wanted + MAX_NEIGHBOUR_GAP - 1)
            past = encoded[-wanted:] if wanted else []
        else:
            past = [self._slots[i] for i in range(target - wanted, target) if i in self._slots]
        return past, future[: self._memory_length]

    def _evict(self) -> None:
        keep_from = self._next_output - 1 - self._memory_length
        while self._slots and next(iter(self._slots)) < keep_from:
            self._slots.popitem(last=False)

    def _events_only(self, policy: str) -> DeblurResult | None:
        newest = self._buffer.t_last
        if newest is None:
            return None
        interval = self._events_interval_us
        if self._events_cursor is None:
            self._events_cursor = int(self._buffer.t_first) - 1  # type: ignore[arg-type]
        horizon = self._buffer.horizon_start
        if horizon is not None and self._events_cursor < horizon - 1:
            self._events_cursor = horizon - 1  # older events are gone: show from the horizon on
        if newest - self._events_cursor < interval and not self._finished:
            return None
        if newest <= self._events_cursor:
            return None
        end = newest if policy == "latest" else min(newest, self._events_cursor + interval)
        start = max(end - interval + 1, self._events_cursor + 1)
        self._events_cursor = end
        image = self._buffer.event_count_image(start, end)
        now = time.monotonic()
        self._output_rate.add(1, now)
        self._counts["out"] += 1
        return DeblurResult(self._counts["out"] - 1, (start + end) // 2, None, None, image,
                            None, self.stats())

    def _apply_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            self._lookahead, self._memory_length = pending

    def _stream_event_rate(self) -> float:
        """Events per second of stream time since the first event."""
        last = self._buffer.t_last
        if self._first_event_t is None or last is None or last <= self._first_event_t:
            return 0.0
        return self._events_in * 1e6 / (last - self._first_event_t)

    def stats(self) -> EngineStats:
        """Current figures (rates over the last two seconds)."""
        with self._lock:
            return self._stats()

    def _stats(self) -> EngineStats:
        now = time.monotonic()
        return EngineStats(
            device=self.device_label,
            input_fps=self._input_rate.rate(now),
            output_fps=self._output_rate.rate(now),
            latency_p50_ms=self._latency.percentile_ms(50),
            latency_p95_ms=self._latency.percentile_ms(95),
            event_rate=self._event_rate.rate(now),
            stream_event_rate=self._stream_event_rate(),
            frames_in=self._frames_in,
            frames_out=self._counts["out"],
            frames_dropped=self._counts["dropped"],
            memory_entries=self._counts["memory"],
        )
