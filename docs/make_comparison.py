"""Save docs/comparison.png: blurry | EDI | STRA | ground truth on one held-out test frame.

The frame comes from a test-split sequence written by `stra-sim --textures test`
(scenes never used in training), blurred by the evaluation protocol with k
sharp frames. Usage:

    .venv/bin/python docs/make_comparison.py --data cache/test/test_camera_seed7000.h5 \
        [--blur-frames 13] [--index 5] [--checkpoint FILE] [--out docs/comparison.png]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import imageio.v3 as iio
import numpy as np

from models.weights import DEFAULT, default_weights
from stra_live.evaluation.methods import make_deblurrer
from stra_live.evaluation.metrics import psnr
from stra_live.evaluation.protocol import scored_triplets, windows_for
from stra_live.io.hdf5 import read_hqf

DOCS = Path(__file__).resolve().parent
GAP = 4
"""White pixels between panels."""


def main() -> None:
    """Render the comparison strip and print each panel's PSNR."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="HQF test file")
    parser.add_argument("--blur-frames", type=int, default=13, help="k (default 13)")
    parser.add_argument("--index", type=int, default=5, help="scored frame to show")
    parser.add_argument("--checkpoint", type=Path, default=default_weights(DEFAULT))
    parser.add_argument("--out", type=Path, default=DOCS / "comparison.png")
    args = parser.parse_args()

    recording = read_hqf(args.data)
    triplet = next(itertools.islice(scored_triplets(windows_for(recording, args.blur_frames)),
                                    args.index, None))
    current = triplet[1]
    panels = {"blurry": current.blurry}
    for name in ("edi", "stra"):
        method = make_deblurrer(name, checkpoint=args.checkpoint, device="cpu")
        panels[name] = np.clip(method(*triplet, recording.events), 0.0, 1.0)
    panels["ground truth"] = current.sharp
    for name, image in panels.items():
        print(f"{name:>12}: PSNR {psnr(current.sharp, image):.2f} dB")
    height = current.sharp.shape[0]
    gap = np.ones((height, GAP), np.float32)
    strip = np.concatenate(list(itertools.chain.from_iterable(
        (image, gap) for image in panels.values()))[:-1], axis=1)
    iio.imwrite(args.out, np.rint(strip * 255).astype(np.uint8))
    print(f"wrote {args.out} (left to right: {', '.join(panels)})")


if __name__ == "__main__":
    main()
