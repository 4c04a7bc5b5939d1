"""The two halves of STRA's U-Net: a per-input Encoder and the Decoder (pure nn.Modules)."""

from __future__ import annotations

import torch
from torch import nn

from models.blocks import (
    NEGATIVE_SLOPE,
    Downsample,
    ResBlock,
    Upsample,
    conv1x1,
    conv3x3,
    from_grid,
)


class Encoder(nn.Module):
    """Stem, then per scale a ResBlock, with a stride-2 Downsample between scales.

    The stem is a 3x3 conv at full resolution (``stem_factor == 1``) or a
    pixel_unshuffle by ``stem_factor`` followed by a 3x3 conv (space-to-depth),
    after which everything runs at 1/stem_factor resolution.

    ``x: (B, in_channels, Hp, Wp)`` -> per scale s (fine to coarse)
    ``(B, channels * 2**s, Hp / (stem_factor * 2**s), Wp / (stem_factor * 2**s))``.
    """

    def __init__(
        self, in_channels: int, channels: int, units: int, stem_factor: int, levels: int
    ) -> None:
        super().__init__()
        unshuffle: list[nn.Module] = [nn.PixelUnshuffle(stem_factor)] if stem_factor > 1 else []
        self.stem = nn.Sequential(
            *unshuffle,
            conv3x3(in_channels * stem_factor**2, channels),
            nn.LeakyReLU(NEGATIVE_SLOPE, inplace=True),
        )
        widths = [channels * 2**s for s in range(levels)]
        self.blocks = nn.ModuleList(ResBlock(width, units) for width in widths)
        self.downs = nn.ModuleList(Downsample(width) for width in widths[:-1])

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Features of every scale, fine to coarse."""
        features = []
        x = self.stem(x)
        for s, block in enumerate(self.blocks):
            if s > 0:
                x = self.downs[s - 1](x)
            x = block(x)
            features.append(x)
        return tuple(features)


class Decoder(nn.Module):
    """Coarse-to-fine decoder with additive skips and attention-context injection.

    At each scale (coarse first): add the skip features and the context
    projected to the scale's width and bilinearly upsampled, run the scale's
    ResBlock, then upsample (transposed conv) to the next finer scale. A 3x3
    conv (and pixel_shuffle when the stem was space-to-depth) gives the output
    residual ``(B, 1, Hp, Wp)``. ``context_dim`` None = no context (ablation
    without SFB and TMB).
    """

    def __init__(
        self, channels: int, units: tuple[int, ...], stem_factor: int, context_dim: int | None
    ) -> None:
        super().__init__()
        widths = [channels * 2**s for s in range(len(units))]
        self.blocks = nn.ModuleList(ResBlock(w, n) for w, n in zip(widths, units, strict=True))
        self.ups = nn.ModuleList(Upsample(width) for width in widths[:-1])
        # No injection layers without a context, so every parameter gets a gradient.
        self.inject = nn.ModuleList(
            conv1x1(context_dim, width) for width in widths if context_dim is not None
        )
        shuffle: list[nn.Module] = [nn.PixelShuffle(stem_factor)] if stem_factor > 1 else []
        self.tail = nn.Sequential(conv3x3(channels, stem_factor**2), *shuffle)

    def forward(
        self, skips: tuple[torch.Tensor, ...], context: torch.Tensor | None
    ) -> torch.Tensor:
        """Decode.

        Args:
            skips: per scale, fine to coarse, ``(B, C * 2**s, h_s, w_s)``.
            context: (B, D, h, w) attention-grid features to inject, or None
                (nothing injected, e.g. the TMB alone with an empty memory).

        Returns:
            (B, 1, Hp, Wp) residual to add to the blurry centre frame.
        """
        if context is not None and len(self.inject) == 0:
            raise ValueError("this decoder was built without a context_dim")
        coarsest = len(self.blocks) - 1
        x = skips[coarsest]
        for s in reversed(range(len(self.blocks))):
            if s < coarsest:
                x = skips[s] + self.ups[s](x)
            if context is not None:
                x = x + from_grid(self.inject[s](context), (x.shape[-2], x.shape[-1]))
            x = self.blocks[s](x)
        return self.tail(x)
