"""Intermediate results of the streaming decomposition of STRA, and its attention maps.

Each object is computed once per frame or event sequence and reused by every
output that needs it (a frame is the T+1, T and T-1 input of three outputs).
They hold tensors on the model's device; nothing here is mutated after creation.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class FrameEncoding:
    """Encoder features of one blurry frame (independent of its neighbours).

    Attributes:
        scales: per scale, fine to coarse, ``(B, C * 2**s, Hp / (f * 2**s), Wp / (f * 2**s))``
            with f the stem factor and (Hp, Wp) the padded frame size.
    """

    scales: tuple[torch.Tensor, ...]


@dataclass(frozen=True)
class EventEncoding:
    """Encoder features of one event sequence, and its TMB embedding.

    Attributes:
        scales: per scale, fine to coarse, shaped as in :class:`FrameEncoding`.
        grid: ``(B, D, h, w)`` the scales fused on the attention grid
            (h = Hp / attention_scale, D = attention_dim); None when the model
            has neither SFB nor TMB.
        shared: ``(B, D, h, w)`` output of the TMB's shared convolution, the
            input of its query (current sequence) and of its specific
            convolutions (memory entries); None when the TMB is off.
        base: ``(B, 1, Hp, Wp)`` the image the decoder's residual is added to
            when the representation provides one (its EDI channel); None = the
            blurry frame.
        edi: ``(B, n, Hp, Wp)`` every EDI channel of the input (the first is
            ``base``), which a detail level reads at full resolution; None
            when the representation has none.
        voxel: ``(B, bins, Hp, Wp)`` the input's voxel channels, kept only
            when a detail level reads them (``ModelConfig.detail_events``).
    """

    scales: tuple[torch.Tensor, ...]
    grid: torch.Tensor | None
    shared: torch.Tensor | None
    base: torch.Tensor | None = None
    edi: torch.Tensor | None = None
    voxel: torch.Tensor | None = None


@dataclass(frozen=True)
class MemoryEntry:
    """One event sequence as a TMB memory entry.

    Attributes:
        key: ``(B, D, Nk)`` keys over the Nk = h * w attention cells.
        value: ``(B, Nk, D)`` values at the same cells.
    """

    key: torch.Tensor
    value: torch.Tensor


@dataclass(frozen=True)
class AttentionWeights:
    """Attention weights of one forward pass, on the attention grid.

    Query and key index ``q = gy * grid[1] + gx`` (row-major), and grid cell
    ``(gy, gx)`` covers padded-image pixels ``[gy*scale, (gy+1)*scale)`` along
    each axis, as in :class:`stra_live.engine.results.AttentionMaps`.

    Attributes:
        grid: (h, w) of the attention grid.
        scale: image pixels per grid cell along each axis.
        sfb: ``(B, Nq, Nk)`` SFB weights of each event query over the frame
            positions, rows sum to 1; None when the SFB is off.
        tmb: ``(B, Nq, K, Nk)`` TMB weights of each current-sequence query over
            the K memory entries' positions, ``tmb[b, q].sum() == 1``; K = 0
            when the TMB is off or the memory is empty.
    """

    grid: tuple[int, int]
    scale: int
    sfb: torch.Tensor | None
    tmb: torch.Tensor
