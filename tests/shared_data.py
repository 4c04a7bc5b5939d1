"""Where the shared real recordings are: ``../shared`` beside the checkout, else /work/shared.

Set ``STRA_SHARED_DIR`` to point elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path


def shared_dir() -> Path:
    """The shared folder (PROTOCOL.md, data/real/), the first candidate that exists."""
    candidates = [Path(os.environ["STRA_SHARED_DIR"])] if "STRA_SHARED_DIR" in os.environ else []
    candidates += [Path(__file__).resolve().parents[2] / "shared", Path("/work/shared")]
    return next((c for c in candidates if c.is_dir()), candidates[-1])


DVXPLORER_SAMPLE = shared_dir() / "data/real/dvxplorer_sample.aedat4"
"""0.59 s of real DVXplorer events (320x240), 111,954 events, no APS frames."""

DAVIS346_SAMPLE = shared_dir() / "data/real/davis346_aedat_test.aedat4"
"""A real DAVIS346 recording with APS frames: 346x260, 59 frames at 25 fps, 78,830 events (MIT)."""
