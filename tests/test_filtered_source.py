"""FilteredSource: filters before the engine, drops raw dv data it changed, accumulates events."""

from __future__ import annotations

import numpy as np

from stra_live.events import make_events
from stra_live.sources.base import DvRaw, Packet
from stra_live.sources.filtered import EventAccumulator, FilteredSource
from stra_live.voxel.noise import NoiseFilterChain, NoiseFilterConfig

SHAPE = (4, 5)


class ListSource:
    name, resolution, has_frames = "list", SHAPE, False

    def __init__(self, packets: list[Packet]) -> None:
        self._packets = packets
        self.closed = False
        self.extra = "reachable"

    def packets(self):  # type: ignore[no-untyped-def]
        yield from self._packets

    def close(self) -> None:
        self.closed = True


def packet(t: list[int], x: list[int], watermark: int) -> Packet:
    events = make_events(np.array(t), np.array(x), np.zeros(len(t), dtype=np.int64),
                         np.ones(len(t), dtype=np.int8))
    return Packet(events=events, watermark=watermark, raw=DvRaw(events="dv store"))


def test_filters_run_before_the_consumer_and_drop_raw_when_they_change_events() -> None:
    inner = ListSource([packet([0, 100, 200], [0, 0, 0], 1000)])
    chain = NoiseFilterChain(SHAPE, NoiseFilterConfig(refractory=True, refractory_us=150))
    source = FilteredSource(inner, chain, EventAccumulator(SHAPE))
    (out,) = list(source.packets())
    assert out.events["t"].tolist() == [0, 200]
    assert out.raw is None  # the dv store holds the unfiltered events
    assert source.extra == "reachable"
    source.close()
    assert inner.closed


def test_unfiltered_packets_keep_their_raw_data() -> None:
    inner = ListSource([packet([0, 100], [0, 1], 1000)])
    source = FilteredSource(inner, NoiseFilterChain(SHAPE), EventAccumulator(SHAPE))
    (out,) = list(source.packets())
    assert out.raw is not None and len(out.events) == 2


def test_accumulator_keeps_the_last_window_only() -> None:
    accumulator = EventAccumulator(SHAPE)
    assert accumulator.snapshot() is None  # off
    accumulator.set_window(10_000)
    accumulator.add(packet([0, 5], [1, 1], 10).events, 10)
    accumulator.add(packet([8_000], [2], 8_010).events, 8_010)
    image = accumulator.snapshot()
    assert image is not None and image[0, 1] == 2 and image[0, 2] == 1
    accumulator.add(packet([16_000], [3], 16_010).events, 16_010)  # the first packet expired
    image = accumulator.snapshot()
    assert image is not None
    assert image[0, 1] == 0 and image[0, 2] == 1 and image[0, 3] == 1
