"""STRA's two attention blocks, on a coarse attention grid (pure nn.Modules).

Both run on an (h, w) grid of ``attention_scale``-pixel cells, so an attention
matrix has (h*w)^2 entries: 690^2 for a 240x180 frame at scale 8, where full
resolution would need 43200^2 = 1.9e9.

Two similarity measures (``ModelConfig.attention``):

* ``"dot"``: the paper's non-local block, softmax(q . k / sqrt(D)). Trained on
  a CPU budget its weights stayed within a few percent of uniform: with
  small, freshly initialised projections every logit is near zero, nothing
  tells a query where it sits, and the read-out is a blurred global mean the
  decoder learns to ignore.
* ``"cosine"``: queries and keys first receive a fixed 2-D sinusoidal position
  code (scaled by a learned gain), are L2-normalised, and their cosine is
  multiplied by a learned temperature (log-parametrised, started at 10, capped
  at 100; as in Swin Transformer V2). The position code makes "my own cell and
  its neighbours" the prior from the first step, and the temperature lets a
  query commit to a few cells instead of averaging all 690.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from models.blocks import NEGATIVE_SLOPE, conv1x1, conv3x3
from models.encodings import MemoryEntry

AttentionKind = Literal["dot", "cosine"]

Role = Literal["past", "future"]
"""Which neighbour an event sequence is to the current one: T-1 = "past", T+1 = "future"."""

ROLES: tuple[Role, ...] = ("past", "future")


def _tokens(x: torch.Tensor) -> torch.Tensor:
    """``(B, D, h, w) -> (B, h*w, D)`` with row-major cell index."""
    return x.flatten(2).transpose(1, 2)


_INITIAL_TEMPERATURE = 10.0
_MAX_TEMPERATURE = 100.0


def position_code(dim: int, height: int, width: int, like: torch.Tensor) -> torch.Tensor:
    """Fixed 2-D sinusoidal code ``(1, dim, height, width)`` on ``like``'s device and dtype.

    Half the channels encode the row, half the column, each as sin/cos pairs
    at wavelengths from 2 to about 4x the grid's size, so nearby cells have
    similar codes and distant ones do not.
    """
    quarter = max(dim // 4, 1)
    wavelengths = 2.0 * (2.0 * max(height, width)) ** (
        torch.arange(quarter, device=like.device, dtype=torch.float32) / quarter
    )
    rows = torch.arange(height, device=like.device, dtype=torch.float32)
    cols = torch.arange(width, device=like.device, dtype=torch.float32)
    row_phase = 2 * math.pi * rows[None, :, None] / wavelengths[:, None, None]
    col_phase = 2 * math.pi * cols[None, None, :] / wavelengths[:, None, None]
    parts = [wave(phase).expand(-1, height, width)
             for phase in (row_phase, col_phase) for wave in (torch.sin, torch.cos)]
    code = torch.cat(parts)[:dim]
    if code.shape[0] < dim:
        code = torch.cat([code, code.new_zeros(dim - code.shape[0], height, width)])
    return code[None].to(like.dtype)


class Similarity(nn.Module):
    """Turns projected query and key maps into the operands of a softmax attention.

    For "dot" it only flattens them; for "cosine" it adds the position code,
    normalises, and folds the learned temperature into the queries, so both
    kinds then run the same :func:`_softmax_attention` with scale 1 / sqrt(D)
    or 1.
    """

    def __init__(self, dim: int, kind: AttentionKind) -> None:
        super().__init__()
        if kind not in ("dot", "cosine"):
            raise ValueError(f"attention kind must be 'dot' or 'cosine', got {kind!r}")
        self.kind = kind
        if kind == "cosine":
            self.log_temperature = nn.Parameter(torch.tensor(math.log(_INITIAL_TEMPERATURE)))
            self.position_gain = nn.Parameter(torch.tensor(1.0))
        # The code depends only on the grid, device and dtype; building it is a dozen small
        # ops, a visible share of a streamed step's attention on a CPU, so it is kept.
        self._codes: dict[tuple[int, int, int, torch.device, torch.dtype], torch.Tensor] = {}

    @property
    def scale(self) -> float | None:
        """Scale passed to the softmax attention (None = 1 / sqrt(D))."""
        return 1.0 if self.kind == "cosine" else None

    def key(self, key: torch.Tensor) -> torch.Tensor:
        """``(B, D, h, w)`` projected keys -> ``(B, D, Nk)``."""
        if self.kind == "cosine":
            key = F.normalize(self._placed(key), dim=1)
        return key.flatten(2)

    def query(self, query: torch.Tensor) -> torch.Tensor:
        """``(B, D, h, w)`` projected queries -> ``(B, Nq, D)``, temperature folded in."""
        if self.kind == "dot":
            return _tokens(query)
        temperature = self.log_temperature.clamp(max=math.log(_MAX_TEMPERATURE)).exp()
        return _tokens(F.normalize(self._placed(query), dim=1)) * temperature

    @property
    def temperature(self) -> float:
        """The current temperature (1 / sqrt(D) is implied for "dot": reported as 0)."""
        if self.kind == "dot":
            return 0.0
        return float(self.log_temperature.clamp(max=math.log(_MAX_TEMPERATURE)).exp())

    def _placed(self, x: torch.Tensor) -> torch.Tensor:
        _, d, h, w = x.shape
        key = (d, h, w, x.device, x.dtype)
        code = self._codes.get(key)
        if code is None:
            code = self._codes[key] = position_code(d, h, w, x)
        return x + self.position_gain * code


def _softmax_attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                       need_weights: bool, scale: float | None = None,
                       ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Softmax attention ``softmax(scale * query @ key) @ value``.

    Args:
        query: (B, Nq, D); key: (B, D, Nk); value: (B, Nk, D).
        need_weights: also return the (B, Nq, Nk) weights.
        scale: logit scale; None = 1 / sqrt(D).

    Returns:
        the read-out (B, Nq, D) and the weights, or None without need_weights.

    Without weights, PyTorch's fused kernel never materialises the (Nq, Nk)
    score matrix: 3x faster on CPU for the TMB's 690 x 1380 scores, whose
    3.8 MB spill out of a core's L2 cache. Same result up to float rounding.
    """
    if not need_weights:
        # The fused CPU kernel wants (B, heads, N, D) inputs with D contiguous;
        # anything else falls back to a path slower than the explicit one.
        query, key, value = (x.contiguous().unsqueeze(1)
                             for x in (query, key.transpose(1, 2), value))
        read = F.scaled_dot_product_attention(query, key, value, scale=scale)
        return read.squeeze(1), None
    # Scaling the (Nq, D) queries is cheaper than scaling the (Nq, Nk) scores.
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    weights = torch.softmax((query * factor) @ key, dim=-1)
    return weights @ value, weights


class SpatialFusionBlock(nn.Module):
    """Non-local attention from event features (query) to frame features (key, value).

    ``theta`` projects the event features to queries, ``phi`` and ``g`` the
    frame features to keys and values; every query's weights over the frame
    positions are softmax-normalised and read out the values. As in a
    non-local block, the read-out is projected and added to the query features,
    so what the queries carry (events, TMB read-out) also reaches the output.
    ``kind`` chooses the similarity (see the module docstring).
    """

    def __init__(self, dim: int, kind: AttentionKind = "dot") -> None:
        super().__init__()
        self.similarity = Similarity(dim, kind)
        self.theta = conv1x1(dim, dim)
        self.phi = conv1x1(dim, dim)
        self.g = conv1x1(dim, dim)
        self.out = conv1x1(dim, dim)

    def forward(
        self, events: torch.Tensor, frames: torch.Tensor, need_weights: bool = True
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Fuse frame features into the event positions.

        Args:
            events: (B, D, h, w) query features.
            frames: (B, D, h, w) key/value features on the same grid.
            need_weights: return the attention weights (slower; see :func:`_softmax_attention`).

        Returns:
            fused ``events + out(read)`` (B, D, h, w) and weights (B, Nq, Nk)
            with Nq = Nk = h*w, rows summing to 1 (None without need_weights).
        """
        b, d, h, w = events.shape
        query = self.similarity.query(self.theta(events))
        key = self.similarity.key(self.phi(frames))
        value = _tokens(self.g(frames))
        read, weights = _softmax_attention(query, key, value, need_weights, self.similarity.scale)
        read = read.transpose(1, 2).reshape(b, d, h, w)
        return events + self.out(read), weights


class TemporalMemoryBlock(nn.Module):
    """Memory read-out of the neighbouring event sequences for the current one.

    Every sequence passes the ``shared`` conv once (:meth:`embed`); a neighbour's
    key and value then come from its role's specific conv (:meth:`memory_entry`),
    and the current sequence's query attends over all entries' keys at once
    (one softmax over K * Nk positions) to read their values (:meth:`forward`).
    ``kind`` chooses the similarity (see the module docstring); with "cosine"
    the position code tells a query which cells of a neighbour are its own.
    """

    def __init__(self, dim: int, kind: AttentionKind = "dot") -> None:
        super().__init__()
        self.dim = dim
        self.similarity = Similarity(dim, kind)
        self.shared = nn.Sequential(conv3x3(dim, dim), nn.LeakyReLU(NEGATIVE_SLOPE, inplace=True))
        self.specific = nn.ModuleDict({role: conv1x1(dim, 2 * dim) for role in ROLES})
        self.query = conv1x1(dim, dim)
        self.out = conv1x1(dim, dim)

    def embed(self, grid: torch.Tensor) -> torch.Tensor:
        """Shared conv: ``(B, D, h, w) -> (B, D, h, w)``."""
        return self.shared(grid)

    def memory_entry(self, shared: torch.Tensor, role: Role) -> MemoryEntry:
        """Key (B, D, Nk) and value (B, Nk, D) of a neighbour from its shared features."""
        if role not in self.specific:
            raise ValueError(f"memory role must be one of {ROLES}, got {role!r}")
        key, value = self.specific[role](shared).chunk(2, dim=1)
        return MemoryEntry(key=self.similarity.key(key), value=_tokens(value))

    def forward(
        self, shared: torch.Tensor, memory: Sequence[MemoryEntry], need_weights: bool = True
    ) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """Read the memory for the current sequence.

        Args:
            shared: (B, D, h, w) shared-conv features of the current sequence.
            memory: K >= 0 entries with Nk positions each.
            need_weights: return the attention weights (slower; see :func:`_softmax_attention`).

        Returns:
            temporal features (B, D, h, w), or None when K = 0 (nothing to read),
            and weights (B, Nq, K, Nk) with ``weights[b, q].sum() == 1`` (None
            without need_weights).
        """
        b, d, h, w = shared.shape
        nq = h * w
        if not memory:
            return None, shared.new_zeros(b, nq, 0, nq)
        nk = memory[0].key.shape[-1]
        if any(entry.key.shape[-1] != nk for entry in memory):
            raise ValueError("memory entries cover different attention grids")
        query = self.similarity.query(self.query(shared))
        keys = torch.cat([entry.key for entry in memory], dim=-1)
        values = torch.cat([entry.value for entry in memory], dim=1)
        read, weights = _softmax_attention(query, keys, values, need_weights,
                                           self.similarity.scale)
        read = read.transpose(1, 2).reshape(b, d, h, w)
        if weights is not None:
            weights = weights.reshape(b, nq, len(memory), nk)
        return self.out(read), weights
