"""Small convolutional building blocks of the STRA U-Net (pure nn.Modules)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

NEGATIVE_SLOPE = 0.1
"""LeakyReLU slope used throughout; a small slope keeps dead units trainable."""


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution with 'same' padding (output H/stride x W/stride for even H, W)."""
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1)


def conv1x1(in_channels: int, out_channels: int) -> nn.Conv2d:
    """1x1 convolution (per-pixel linear map of channels)."""
    return nn.Conv2d(in_channels, out_channels, 1)


class ResUnit(nn.Module):
    """Two 3x3 convs with a LeakyReLU between them, plus an identity skip.

    ``x: (B, C, H, W) -> (B, C, H, W)``.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = conv3x3(channels, channels)
        self.conv2 = conv3x3(channels, channels)
        self.act = nn.LeakyReLU(NEGATIVE_SLOPE, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``x + conv2(act(conv1(x)))``."""
        return x + self.conv2(self.act(self.conv1(x)))


class ResBlock(nn.Sequential):
    """``units`` ResUnits in sequence: ``(B, C, H, W) -> (B, C, H, W)``."""

    def __init__(self, channels: int, units: int) -> None:
        super().__init__(*(ResUnit(channels) for _ in range(units)))


class Downsample(nn.Sequential):
    """Stride-2 3x3 conv doubling the channels: ``(B, C, H, W) -> (B, 2C, H/2, W/2)``."""

    def __init__(self, channels: int) -> None:
        super().__init__(
            conv3x3(channels, 2 * channels, stride=2), nn.LeakyReLU(NEGATIVE_SLOPE, inplace=True)
        )


class Upsample(nn.Sequential):
    """2x2 transposed conv halving the channels: ``(B, 2C, H, W) -> (B, C, 2H, 2W)``."""

    def __init__(self, channels: int) -> None:
        super().__init__(
            nn.ConvTranspose2d(2 * channels, channels, 2, stride=2),
            nn.LeakyReLU(NEGATIVE_SLOPE, inplace=True),
        )


def to_grid(x: torch.Tensor, ratio: float) -> torch.Tensor:
    """Resample features onto a grid ``ratio`` times coarser (a power of two or its inverse).

    Average pooling going coarser (every pixel contributes), nearest going finer.
    ``x: (B, C, H, W) -> (B, C, H/ratio, W/ratio)``.
    """
    if ratio > 1:
        return F.avg_pool2d(x, int(ratio))
    if ratio < 1:
        return F.interpolate(x, scale_factor=round(1 / ratio), mode="nearest")
    return x


def from_grid(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear resize of grid features to ``size`` = (H, W): ``(B, C, h, w) -> (B, C, H, W)``."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class GridFusion(nn.Module):
    """Fuse the U-Net scales on the attention grid: ``Conv(Concat(X1 down, X2 down, X3))``.

    Scale s of ``features`` has ``channels * 2**s`` channels and
    ``cell_sizes[s]`` image pixels per cell; each is resampled to
    ``attention_scale`` pixels per cell, concatenated, and mixed by a 1x1 conv
    to ``dim`` channels: ``-> (B, dim, Hp / attention_scale, Wp / attention_scale)``.
    """

    def __init__(
        self, channels: int, dim: int, cell_sizes: tuple[int, ...], attention_scale: int
    ) -> None:
        super().__init__()
        self.ratios = tuple(attention_scale / size for size in cell_sizes)
        total = sum(channels * 2**s for s in range(len(cell_sizes)))
        self.mix = nn.Sequential(conv1x1(total, dim), nn.LeakyReLU(NEGATIVE_SLOPE, inplace=True))

    def forward(self, features: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """Per-scale features (fine to coarse) -> (B, dim, h, w) grid features."""
        resampled = [to_grid(x, r) for x, r in zip(features, self.ratios, strict=True)]
        return self.mix(torch.cat(resampled, dim=1))
