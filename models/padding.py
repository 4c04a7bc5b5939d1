"""Pad inputs to the network's stride and crop outputs back (bottom/right, replicate)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def pad_to_multiple(x: torch.Tensor, multiple: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """Replicate-pad the last two axes at the bottom/right up to a multiple of ``multiple``.

    Replicate rather than reflect: reflect fails when the pad exceeds the
    image (tiny test images) and replicate invents no structure at the border.

    Args:
        x: (..., H, W) tensor with at least three axes (e.g. (B, C, H, W)).
        multiple: the stride, e.g. :attr:`models.stra.STRA.stride`.

    Returns:
        the padded (..., Hp, Wp) tensor and the original (H, W) for :func:`crop`.
    """
    if x.dim() < 3:
        raise ValueError(f"expected a tensor (..., H, W) with a batch axis, got {tuple(x.shape)}")
    height, width = x.shape[-2], x.shape[-1]
    pad_h = -height % multiple
    pad_w = -width % multiple
    if pad_h == 0 and pad_w == 0:
        return x, (height, width)
    flat = x.reshape(-1, 1, height, width)
    padded = F.pad(flat, (0, pad_w, 0, pad_h), mode="replicate")
    return padded.reshape(*x.shape[:-2], height + pad_h, width + pad_w), (height, width)


def crop(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Undo :func:`pad_to_multiple`: keep the top-left ``size`` = (H, W) of ``(..., Hp, Wp)``."""
    return x[..., : size[0], : size[1]]
