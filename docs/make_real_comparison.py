"""Save docs/davis346_before_after.png: APS frame | EDI | STRA on a real DAVIS346 recording.

Real sensors have no ground truth, so this is a picture, not a score: the
recording's own APS frame, EDI (c = 0.18) at the centre of its exposure, and
the shipped network, both from the frame's own exposure-window events. Usage:

    .venv/bin/python docs/make_real_comparison.py \\
        [--data ../shared/data/real/davis346_aedat_test.aedat4] [--index 30] \\
        [--checkpoint FILE] [--out docs/davis346_before_after.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import imageio.v3 as iio
import numpy as np

from stra_live.engine.runtime import ModelRuntime
from stra_live.evaluation.edi import edi_deblur
from stra_live.evaluation.protocol import window_events
from stra_live.io.aedat4 import read_aedat4
from stra_live.voxel.window import event_span, window_grids_of

DOCS = Path(__file__).resolve().parent
REAL = DOCS.parent.parent / "shared" / "data" / "real" / "davis346_aedat_test.aedat4"
GAP = 4


def main() -> None:
    """Render the strip and print what went into it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REAL, help="AEDAT4 file with APS frames")
    parser.add_argument("--index", type=int, default=30, help="frame to show (has neighbours)")
    parser.add_argument("--checkpoint", type=Path, default=None, help="default: the CPU weights")
    parser.add_argument("--out", type=Path, default=DOCS / "davis346_before_after.png")
    args = parser.parse_args()
    recording = read_aedat4(args.data)
    frames = recording.frames[args.index - 1:args.index + 2]
    if len(frames) != 3 or args.index < 1:
        raise SystemExit(f"--index {args.index}: needs a frame with both neighbours")
    height, width = recording.resolution
    runtime = ModelRuntime.load(args.checkpoint, "cpu")
    voxels = np.stack([
        window_grids_of(runtime.config.representation,
                        window_events(recording.events, *event_span(
                            runtime.config.representation, f.exposure_start, f.exposure_end)),
                        f.exposure_start, f.exposure_end, (height, width))
        for f in frames
    ])
    images = np.stack([f.as_float() for f in frames])
    current = frames[1]
    centre = (current.exposure_start + current.exposure_end) // 2
    edi = edi_deblur(images[1], recording.events, current.exposure_start, current.exposure_end,
                     centre)
    stra = runtime.forward(images, voxels)
    gap = np.ones((height, GAP), np.float32)
    strip = np.concatenate([images[1], gap, edi, gap, stra], axis=1)
    iio.imwrite(args.out, np.rint(np.clip(strip, 0, 1) * 255).astype(np.uint8))
    count = len(window_events(recording.events, current.exposure_start, current.exposure_end))
    print(f"frame {args.index}: exposure {current.exposure_end - current.exposure_start + 1} us, "
          f"{count} events; wrote {args.out} (APS frame | EDI c=0.18 | STRA)")


if __name__ == "__main__":
    main()
