"""The object that owns the network at run time: device, precision, padding, tensors.

The streaming engine speaks NumPy; the network speaks padded tensors. This
runtime is the one place that converts between them, so the engine's caches
hold encodings already on the device and in the right layout.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch

from models.checkpoint import load_checkpoint
from models.config import ModelConfig
from models.device import pick_device
from models.encodings import AttentionWeights, EventEncoding, FrameEncoding, MemoryEntry
from models.padding import crop
from models.representation import build_event_input
from models.stra import STRA
from models.weights import DEFAULT, default_weights

log = logging.getLogger(__name__)


def default_checkpoint() -> Path:
    """The shipped weights the app runs unless told otherwise (:data:`models.weights.DEFAULT`,
    on every device; the paper configuration, trained for 507 CPU steps only, scores below
    EDI and is no default)."""
    return default_weights(DEFAULT)


class ModelRuntime:
    """STRA on a device, fed with NumPy images and voxel grids.

    Args:
        model: the network (moved to ``device`` and put in eval mode here).
        device: where it runs.
        precision: "fp32", "fp16" or "bf16" (the last two via CUDA autocast;
            on CPU everything runs in fp32).
    """

    def __init__(self, model: STRA, device: torch.device, precision: str = "fp32") -> None:
        self.model = model.to(device).eval()
        self.config: ModelConfig = model.config
        self.device = device
        self.precision = precision if device.type == "cuda" else "fp32"
        self._dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(self.precision)

    @classmethod
    def load(cls, checkpoint: Path | None, device: str = "auto",
             precision: str = "auto") -> ModelRuntime:
        """Load a checkpoint (None = the shipped weights for the device).

        Raises:
            CheckpointError: the file is missing, corrupt or of another architecture.
            ValueError: CUDA requested but absent.
        """
        torch_device = pick_device(device)
        path = checkpoint if checkpoint is not None else default_checkpoint()
        model, _, _ = load_checkpoint(path, device="cpu")
        if precision == "auto":
            bf16 = torch_device.type == "cuda" and torch.cuda.is_bf16_supported()
            precision = "bf16" if bf16 else ("fp16" if torch_device.type == "cuda" else "fp32")
        log.info("loaded %s on %s (%s)", path, torch_device, precision)
        return cls(model, torch_device, precision)

    @property
    def label(self) -> str:
        """Device and precision for the status bar, e.g. "cpu (fp32)"."""
        return f"{self.device} ({self.precision})"

    @property
    def uses_events(self) -> bool:
        """False for a frames-only network."""
        return self.config.use_events

    @contextlib.contextmanager
    def _inference(self) -> Iterator[None]:
        with torch.inference_mode():
            if self._dtype is None:
                yield
            else:
                with torch.autocast(self.device.type, dtype=self._dtype):
                    yield

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        """(C, H, W) or (H, W) array -> padded (1, C, Hp, Wp) float32 tensor on the device."""
        tensor = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
        if tensor.dim() == 2:
            tensor = tensor[None]
        padded, _ = self.model.pad(tensor[None].to(self.device, non_blocking=True))
        return padded

    def padded_frame(self, image: np.ndarray) -> torch.Tensor:
        """(H, W) float32 image in [0, 1] -> padded (1, 1, Hp, Wp) tensor."""
        return self._tensor(image)

    def encode_frame(self, padded_frame: torch.Tensor) -> FrameEncoding:
        """Encoder features of one padded frame."""
        with self._inference():
            return self.model.encode_frame(padded_frame)

    def event_input(self, voxel: np.ndarray, image: np.ndarray) -> np.ndarray:
        """The network's (channels, H, W) input of a (bins, H, W) voxel grid and (H, W) frame."""
        return build_event_input(self.config.representation, voxel, image)

    def encode_events(self, voxel: np.ndarray, image: np.ndarray) -> EventEncoding | None:
        """Encoder features of one window: its (bins, H, W) voxel grid and (H, W) blurry frame.

        None for a frames-only network.
        """
        if not self.uses_events:
            return None
        event_input = self.event_input(voxel, image)
        with self._inference():
            return self.model.encode_events(self._tensor(event_input))

    def memory_entry(self, encoding: EventEncoding | None, role: str) -> MemoryEntry | None:
        """TMB key/value of a sequence in a role ("past"/"future"); None without a TMB."""
        if encoding is None or not self.config.use_tmb:
            return None
        with self._inference():
            return self.model.memory_entry(encoding, role)  # type: ignore[arg-type]

    def decode(
        self,
        frames: tuple[FrameEncoding, FrameEncoding, FrameEncoding],
        padded_centre: torch.Tensor,
        events: EventEncoding | None,
        memory: Sequence[MemoryEntry],
        size: tuple[int, int],
        attention: bool,
    ) -> tuple[np.ndarray, AttentionWeights | None]:
        """Deblurred (H, W) float32 image in [0, 1] and, on request, the attention weights."""
        with self._inference():
            output, weights = self.model.decode(frames, padded_centre, events, memory, attention)
        image = crop(output, size)[0, 0].float().clamp(0.0, 1.0).cpu().numpy()
        return image, weights

    def forward(self, frames: np.ndarray, voxels: np.ndarray) -> np.ndarray:
        """The offline network on (3, H, W) frames and (3, bins, H, W) voxels -> (H, W) in [0, 1].

        Recomputes every encoding: the naive reference the streaming engine is
        measured against.
        """
        return self.forward_with_attention(frames, voxels, attention=False)[0]

    def forward_with_attention(
        self, frames: np.ndarray, voxels: np.ndarray, attention: bool = True
    ) -> tuple[np.ndarray, AttentionWeights | None]:
        """As :meth:`forward`, plus the attention weights (None when ``attention`` is False)."""
        frame_tensor = torch.from_numpy(np.ascontiguousarray(frames, dtype=np.float32))[None]
        inputs = np.stack([self.event_input(v, f) for v, f in zip(voxels, frames, strict=True)])
        voxel_tensor = torch.from_numpy(inputs)[None]
        with self._inference():
            output, weights = self.model(frame_tensor.to(self.device),
                                         voxel_tensor.to(self.device), attention)
        return output[0, 0].float().clamp(0.0, 1.0).cpu().numpy(), weights
