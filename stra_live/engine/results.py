"""Typed, frozen results the streaming engine hands to its consumers (app, headless runner).

These objects cross thread boundaries (worker -> GUI), so they hold only
NumPy arrays and plain values, never tensors, and are never mutated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AttentionMaps:
    """Attention weights of one deblurred frame, for the inspector.

    The attention runs on a coarse grid: grid cell ``(gy, gx)`` covers image
    pixels ``[gy*scale, (gy+1)*scale) x [gx*scale, (gx+1)*scale)`` (the network
    pads the image at the bottom/right, so the grid may extend past it).
    Query index ``q = gy * grid[1] + gx``.

    Attributes:
        grid: (grid_h, grid_w) of the attention grid.
        scale: image pixels per grid cell along each axis.
        sfb: (Nq, Nk) float32; row q = the SFB weights of query q (event
            features) over frame positions; each row sums to 1.
        tmb: (Nq, K, Nk) float32; the TMB weights of query q over the K memory
            entries' positions; ``tmb[q].sum() == 1`` (one softmax over all entries).
        memory_timestamps: K exposure-centre times (us) of the memory entries, in
            the order of ``tmb``'s second axis.
    """

    grid: tuple[int, int]
    scale: int
    sfb: np.ndarray
    tmb: np.ndarray
    memory_timestamps: tuple[int, ...]

    def query_index(self, x: int, y: int) -> int:
        """Query index of image pixel (x=column, y=row), clamped to the grid."""
        gy = min(max(y // self.scale, 0), self.grid[0] - 1)
        gx = min(max(x // self.scale, 0), self.grid[1] - 1)
        return gy * self.grid[1] + gx

    def sfb_map(self, x: int, y: int) -> np.ndarray:
        """(grid_h, grid_w) SFB heat map for the query at image pixel (x, y)."""
        return self.sfb[self.query_index(x, y)].reshape(self.grid)

    def tmb_maps(self, x: int, y: int) -> np.ndarray:
        """(K, grid_h, grid_w) TMB heat maps, one per memory entry, for pixel (x, y)."""
        return self.tmb[self.query_index(x, y)].reshape(-1, *self.grid)


@dataclass(frozen=True)
class EngineStats:
    """Running figures of the engine, for the status bar and the headless JSON.

    Attributes:
        device: e.g. "cpu" or "cuda:0 (bf16)".
        input_fps: APS frames per second arriving from the source.
        output_fps: deblurred frames per second leaving the engine.
        latency_p50_ms, latency_p95_ms: from a frame's exposure being complete
            (its events buffered) to its deblurred output, over a recent window.
        event_rate: events per second arriving from the source, by the wall
            clock over the last two seconds (what the engine is being fed now:
            in a lossless run over a file, as fast as inference takes them).
        stream_event_rate: events per second of *stream* time since the start
            (events received / their time span): the recording's own rate.
        frames_in, frames_out, frames_dropped: counts since the stream started.
        memory_entries: event sequences currently held in the TMB memory.
    """

    device: str
    input_fps: float = 0.0
    output_fps: float = 0.0
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0
    event_rate: float = 0.0
    stream_event_rate: float = 0.0
    frames_in: int = 0
    frames_out: int = 0
    frames_dropped: int = 0
    memory_entries: int = 0


@dataclass(frozen=True)
class DeblurResult:
    """One output of the engine: a blurry APS frame and its deblurred version.

    Attributes:
        index: running index of the input frame in the stream.
        timestamp: us, the exposure centre of the frame.
        blurry: (H, W) float32 in [0, 1], the input APS frame; None for events-only streams.
        deblurred: (H, W) float32 in [0, 1]; None for events-only streams.
        event_image: (H, W) float32 signed event count of the exposure window
            (or of the last display interval for events-only streams).
        attention: the frame's attention maps when requested, else None.
        stats: engine figures at the time of this result.
        frame_timestamp: us, the APS frame's own timestamp (AEDAT4: exposure
            start), so recordings pair each deblurred frame with its raw frame;
            None for events-only streams.
    """

    index: int
    timestamp: int
    blurry: np.ndarray | None
    deblurred: np.ndarray | None
    event_image: np.ndarray
    attention: AttentionMaps | None
    stats: EngineStats
    frame_timestamp: int | None = None
