"""One complete APS frame in the stream, and the work done on it, computed once.

A frame is the T+1, then T, then T-1 input of three consecutive outputs, and
its event sequence is a "future" then a "past" TMB memory entry. A
:class:`FrameSlot` computes each of those on first use and keeps it, so the
streaming engine never encodes anything twice. Two workers may ask for the
same slot at once (the encoder working ahead, the decoder needing it now):
a lock makes the second wait for the first's result instead of computing it
again. There are two locks, one for the frame's half of the work and one for
the events' half (grids, event encoding, TMB entries), so the two workers can
split a slot between them: the encoder prepares the events' half first, and a
decoder that needs the slot meanwhile encodes the frame itself instead of
waiting (a step's two halves then run on two cores). The window's raw grids
(voxel bins, EDI gains) are part of that work: the engine only copies the
window's events into the slot, so the grids are built on a worker.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import torch

from models.encodings import EventEncoding, FrameEncoding, MemoryEntry
from models.representation import InputRepresentation
from stra_live.engine.runtime import ModelRuntime
from stra_live.events import Frame
from stra_live.voxel.window import window_grids_of


@dataclass
class WorkCounter:
    """How many times each kind of network work ran (tests check nothing runs twice)."""

    frames_encoded: int = 0
    events_encoded: int = 0
    memory_entries: int = 0
    decodes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, kind: str, count: int = 1) -> None:
        """Count ``count`` more of ``kind`` (e.g. "decodes"); safe from any thread."""
        with self._lock:
            setattr(self, kind, getattr(self, kind) + count)


@dataclass
class FrameSlot:
    """A frame whose exposure window is complete, with lazily cached encodings.

    Attributes:
        index: running index of the frame in the stream.
        frame: the APS frame.
        image: (H, W) float32 in [0, 1].
        events: (N,) EVENT_DTYPE copy of the exposure window's events, in time
            order; dropped once the grids are built.
        representation: the network's input representation.
        source: names the stream in error messages.
        complete_at: monotonic time at which its events were all buffered.
    """

    index: int
    frame: Frame
    image: np.ndarray
    events: np.ndarray | None
    representation: InputRepresentation
    source: str
    complete_at: float
    _grids: np.ndarray | None = None
    _padded: torch.Tensor | None = None
    _frame_encoding: FrameEncoding | None = None
    _event_encoding: EventEncoding | None = None
    _event_encoded: bool = False
    _entries: dict[str, MemoryEntry | None] = field(default_factory=dict)
    _frame_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Re-entrant: an entry needs the event encoding, which needs the grids.
    _event_lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def centre_us(self) -> int:
        """Centre of the exposure window, microseconds."""
        return (self.frame.exposure_start + self.frame.exposure_end) // 2

    @property
    def voxel(self) -> np.ndarray:
        """(raw_channels, H, W) float32 raw grids of the exposure window, built on first use
        (:func:`stra_live.voxel.window.window_grids`)."""
        with self._event_lock:
            if self._grids is None:
                assert self.events is not None
                self._grids = window_grids_of(
                    self.representation, self.events, self.frame.exposure_start,
                    self.frame.exposure_end, self.frame.resolution, source=self.source)
                self.events = None
            return self._grids

    @property
    def event_image(self) -> np.ndarray:
        """(H, W) float32 signed event count of the exposure window."""
        return self.voxel[:self.representation.bins].sum(axis=0)

    def padded(self, runtime: ModelRuntime) -> torch.Tensor:
        """The padded image tensor on the runtime's device."""
        with self._frame_lock:
            return self._padded_image(runtime)

    def _padded_image(self, runtime: ModelRuntime) -> torch.Tensor:
        if self._padded is None:
            self._padded = runtime.padded_frame(self.image)
        return self._padded

    def frame_encoding(self, runtime: ModelRuntime, counter: WorkCounter) -> FrameEncoding:
        """Encoder features of the frame (computed on first use)."""
        with self._frame_lock:
            if self._frame_encoding is None:
                self._frame_encoding = runtime.encode_frame(self._padded_image(runtime))
                counter.add("frames_encoded")
            return self._frame_encoding

    def event_encoding(self, runtime: ModelRuntime, counter: WorkCounter) -> EventEncoding | None:
        """Encoder features of the event sequence (None for a frames-only network)."""
        with self._event_lock:
            if not self._event_encoded:
                self._event_encoding = runtime.encode_events(self.voxel, self.image)
                self._event_encoded = True
                counter.add("events_encoded", self._event_encoding is not None)
            return self._event_encoding

    def memory_entry(self, role: str, runtime: ModelRuntime,
                     counter: WorkCounter) -> MemoryEntry | None:
        """TMB entry of the sequence in ``role`` ("past" or "future"), computed once per role."""
        with self._event_lock:
            if role not in self._entries:
                entry = runtime.memory_entry(self.event_encoding(runtime, counter), role)
                self._entries[role] = entry
                counter.add("memory_entries", entry is not None)
            return self._entries[role]

    @property
    def prepared(self) -> bool:
        """True once :meth:`prepare` (or decoding) computed the frame and event encodings."""
        return self._frame_encoding is not None and self._event_encoded

    def prepare(self, runtime: ModelRuntime, counter: WorkCounter) -> None:
        """Compute everything later outputs will ask of this slot, ahead of time.

        The event encoding and both TMB roles, then the frame encoding: whichever
        role the decoder needs then costs it nothing. The events' half comes
        first because the decoder asks for frame encodings first: one that needs
        this slot before it is ready encodes the frame while this thread is still
        on the events.
        """
        self.event_encoding(runtime, counter)
        for role in ("past", "future"):
            self.memory_entry(role, runtime, counter)
        self.frame_encoding(runtime, counter)
