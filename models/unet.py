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
    residual ``(B, 1, Hp, Wp)``, returned with the features it came from.
    ``context_dim`` None = no context (ablation without SFB and TMB).
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
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Decode.

        Args:
            skips: per scale, fine to coarse, ``(B, C * 2**s, h_s, w_s)``.
            context: (B, D, h, w) attention-grid features to inject, or None
                (nothing injected, e.g. the TMB alone with an empty memory).

        Returns:
            (B, 1, Hp, Wp) residual to add to the blurry centre frame, and the
            finest scale's features ``(B, C, h_0, w_0)`` it came from (what a
            :class:`DetailLevel` refines).
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
        return self.tail(x), x


class DetailLevel(nn.Module):
    """A narrow last decoder level at half the stem's cell size, fed by the images.

    A space-to-depth stem of 4 runs the whole U-Net on 4x4-pixel cells, which
    halves the cost but loses detail the residual cannot put back from 16
    channels. This level upsamples the decoder's finest features to 2x2-pixel
    cells (``detail_channels`` wide, a fraction of the cost of a full-width
    level), adds a skip computed from the full-resolution images (blurry frame
    and EDI latents), runs ``units`` res-units and adds its residual to the coarse
    tail's. Its last conv starts at zero, so a warm start begins from the
    coarse network's output.

    ``features: (B, C, Hp / f, Wp / f)``, ``images: (B, n, Hp, Wp)`` ->
    ``(B, 1, Hp, Wp)``.
    """

    def __init__(self, channels: int, detail_channels: int, image_channels: int,
                 stem_factor: int, units: int = 1) -> None:
        super().__init__()
        half = stem_factor // 2
        unshuffle: list[nn.Module] = [nn.PixelUnshuffle(half)] if half > 1 else []
        shuffle: list[nn.Module] = [nn.PixelShuffle(half)] if half > 1 else []
        self.up = nn.Sequential(
            nn.ConvTranspose2d(channels, detail_channels, 2, stride=2),
            nn.LeakyReLU(NEGATIVE_SLOPE, inplace=True),
        )
        self.skip = nn.Sequential(
            *unshuffle,
            conv3x3(image_channels * half**2, detail_channels),
            nn.LeakyReLU(NEGATIVE_SLOPE, inplace=True),
        )
        self.block = ResBlock(detail_channels, units)
        self.tail = nn.Sequential(conv3x3(detail_channels, half**2), *shuffle)
        nn.init.zeros_(self.tail[0].weight)
        nn.init.zeros_(self.tail[0].bias)

    def forward(self, features: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
        """Residual correction at full resolution."""
        return self.tail(self.block(self.up(features) + self.skip(images)))
