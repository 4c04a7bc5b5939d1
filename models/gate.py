"""The full-resolution last stage: per pixel, how much of the network's residual to keep.

The U-Net runs on 4x4-pixel cells and its detail level on 2x2, so the residual it adds
to the EDI base image is smooth at the scale of a pixel. Where the base is already
right, at the sharp edges of a scene seen by an ideal sensor, that residual blurs
them: on the ideal test files the shipped network scored a higher error than its own
base on the 20% of pixels with the strongest edges (camera, k = 13: 18.2 vs 15.1, in
units of 1e-4 of mean squared error) while beating it everywhere else. A gate needs
to see each pixel to know where that happens; two narrow convolutions at full
resolution are enough, and cost a few percent of the streamed step.
"""

from __future__ import annotations

import torch
from torch import nn

from models.blocks import NEGATIVE_SLOPE, conv3x3


class PixelGate(nn.Module):
    """``base + residual * (1 + tanh(g)) + a``, with ``g`` and ``a`` predicted per pixel.

    ``g`` scales the residual between none of it and twice it; ``a`` corrects what
    neither the base nor the residual has. Both come from the full-resolution images
    (blurry frame and EDI latents) and the residual itself. The last convolution
    starts at zero, so a gate added to a trained network starts at its output.

    ``base, residual: (B, 1, Hp, Wp)``, ``images: (B, image_channels, Hp, Wp)`` ->
    ``(B, 1, Hp, Wp)``.
    """

    def __init__(self, image_channels: int, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            conv3x3(image_channels + 1, channels),
            nn.LeakyReLU(NEGATIVE_SLOPE, inplace=True),
            conv3x3(channels, 2),
        )
        nn.init.zeros_(self.body[-1].weight)
        nn.init.zeros_(self.body[-1].bias)

    def forward(self, base: torch.Tensor, residual: torch.Tensor,
                images: torch.Tensor) -> torch.Tensor:
        """The gated output image."""
        gate, correction = self.body(torch.cat([images, residual], dim=1)).chunk(2, dim=1)
        return base + residual * (1.0 + torch.tanh(gate)) + correction
