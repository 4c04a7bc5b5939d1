"""Inference-time folding of space-to-depth stems into one strided convolution.

A stem ``pixel_unshuffle(f)`` then a 3x3 convolution over the f x f cells is,
exactly, a (3f x 3f) convolution with stride f and padding f over the pixels:
cell (u, v)'s 3x3 neighbourhood is the 3f x 3f pixel square that starts f
pixels before it. On CPU the strided convolution skips the shuffled copy of the
input (which at 9 input channels costs as much as the convolution itself), so
the runtime folds the stems once after loading. Checkpoints and training keep
the unshuffled form, so weights load as before.
"""

from __future__ import annotations

import torch
from torch import nn


def folded_conv(unshuffle: nn.PixelUnshuffle, conv: nn.Conv2d) -> nn.Conv2d:
    """The strided convolution equal to ``conv(unshuffle(x))``.

    ``conv`` must be a 3x3, stride-1, padding-1 convolution over the
    ``C * f * f`` channels pixel_unshuffle makes, channel ``c * f * f + i * f + j``
    holding the pixel at (row i, column j) of each cell.
    """
    f = unshuffle.downscale_factor
    out_channels, cell_channels, kh, kw = conv.weight.shape
    if (kh, kw) != (3, 3) or conv.stride != (1, 1) or conv.padding != (1, 1) or conv.groups != 1:
        raise ValueError("folded_conv: expected a 3x3, stride-1, padding-1 convolution")
    if cell_channels % (f * f):
        raise ValueError(f"folded_conv: {cell_channels} channels are not C * {f}**2")
    channels = cell_channels // (f * f)
    # (o, c, i, j, a, b) -> (o, c, a, i, b, j): pixel (a * f + i, b * f + j) of the kernel.
    weight = conv.weight.detach().reshape(out_channels, channels, f, f, 3, 3)
    weight = weight.permute(0, 1, 4, 2, 5, 3).reshape(out_channels, channels, 3 * f, 3 * f)
    folded = nn.Conv2d(channels, out_channels, 3 * f, stride=f, padding=f,
                       bias=conv.bias is not None)
    with torch.no_grad():
        folded.weight.copy_(weight)
        if conv.bias is not None:
            folded.bias.copy_(conv.bias.detach())
    return folded.to(device=conv.weight.device, dtype=conv.weight.dtype)


def fold_stems(model: nn.Module) -> int:
    """Replace every ``Sequential(PixelUnshuffle, Conv2d, ...)`` in ``model`` in place.

    Returns:
        How many stems were folded (0 for networks with a plain conv stem).
    """
    folded = 0
    for module in model.modules():
        if not isinstance(module, nn.Sequential) or len(module) < 2:
            continue
        first, second = module[0], module[1]
        if isinstance(first, nn.PixelUnshuffle) and isinstance(second, nn.Conv2d):
            rest = list(module)[2:]
            conv = folded_conv(first, second)
            for index in range(len(module) - 1, -1, -1):
                del module[index]
            for layer in (conv, *rest):
                module.append(layer)
            folded += 1
    return folded
