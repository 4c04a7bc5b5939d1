"""The STRA network, its configuration, checkpoints and device choice.

Nothing in this package imports Qt, ``ui`` or ``stra_live.engine``.
"""

from models.config import ModelConfig
from models.encodings import AttentionWeights, EventEncoding, FrameEncoding, MemoryEntry
from models.padding import crop, pad_to_multiple
from models.representation import InputRepresentation, build_event_input
from models.stra import STRA

__all__ = [
    "STRA",
    "AttentionWeights",
    "EventEncoding",
    "FrameEncoding",
    "InputRepresentation",
    "MemoryEntry",
    "ModelConfig",
    "build_event_input",
    "crop",
    "pad_to_multiple",
]
