"""The streaming engine: equal to the offline network, each encoding computed once, bounded."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from models.config import ModelConfig
from models.representation import InputRepresentation
from models.stra import STRA
from stra_live.engine.build import warm_up_engine
from stra_live.engine.config import EngineConfig
from stra_live.engine.engine import StreamingEngine
from stra_live.engine.runtime import ModelRuntime
from stra_live.errors import InputError
from stra_live.events import Frame, make_events
from stra_live.sources.base import Packet
from stra_live.voxel.window import window_grids_of

HEIGHT, WIDTH = 30, 44
FRAME_US = 10_000
EXPOSURE_US = 6_000


def tiny_runtime(seed: int = 0, **overrides: object) -> ModelRuntime:
    torch.manual_seed(seed)
    fields = {"channels": 4, "res_units": 1, "representation": InputRepresentation(bins=3),
              "attention_scale": 4, "attention_dim": 8, **overrides}
    config = ModelConfig(**fields)  # type: ignore[arg-type]
    model = STRA(config)
    # Non-trivial weights everywhere so that an input mix-up shows in the output.
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.05)
    return ModelRuntime(model, torch.device("cpu"))


def synthetic_stream(n_frames: int, seed: int = 0) -> tuple[list[Frame], np.ndarray]:
    """Frames every 10 ms with 6 ms exposures, and random events over the whole span."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_frames):
        start = 1_000 + i * FRAME_US
        image = rng.random((HEIGHT, WIDTH), dtype=np.float32)
        frames.append(Frame(image, start, start, start + EXPOSURE_US - 1))
    count = 400 * n_frames
    t = np.sort(rng.integers(0, 1_000 + n_frames * FRAME_US, count))
    events = make_events(t, rng.integers(0, WIDTH, count), rng.integers(0, HEIGHT, count),
                         rng.choice([-1, 1], count))
    return frames, events


def packets_of(frames: list[Frame], events: np.ndarray) -> list[Packet]:
    """One packet per frame interval; a frame travels with the packet where its exposure begins."""
    packets = []
    for i, frame in enumerate(frames):
        end = frame.timestamp + FRAME_US if i + 1 < len(frames) else int(events["t"][-1]) + 1
        lo, hi = np.searchsorted(events["t"], [frame.timestamp if i else 0, end])
        packets.append(Packet(events[lo:hi], (frame,), watermark=end))
    return packets


def offline_output(runtime: ModelRuntime, frames: list[Frame], events: np.ndarray,
                   i: int, neighbours: tuple[int, int, int] | None = None) -> np.ndarray:
    """The offline network on frames i-1, i, i+1 (or the given three)."""
    triplet = neighbours or (i - 1, i, i + 1)
    images = np.stack([frames[j].as_float() for j in triplet])
    voxels = np.stack([
        window_grids_of(runtime.config.representation, events, frames[j].exposure_start,
                        frames[j].exposure_end, (HEIGHT, WIDTH))
        for j in triplet
    ])
    return runtime.forward(images, voxels)


def run_stream(engine: StreamingEngine, packets: list[Packet]) -> dict[int, np.ndarray]:
    outputs = {}
    for packet in packets:
        engine.push(packet)
        while (result := engine.process("next")) is not None:
            outputs[result.index] = result.deblurred
    engine.finish()
    while (result := engine.process("next")) is not None:
        outputs[result.index] = result.deblurred
    return outputs


@pytest.mark.parametrize(
    "overrides",
    [{}, {"representation": InputRepresentation("voxel_edi", 3, (0.18, 0.3)),
          "attention": "cosine"},
     {"representation": InputRepresentation("voxel_edi", 3, (0.18, 0.3), edi_ramp_us=3000),
      "attention": "cosine"}],
    ids=["voxel-dot", "voxel_edi-cosine", "voxel_edi-ramped"],
)
def test_streaming_equals_offline_network_with_lookahead_1_and_k_2(overrides: dict) -> None:
    runtime = tiny_runtime(**overrides)
    frames, events = synthetic_stream(7)
    engine = StreamingEngine(runtime, EngineConfig(lookahead=1, memory_length=2),
                             (HEIGHT, WIDTH))
    outputs = run_stream(engine, packets_of(frames, events))
    assert sorted(outputs) == list(range(7))
    for i in range(1, 6):
        expected = offline_output(runtime, frames, events, i)
        np.testing.assert_allclose(outputs[i], expected, atol=1e-4)
    # A different neighbour would change the output: the test can tell frames apart.
    assert np.abs(outputs[3] - offline_output(runtime, frames, events, 2)).max() > 1e-3


def test_a_ramped_input_waits_for_the_events_its_ramps_reach() -> None:
    # The ramped EDI channels read events up to edi_ramp_us past the exposure: a frame
    # built as soon as its exposure ended would miss them and differ from the offline grids.
    frames, events = synthetic_stream(2)
    frame = frames[0]
    for ramp, complete in ((0.0, True), (3000.0, False)):
        representation = InputRepresentation("voxel_edi", 3, (0.18,), edi_ramp_us=ramp)
        runtime = tiny_runtime(representation=representation, attention="cosine")
        engine = StreamingEngine(runtime, EngineConfig(), (HEIGHT, WIDTH))
        early = frame.exposure_end + 1000
        engine.push(Packet(events[events["t"] < early], (frame,), watermark=early))
        assert (0 in engine._slots) is complete
        late = frame.exposure_end + 3001
        engine.push(Packet(events[(events["t"] >= early) & (events["t"] < late)], (),
                           watermark=late))
        assert 0 in engine._slots


def test_every_frame_and_sequence_is_encoded_once() -> None:
    runtime = tiny_runtime()
    frames, events = synthetic_stream(6)
    engine = StreamingEngine(runtime, EngineConfig(lookahead=1, memory_length=2),
                             (HEIGHT, WIDTH))
    run_stream(engine, packets_of(frames, events))
    assert engine.work.frames_encoded == 6
    assert engine.work.events_encoded == 6
    # Each sequence is a "future" entry once and a "past" entry once (except at the ends).
    assert engine.work.memory_entries == 2 * 6 - 2
    assert engine.work.decodes == 6


def test_pushing_only_copies_a_window_and_a_worker_builds_its_grids_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The grids (EDI's take milliseconds) must not be built inside push, which holds the
    # engine's lock that the decoder thread needs; a worker builds them, once per frame.
    import stra_live.engine.slots as slots

    built: list[int] = []
    real = slots.window_grids_of

    def counting(*args: object, **kwargs: object) -> np.ndarray:
        built.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(slots, "window_grids_of", counting)
    runtime = tiny_runtime(representation=InputRepresentation("voxel_edi", 3, (0.18, 0.3)))
    frames, events = synthetic_stream(4)
    engine = StreamingEngine(runtime, EngineConfig(), (HEIGHT, WIDTH))
    for packet in packets_of(frames, events):
        engine.push(packet)
    assert len(engine._slots) == 4 and not built
    slot = engine._slots[0]
    expected = window_grids_of(runtime.config.representation, events, frames[0].exposure_start,
                               frames[0].exposure_end, (HEIGHT, WIDTH))
    assert engine.prepare("next") == 4 and len(built) == 4
    np.testing.assert_array_equal(slot.voxel, expected)
    assert slot.events is None and len(built) == 4  # the copy is released, nothing rebuilt


def test_a_slot_s_frame_half_is_free_while_a_worker_encodes_its_events() -> None:
    # The two workers split a slot: while the encoder thread is inside the events' half,
    # the decoder must be able to encode the frame instead of waiting for the whole slot.
    runtime = tiny_runtime()
    frames, events = synthetic_stream(3)
    engine = StreamingEngine(runtime, EngineConfig(), (HEIGHT, WIDTH))
    for packet in packets_of(frames, events):
        engine.push(packet)
    slot = engine._slots[1]
    inside, release = threading.Event(), threading.Event()
    real = runtime.encode_events

    def blocking(*args: object) -> object:
        inside.set()
        assert release.wait(10)
        return real(*args)  # type: ignore[arg-type]

    runtime.encode_events = blocking  # type: ignore[method-assign]
    worker = threading.Thread(target=slot.prepare, args=(runtime, engine.work))
    worker.start()
    try:
        assert inside.wait(10)
        done = threading.Event()
        threading.Thread(target=lambda: (slot.frame_encoding(runtime, engine.work), done.set()),
                         daemon=True).start()
        assert done.wait(10), "the frame's half waited for the events' half"
        assert engine.work.frames_encoded == 1 and engine.work.events_encoded == 0
    finally:
        release.set()
        worker.join(10)
    assert slot.prepared and engine.work.frames_encoded == 1  # prepare did not encode it again
    assert engine.work.events_encoded == 1 and engine.work.memory_entries == 2


def test_causal_mode_outputs_without_waiting_for_the_next_frame() -> None:
    runtime = tiny_runtime()
    frames, events = synthetic_stream(3)
    engine = StreamingEngine(runtime, EngineConfig(lookahead=0, memory_length=3), (HEIGHT, WIDTH))
    packets = packets_of(frames, events)
    engine.push(packets[0])
    engine.push(packets[1])  # watermark passes frame 0's exposure
    result = engine.process("next")
    assert result is not None and result.index == 0
    assert result.stats.memory_entries == 0  # nothing in the past yet, no future when causal


def test_latest_policy_drops_and_counts_skipped_frames() -> None:
    runtime = tiny_runtime()
    frames, events = synthetic_stream(6)
    engine = StreamingEngine(runtime, EngineConfig(), (HEIGHT, WIDTH))
    for packet in packets_of(frames, events):
        engine.push(packet)
    result = engine.process("latest")
    # Frames 0-4 are ready (5 is 4's T+1): one frame of lag is allowed, older ones are skipped.
    assert result is not None and result.index == 3
    assert result.stats.frames_dropped == 3
    assert engine.work.frames_encoded == 2  # T and T+1; no encoded T-1, so T stands in


def test_latest_policy_reads_an_encoded_stand_in_for_a_skipped_t_minus_1() -> None:
    # Overload: frames 3 and 4 are skipped. Output 5 must not encode frame 4 just to be
    # its T-1 (that made every output cost three encodings): it reads frame 2, which is
    # encoded already, as T-1 and as its past TMB entry.
    runtime = tiny_runtime()
    frames, events = synthetic_stream(8)
    packets = packets_of(frames, events)
    engine = StreamingEngine(runtime, EngineConfig(lookahead=1, memory_length=2),
                             (HEIGHT, WIDTH))
    for packet in packets[:4]:
        engine.push(packet)
    assert engine.process("latest").index == 1
    for packet in packets[4:]:
        engine.push(packet)
    result = engine.process("latest")
    assert result.index == 5
    assert engine.work.frames_encoded == 4  # 1, 2, then 5, 6
    np.testing.assert_allclose(result.deblurred,
                               offline_output(runtime, frames, events, 5, (2, 5, 6)), atol=1e-4)
    assert np.abs(result.deblurred - offline_output(runtime, frames, events, 5)).max() > 1e-3


def test_latest_preparation_works_newest_first_one_frame_per_call() -> None:
    runtime = tiny_runtime()
    frames, events = synthetic_stream(6)
    engine = StreamingEngine(runtime, EngineConfig(lookahead=1, memory_length=2),
                             (HEIGHT, WIDTH))
    for packet in packets_of(frames, events)[:5]:
        engine.push(packet)  # frames 0-4 complete: the newest output is 3 (T+1 = 4)
    assert engine.prepare("latest") == 1
    assert engine.work.frames_encoded == 1 and engine._slots[4].prepared
    assert engine.prepare("latest") == 1 and engine._slots[3].prepared
    assert engine.prepare("latest") == 1 and engine._slots[2].prepared
    assert engine.prepare("latest") == 0  # older frames would only be skipped


def test_attention_maps_line_up_with_the_grid() -> None:
    runtime = tiny_runtime()
    frames, events = synthetic_stream(3)
    engine = StreamingEngine(runtime, EngineConfig(), (HEIGHT, WIDTH))
    for packet in packets_of(frames, events):
        engine.push(packet)
    result = engine.process("next", attention=True)
    assert result is not None and result.attention is not None
    maps = result.attention
    assert maps.grid == (32 // 4, 44 // 4)
    assert maps.sfb.shape == (88, 88)
    np.testing.assert_allclose(maps.sfb.sum(axis=1), 1.0, atol=1e-5)
    assert maps.tmb.shape[1] == len(maps.memory_timestamps)
    np.testing.assert_allclose(maps.tmb.sum(axis=(1, 2)), 1.0, atol=1e-5)
    assert maps.sfb_map(43, 29).shape == maps.grid


def test_memory_stays_bounded_when_nobody_reads_outputs() -> None:
    runtime = tiny_runtime()
    frames, events = synthetic_stream(80)
    engine = StreamingEngine(runtime, EngineConfig(), (HEIGHT, WIDTH))
    for packet in packets_of(frames, events):
        engine.push(packet)
    assert len(engine._slots) <= 64
    assert engine.stats().frames_dropped >= 80 - 64 - 1


def test_frame_of_the_wrong_resolution_is_named() -> None:
    engine = StreamingEngine(tiny_runtime(), EngineConfig(), (HEIGHT, WIDTH), source_name="cam")
    frame = Frame(np.zeros((20, 20), np.float32), 0, 0, 10)
    with pytest.raises(InputError, match="20x20 frame arrived in a 44x30 stream"):
        engine.push(Packet(frames=(frame,), watermark=100))


def test_events_only_stream_gives_event_images() -> None:
    _, events = synthetic_stream(5)
    engine = StreamingEngine(tiny_runtime(), EngineConfig(events_only_interval_ms=10),
                             (HEIGHT, WIDTH), has_frames=False)
    engine.push(Packet(events=events, watermark=int(events["t"][-1]) + 1))
    engine.finish()
    images = []
    while (result := engine.process("next")) is not None:
        assert result.deblurred is None and result.blurry is None
        images.append(result.event_image)
    assert len(images) == 6  # 51 ms of events in 10 ms intervals
    # Consecutive intervals tile the stream: every event is shown exactly once.
    assert sum(img.sum() for img in images) == events["p"].sum()


def test_events_only_view_stays_inside_the_buffer_horizon() -> None:
    _, events = synthetic_stream(5)
    # A 5 ms horizon drops most of the 51 ms stream before the first view is asked for.
    engine = StreamingEngine(tiny_runtime(), EngineConfig(events_only_interval_ms=10,
                                                          horizon_ms=5), (HEIGHT, WIDTH),
                             has_frames=False)
    engine.push(Packet(events=events, watermark=int(events["t"][-1]) + 1))
    engine.finish()
    horizon = engine._buffer.horizon_start
    assert horizon is not None
    shown = []
    while (result := engine.process("next")) is not None:
        shown.append(result.event_image.sum())
    assert shown  # the views start at the horizon instead of failing on dropped events
    assert sum(shown) == events["p"][events["t"] >= horizon].sum()


def test_stream_event_rate_is_the_recordings_own_rate() -> None:
    frames, events = synthetic_stream(5)
    engine = StreamingEngine(tiny_runtime(), EngineConfig(), (HEIGHT, WIDTH))
    for packet in packets_of(frames, events):
        engine.push(packet)
    span_s = (int(events["t"][-1]) - int(events["t"][0])) / 1e6
    # Pushed far faster than real time: the wall-clock rate says nothing about the file.
    assert engine.stats().stream_event_rate == pytest.approx(len(events) / span_s, rel=1e-6)


def test_warm_up_leaves_no_trace_in_the_outputs() -> None:
    frames, events = synthetic_stream(4)
    runtime = tiny_runtime()
    cold = run_stream(StreamingEngine(runtime, EngineConfig(), (HEIGHT, WIDTH)),
                      packets_of(frames, events))
    warm_up_engine(StreamingEngine(runtime, EngineConfig(), (HEIGHT, WIDTH)))
    engine = StreamingEngine(runtime, EngineConfig(), (HEIGHT, WIDTH))
    warm = run_stream(engine, packets_of(frames, events))
    assert sorted(warm) == sorted(cold) == [0, 1, 2, 3]
    for index, image in cold.items():
        np.testing.assert_array_equal(warm[index], image)
    assert engine.work.frames_encoded == 4  # the warm-up is not the engine's work


@pytest.mark.parametrize("has_frames, expected", [(True, 3), (False, 1)])
def test_warm_up_deblurs_its_synthetic_stream_and_ends(has_frames: bool, expected: int) -> None:
    # Every frame of the warm-up must reach the network, or some kernel would
    # compile on the first frames of the real stream; and it must end.
    engine = StreamingEngine(tiny_runtime(), EngineConfig(), (HEIGHT, WIDTH), has_frames)
    assert warm_up_engine(engine) == expected
    assert engine.stats().frames_in == (3 if has_frames else 0)
