"""The live-source state machine over the project's driver protocol, with a non-dv driver."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from stra_live.errors import SourceDisconnectedError
from stra_live.events import make_events
from stra_live.sources.live import LiveSource, SourceStatus
from stra_live.sources.live_config import LiveInputConfig
from stra_live.sources.live_driver import LinkLostError
from stra_live.sources.live_packets import PacketAssembler

pytestmark = pytest.mark.timeout(30)

RES = (20, 30)
FAST = {"retry_interval_s": 0.01, "retry_max_s": 0.02, "poll_interval_s": 0.001,
        "heartbeat_s": 0.01}


class CountingDriver:
    """Another SDK's camera in a dozen lines: ten events per poll, then the cable is pulled."""

    has_frames = False
    resolution = RES

    def __init__(self, start_us: int, polls: int) -> None:
        self.name = "fake SDK camera"
        self.t, self.left = start_us, polls

    def poll(self, assembler: PacketAssembler) -> bool:
        if self.left == 0:
            raise LinkLostError("cable pulled")
        self.left -= 1
        t = self.t + np.arange(10)
        self.t += 10
        assembler.add_events(make_events(t, np.ones(10, int), np.ones(10, int),
                                         np.ones(10, int)))
        return True

    def close(self) -> None:
        self.left = 0


def test_a_small_driver_streams_loses_its_link_and_reconnects() -> None:
    opened: list[CountingDriver] = []

    def opener(cancel: threading.Event) -> CountingDriver:
        opened.append(CountingDriver(start_us=0, polls=3))  # its clock restarts every time
        return opened[-1]

    statuses: list[SourceStatus] = []
    source = LiveSource(opener, LiveInputConfig(reconnect=True, **FAST),  # type: ignore[arg-type]
                        name=lambda driver: driver.name, on_status=statuses.append)
    times: list[int] = []
    for packet in source.packets():
        times += packet.events["t"].tolist()
        if len(times) >= 60:
            source.close()
    assert len(opened) >= 2 and source.name == "fake SDK camera"
    assert np.all(np.diff(times) >= 0) and times[-1] > 29  # restarted clock shifted forward
    states = [s.state for s in statuses]
    assert "disconnected" in states and "connected" in states and states[-1] == "closed"
    assert any("cable pulled" in s.message and "reconnecting in" in s.message for s in statuses)


def test_without_reconnect_a_lost_link_ends_the_stream() -> None:
    source = LiveSource(lambda cancel: CountingDriver(0, polls=2),  # type: ignore[arg-type,return-value]
                        LiveInputConfig(reconnect=False, **FAST), name="cam")
    got = []
    with pytest.raises(SourceDisconnectedError, match="cable pulled"):
        for packet in source.packets():
            got.append(len(packet.events))
    assert sum(got) == 20  # everything received before the cut was delivered
