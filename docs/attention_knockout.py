"""Does a trained network use its attention? Score it with each block's map made uniform.

For the SFB and then the TMB, every query is replaced by zeros, so the block's
softmax weights are exactly uniform (each query reads the mean of the values)
while everything else stays as trained. A block whose maps carry information
costs PSNR when knocked out; one the decoder ignores costs nothing. This is an
inference-time test of the trained weights, not an ablation trained at a matched
budget (the README says which is which). Run from the repository root:

    .venv/bin/python docs/attention_knockout.py \
        --checkpoint models/weights/stra_realtime.safetensors
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import torch

from stra_live.evaluation.runner import evaluate, find_recordings
from stra_live.evaluation.stra import StraDeblurrer


@contextlib.contextmanager
def uniform_attention(block: torch.nn.Module) -> Iterator[None]:
    """Within the block, queries are zero: softmax over equal logits is uniform."""
    similarity = block.similarity
    trained = similarity.query
    similarity.query = lambda query: torch.zeros_like(trained(query))
    try:
        yield
    finally:
        del similarity.query  # back to the class's method


def main(argv: list[str] | None = None) -> int:
    """Print PSNR per test cell: as trained, SFB uniform, TMB uniform."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--data", type=Path, nargs="+",
                        default=[Path("cache/test/ideal"), Path("cache/test/realistic")])
    parser.add_argument("--blur-frames", type=int, nargs="+", default=[7, 13])
    args = parser.parse_args(argv)
    method = StraDeblurrer(args.checkpoint, device="cpu")
    model = method.runtime.model
    variants = {"as trained": contextlib.nullcontext}
    if model.config.use_sfb:
        variants["SFB uniform"] = lambda: uniform_attention(model.sfb)
    if model.config.use_tmb:
        variants["TMB uniform"] = lambda: uniform_attention(model.tmb)
    for folder in args.data:
        files = find_recordings(folder)
        for k in args.blur_frames:
            scores = []
            for name, variant in variants.items():
                with variant():
                    scores.append((name, evaluate(files, method, k).psnr))
            base = scores[0][1]
            cells = ", ".join(f"{name} {psnr:.2f}" + (f" ({psnr - base:+.2f})" if i else "")
                              for i, (name, psnr) in enumerate(scores))
            print(f"{folder.name} k={k}: {cells} dB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
