"""Choose the torch device the network runs on."""

from __future__ import annotations

import torch

PREFERENCES = ("auto", "cpu", "cuda")
"""Accepted device preferences; "cuda:N" picks a given GPU."""


def pick_device(preference: str = "auto") -> torch.device:
    """CUDA when present (for "auto"), else CPU; "cpu"/"cuda"/"cuda:N" force a choice.

    Raises:
        ValueError: an unknown preference, or CUDA requested but unavailable
            (the message says which and why).
    """
    choice = preference.strip().lower()
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cpu":
        return torch.device("cpu")
    if choice == "cuda" or choice.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ValueError(
                f"device {preference!r} requested but CUDA is not available "
                f"(torch {torch.__version__}, built with CUDA: {torch.version.cuda or 'no'}); "
                "use 'cpu' or 'auto'"
            )
        index = choice.partition(":")[2]
        if index and (not index.isdigit() or int(index) >= torch.cuda.device_count()):
            raise ValueError(
                f"device {preference!r}: there are {torch.cuda.device_count()} CUDA device(s)"
            )
        return torch.device(choice)
    raise ValueError(f"device must be one of {PREFERENCES} or 'cuda:N', got {preference!r}")
