"""The full-resolution last stage: per pixel, how much of the network's residual to keep.

The U-Net runs on 4x4-pixel cells and its detail level on 2x2, so the residual it adds
to the EDI base image is smooth at the scale of a pixel. Where the base is already
right, at the sharp edges of a scene seen by an ideal sensor, that residual blurs
them: on the ideal test files the shipped network scored a higher error than its own
base on the 20% of pixels with the strongest edges (camera, k = 13: 18.2 vs 15.1, in
units of 1e-4 of mean squared error) while beating it everywhere else. Keeping the
base wherever it has a strong edge would win 0.9-1.2 dB on those files but lose up to
1 dB on a realistic sensor, whose base edges are wrong: so the gate sees each pixel
(two narrow convolutions at full resolution) and also the decoder's features, which
know what sensor and scene the frame came from. Whether a sensor's edges can be
trusted is a property of the whole recording (its contrast threshold, its noise), not
of a pixel, so the hidden layer is also shifted by a vector computed from its own
mean over the frame.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from models.blocks import NEGATIVE_SLOPE, conv1x1, conv3x3


class PixelGate(nn.Module):
    """``base + residual * (1 + tanh(g)) + a``, with ``g`` and ``a`` predicted per pixel.

    ``g`` scales the residual between none of it and twice it; ``a`` corrects what
    neither the base nor the residual has. Both come from one hidden layer that
    adds a 3x3 convolution of the full-resolution images (blurry frame, EDI latents)
    and the residual to a 1x1 convolution of the decoder's finest features, repeated
    over each of their ``cell`` x ``cell`` pixels, and then shifted by a linear map of
    its mean over the frame (the frame's sensor and scene). That map and the last
    convolution start at zero, so a gate added to a trained network starts at its
    output.

    ``base, residual: (B, 1, Hp, Wp)``, ``images: (B, image_channels, Hp, Wp)``,
    ``features: (B, feature_channels, Hp / cell, Wp / cell)`` -> ``(B, 1, Hp, Wp)``.
    """

    def __init__(self, image_channels: int, feature_channels: int, cell: int,
                 channels: int) -> None:
        super().__init__()
        self.cell = cell
        self.local = conv3x3(image_channels + 1, channels)
        self.context = conv1x1(feature_channels, channels)
        self.act = nn.LeakyReLU(NEGATIVE_SLOPE)
        self.frame = nn.Linear(channels, channels)
        nn.init.zeros_(self.frame.weight)
        nn.init.zeros_(self.frame.bias)
        self.out = conv3x3(channels, 2)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, base: torch.Tensor, residual: torch.Tensor, images: torch.Tensor,
                features: torch.Tensor) -> torch.Tensor:
        """The gated output image."""
        context = self.context(features)
        if self.cell > 1:
            context = F.interpolate(context, scale_factor=self.cell, mode="nearest")
        hidden = self.local(torch.cat([images, residual], dim=1)) + context
        frame = self.frame(self.act(hidden).mean(dim=(2, 3)))
        hidden = self.act(hidden + frame[:, :, None, None])
        gate, correction = self.out(hidden).chunk(2, dim=1)
        return base + residual * (1.0 + torch.tanh(gate)) + correction
