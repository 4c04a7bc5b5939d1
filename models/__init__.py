"""The STRA network, its configuration, checkpoints and device choice.

Nothing in this package imports Qt, ``ui`` or ``stra_live.engine``.
"""

from models.config import ModelConfig
from models.encodings import AttentionWeights, EventEncoding, FrameEncoding, MemoryEntry
from models.padding import crop, pad_to_multiple
from models.stra import STRA, normalise_voxel

__all__ = [
    "STRA",
    "AttentionWeights",
    "EventEncoding",
    "FrameEncoding",
    "MemoryEntry",
    "ModelConfig",
    "crop",
    "normalise_voxel",
    "pad_to_multiple",
]
