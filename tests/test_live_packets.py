"""The live packet assembler: the watermark it promises, and what it refuses to pass on."""

from __future__ import annotations

import numpy as np

from stra_live.events import Frame, make_events
from stra_live.sources.live_packets import PacketAssembler

RES = (180, 240)


def test_assembler_watermark_hand_cases() -> None:
    def events_until(t: int) -> np.ndarray:
        return make_events(np.array([t]), np.array([1]), np.array([2]), np.array([1]))

    frame = Frame(np.zeros(RES, np.uint8), 5_000, 5_000, 14_999)
    waiting = PacketAssembler(RES, has_frames=True, max_frame_delay_us=None, source="t")
    waiting.add_events(events_until(25_000))
    assert waiting.take().watermark == 0  # no frame yet and no delay bound: no promise
    waiting.add_frame(frame)
    assert waiting.take().watermark == 15_000  # min(T=25000, exposure end + 1)

    bounded = PacketAssembler(RES, has_frames=True, max_frame_delay_us=5_000, source="t")
    bounded.add_events(events_until(25_000))
    bounded.add_frame(frame)
    assert bounded.take().watermark == 20_000  # max(15000, 25000 - 5000)
    late = Frame(np.zeros(RES, np.uint8), 16_000, 16_000, 17_000)
    bounded.add_frame(late)
    assert bounded.take().frames == (late,) and bounded.late_frames == 1

    events_only = PacketAssembler(RES, has_frames=False, max_frame_delay_us=None, source="t")
    events_only.add_events(events_until(7_000))
    assert events_only.take().watermark == 7_000
    assert events_only.take() is None  # nothing new
    assert events_only.heartbeat().watermark == 7_000


def test_assembler_drops_what_would_break_the_stream_order() -> None:
    assembler = PacketAssembler(RES, has_frames=False, max_frame_delay_us=None, source="t")
    assembler.add_events(make_events(np.array([100, 200]), np.array([1, 1]), np.array([1, 1]),
                                     np.array([1, -1])))
    assembler.add_events(make_events(np.array([150, 300, 300]), np.array([1, 240, 5]),
                                     np.array([1, 1, 179]), np.array([1, 1, 1])))
    packet = assembler.take()
    assert packet.events["t"].tolist() == [100, 200, 300]  # 150 too old, x=240 off the sensor
    assert assembler.dropped_events == 2
    frame = Frame(np.zeros(RES, np.uint8), 500, 500, 600)
    assembler.add_frame(frame)
    assembler.add_frame(frame)  # a duplicate
    assembler.add_frame(Frame(np.zeros((10, 10), np.uint8), 700, 700, 800))
    assert assembler.take().frames == (frame,) and assembler.dropped_frames == 2
