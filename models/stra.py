"""STRA (IJCAI 2022): event-guided deblurring of the centre of three blurry frames.

Data flow for output T (``forward`` and, piece by piece, the streaming engine):

1. ``encode_frame`` on each of the frames T-1, T, T+1 (one shared encoder;
   nothing depends on the neighbours, so a frame is encoded once and reused by
   the three outputs that need it).
2. ``encode_events`` on each of the three event voxel grids (one shared event
   encoder, plus the grid fusion and the TMB's shared conv).
3. ``memory_entry`` turns the T-1 sequence into a "past" and the T+1 sequence
   into a "future" TMB entry (key, value).
4. ``decode``: per scale, the three frames' features are fused (concat + 1x1
   conv, CB_s) and the current events' features added; the TMB reads the memory
   for the current sequence; the SFB attends from the current events (plus the
   TMB read-out) to the fused frames on the attention grid; its output is
   injected at every decoder scale; the decoder predicts a residual added to
   the blurry centre frame (scaled and corrected per pixel first when the
   network has a :class:`models.gate.PixelGate`).

Event inputs arrive already built by
:func:`models.representation.build_event_input` (the representation named in
the configuration); with EDI channels, the residual is added to the EDI image
instead of the blurry frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from models.attention import Role, SpatialFusionBlock, TemporalMemoryBlock
from models.blocks import NEGATIVE_SLOPE, GridFusion, conv1x1
from models.config import LEVELS, ModelConfig
from models.encodings import AttentionWeights, EventEncoding, FrameEncoding, MemoryEntry
from models.gate import PixelGate
from models.padding import crop, pad_to_multiple
from models.unet import Decoder, DetailLevel, Encoder

NEIGHBOURS = 3
"""Frames (and event sequences) per output: T-1, T, T+1."""


class STRA(nn.Module):
    """The STRA network with a streaming decomposition (see the module docstring).

    Attributes:
        config: the architecture.
        stride: inputs to ``encode_*``/``decode`` must be padded to a multiple of
            this (use :meth:`pad`); ``forward`` pads and crops itself.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.stride = config.stride
        c = config
        widths = [c.channels * 2**s for s in range(LEVELS)]
        cell_sizes = tuple(c.stem_factor * 2**s for s in range(LEVELS))
        self.frame_encoder = Encoder(1, c.channels, c.encoder_units, c.stem_factor, LEVELS)
        self.frame_fuse = nn.ModuleList(
            nn.Sequential(conv1x1(NEIGHBOURS * w, w), nn.LeakyReLU(NEGATIVE_SLOPE, inplace=True))
            for w in widths
        )
        attends = c.use_sfb or c.use_tmb
        dim = c.attention_dim
        # Parts an ablation switches off are None: no unused parameters, no dead weights.
        self.event_encoder: Encoder | None = None
        self.event_skip: nn.ModuleList | None = None
        self.event_grid: GridFusion | None = None
        self.frame_grid: GridFusion | None = None
        self.sfb: SpatialFusionBlock | None = None
        self.tmb: TemporalMemoryBlock | None = None
        if c.use_events:
            self.event_encoder = Encoder(
                c.representation.channels, c.channels, c.encoder_units, c.stem_factor, LEVELS
            )
            self.event_skip = nn.ModuleList(conv1x1(w, w) for w in widths)
            if attends:
                self.event_grid = GridFusion(c.channels, dim, cell_sizes, c.attention_scale)
        if c.use_sfb:
            self.frame_grid = GridFusion(c.channels, dim, cell_sizes, c.attention_scale)
            self.sfb = SpatialFusionBlock(dim, c.attention)
        if c.use_tmb:
            self.tmb = TemporalMemoryBlock(dim, c.attention)
        units = (c.res_units,) * (LEVELS - 1) + (c.encoder_units,)
        self.decoder = Decoder(
            c.channels, units, c.stem_factor, c.attention_dim if attends else None
        )
        self.detail: DetailLevel | None = None
        if c.detail_channels:
            edi_images = c.representation.edi_channels if c.use_events else 0
            voxel_images = c.representation.bins if c.detail_events else 0
            # Voxel channels come last, so a network grown from one without them
            # starts where it stopped (their new weights start at zero).
            self.detail = DetailLevel(c.channels, c.detail_channels,
                                      1 + edi_images + voxel_images,
                                      c.stem_factor, c.detail_units)
        self.gate: PixelGate | None = None
        if c.gate_channels:
            edi_images = c.representation.edi_channels if c.use_events else 0
            self.gate = PixelGate(1 + edi_images, c.channels, c.stem_factor, c.gate_channels)

    def pad(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
        """Pad ``(..., H, W)`` to a multiple of :attr:`stride`; returns it and (H, W)."""
        return pad_to_multiple(x, self.stride)

    def _check_padded(self, x: torch.Tensor, channels: int, what: str) -> None:
        if x.dim() != 4 or x.shape[1] != channels:
            raise ValueError(f"{what}: expected (B, {channels}, H, W), got {tuple(x.shape)}")
        if x.shape[-2] % self.stride or x.shape[-1] % self.stride:
            raise ValueError(
                f"{what}: size {tuple(x.shape[-2:])} is not a multiple of the stride "
                f"{self.stride}; pad it with STRA.pad first"
            )

    def encode_frame(self, frame: torch.Tensor) -> FrameEncoding:
        """Encode one padded blurry frame ``(B, 1, Hp, Wp)`` in [0, 1]."""
        self._check_padded(frame, 1, "frame")
        return FrameEncoding(scales=self.frame_encoder(frame))

    def encode_events(self, event_input: torch.Tensor) -> EventEncoding:
        """Encode one padded event input ``(B, channels, Hp, Wp)`` (see models.representation)."""
        if self.event_encoder is None:
            raise ValueError("encode_events: this model was built with use_events=False")
        representation = self.config.representation
        self._check_padded(event_input, representation.channels, "event input")
        scales = self.event_encoder(event_input)
        grid = self.event_grid(scales) if self.event_grid is not None else None
        shared = self.tmb.embed(grid) if self.tmb is not None and grid is not None else None
        base_channel = representation.base_channel
        edi = None if base_channel is None else event_input[:, base_channel:]
        base = None if edi is None else edi[:, :1]
        voxel = event_input[:, :representation.bins] if self.config.detail_events else None
        return EventEncoding(scales=scales, grid=grid, shared=shared, base=base, edi=edi,
                             voxel=voxel)

    def memory_entry(self, encoding: EventEncoding, role: Role) -> MemoryEntry:
        """TMB key and value of a neighbouring sequence ("past" = T-1, "future" = T+1)."""
        if self.tmb is None or encoding.shared is None:
            raise ValueError("memory_entry: this model was built with use_tmb=False")
        return self.tmb.memory_entry(encoding.shared, role)

    def decode(
        self,
        frames: tuple[FrameEncoding, FrameEncoding, FrameEncoding],
        blurry_centre: torch.Tensor,
        events: EventEncoding | None,
        memory: Sequence[MemoryEntry] = (),
        return_attention: bool = False,
    ) -> tuple[torch.Tensor, AttentionWeights | None]:
        """Deblur the centre frame from cached encodings.

        Args:
            frames: encodings of frames T-1, T, T+1.
            blurry_centre: (B, 1, Hp, Wp) the padded blurry frame T; the
                residual's base unless the events carry one (EDI channels).
            events: encoding of the current (T) event sequence; None only for
                a frames-only model.
            memory: K >= 0 TMB entries (normally past and future); ignored when
                the TMB is off; K = 0 means the TMB contributes nothing.
            return_attention: also return the attention weights.

        Returns:
            (B, 1, Hp, Wp) deblurred frame (not clipped) and the attention
            weights or None.
        """
        c = self.config
        if c.use_events and events is None:
            raise ValueError("decode: this model needs the current event encoding")
        cb = tuple(
            fuse(torch.cat([f.scales[s] for f in frames], dim=1))
            for s, fuse in enumerate(self.frame_fuse)
        )
        skips = cb
        if self.event_skip is not None and events is not None:
            skips = tuple(
                x + proj(e) for x, proj, e in zip(cb, self.event_skip, events.scales, strict=True)
            )
        context, sfb_weights, tmb_weights = self._attend(cb, events, memory, return_attention)
        base = events.base if events is not None and events.base is not None else blurry_centre
        residual, features = self.decoder(skips, context)
        if self.detail is not None:
            images = torch.cat([blurry_centre, *self._detail_inputs(events)], dim=1)
            residual = residual + self.detail(features, images)
        if self.gate is not None:
            edi = [events.edi] if events is not None and events.edi is not None else []
            output = self.gate(base, residual, torch.cat([blurry_centre, *edi], dim=1), features)
        else:
            output = base + residual
        if not return_attention:
            return output, None
        height, width = blurry_centre.shape[-2:]
        grid = (height // c.attention_scale, width // c.attention_scale)
        if tmb_weights is None:
            nq = grid[0] * grid[1]
            tmb_weights = output.new_zeros(output.shape[0], nq, 0, nq)
        return output, AttentionWeights(grid, c.attention_scale, sfb_weights, tmb_weights)

    @staticmethod
    def _detail_inputs(events: EventEncoding | None) -> list[torch.Tensor]:
        """The event images a detail level reads beside the blurry frame, in channel order."""
        if events is None:
            return []
        return [x for x in (events.edi, events.voxel) if x is not None]

    def _attend(
        self,
        cb: tuple[torch.Tensor, ...],
        events: EventEncoding | None,
        memory: Sequence[MemoryEntry],
        need_weights: bool,
    ) -> tuple[torch.Tensor | None, torch.Tensor | None, torch.Tensor | None]:
        """TMB then SFB on the attention grid: (context, sfb weights, tmb weights).

        The weights are None unless ``need_weights`` (computing them is slower).
        """
        temporal = tmb_weights = None
        if self.tmb is not None and events is not None and events.shared is not None:
            temporal, tmb_weights = self.tmb(events.shared, memory, need_weights)
        if self.sfb is None or self.frame_grid is None:
            return temporal, None, tmb_weights
        frame_grid = self.frame_grid(cb)
        query = events.grid if events is not None and events.grid is not None else frame_grid
        if temporal is not None:
            query = query + temporal
        context, sfb_weights = self.sfb(query, frame_grid, need_weights)
        return context, sfb_weights, tmb_weights

    def forward(
        self, frames: torch.Tensor, voxels: torch.Tensor, return_attention: bool = False
    ) -> tuple[torch.Tensor, AttentionWeights | None]:
        """Deblur the centre of three frames.

        Args:
            frames: (B, 3, H, W) blurry frames T-1, T, T+1 in [0, 1], any H, W.
            voxels: (B, 3, channels, H, W) their event inputs, built by
                :func:`models.representation.build_event_input` (ignored by a
                frames-only model).
            return_attention: also return the attention weights (on the padded grid).

        Returns:
            (B, 1, H, W) deblurred frame T (not clipped), and the attention
            weights or None.
        """
        bins = self.config.representation.channels
        if frames.dim() != 4 or frames.shape[1] != NEIGHBOURS:
            raise ValueError(f"frames: expected (B, 3, H, W), got {tuple(frames.shape)}")
        expected = (frames.shape[0], NEIGHBOURS, bins, *frames.shape[-2:])
        if self.config.use_events and tuple(voxels.shape) != expected:
            raise ValueError(f"voxels: expected {expected}, got {tuple(voxels.shape)}")
        padded, size = self.pad(frames)
        batch, _, height, width = padded.shape
        # The three frames go through the shared encoder as one batch (same result, faster).
        scales = self.encode_frame(padded.reshape(batch * NEIGHBOURS, 1, height, width)).scales
        per_frame = [x.unflatten(0, (batch, NEIGHBOURS)) for x in scales]
        past, current, future = (FrameEncoding(tuple(x[:, i] for x in per_frame)) for i in range(3))
        events, memory = self._encode_sequences(voxels)
        output, attention = self.decode(
            (past, current, future), padded[:, 1:2], events, memory, return_attention
        )
        return crop(output, size), attention

    def _encode_sequences(
        self, voxels: torch.Tensor
    ) -> tuple[EventEncoding | None, list[MemoryEntry]]:
        """Current event encoding and the [past, future] memory of ``(B, 3, bins, H, W)``."""
        if not self.config.use_events:
            return None, []
        padded, _ = self.pad(voxels)
        if not self.config.use_tmb:
            return self.encode_events(padded[:, 1]), []
        batch, _, bins, height, width = padded.shape
        joint = self.encode_events(padded.reshape(batch * NEIGHBOURS, bins, height, width))

        def pick(i: int) -> EventEncoding:
            def take(x: torch.Tensor) -> torch.Tensor:
                return x.unflatten(0, (batch, NEIGHBOURS))[:, i]

            return EventEncoding(
                scales=tuple(take(x) for x in joint.scales),
                grid=take(joint.grid) if joint.grid is not None else None,
                shared=take(joint.shared) if joint.shared is not None else None,
                base=take(joint.base) if joint.base is not None else None,
                edi=take(joint.edi) if joint.edi is not None else None,
                voxel=take(joint.voxel) if joint.voxel is not None else None,
            )

        past, current, future = pick(0), pick(1), pick(2)
        return current, [self.memory_entry(past, "past"), self.memory_entry(future, "future")]
