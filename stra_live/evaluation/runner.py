"""Score a deblurring method on HQF-layout files with the protocol of ``PROTOCOL.md``."""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from stra_live.errors import InputError
from stra_live.evaluation.edi import BestContrastEdi
from stra_live.evaluation.methods import Deblurrer
from stra_live.evaluation.metrics import psnr, ssim
from stra_live.evaluation.protocol import DEFAULT_BLUR_FRAMES, scored_triplets, windows_for
from stra_live.io.hdf5 import read_hqf
from stra_live.io.recording import Recording

log = logging.getLogger(__name__)

Reader = Callable[[Path], Recording]
"""Reads one file into a :class:`Recording`, raising InputError on bad data."""


@dataclass(frozen=True)
class FileScore:
    """Mean scores over the scored frames of one file.

    Attributes:
        psnr: mean PSNR in dB.
        ssim: mean SSIM.
        frames: number of scored frames (windows i = 1 .. n-2).
        contrast: the contrast the best-c EDI oracle chose for the file (else None).
    """

    psnr: float
    ssim: float
    frames: int
    contrast: float | None = None

    def to_dict(self) -> dict[str, float | int]:
        """{"psnr", "ssim", "frames"} (and "contrast" for the oracle) as plain numbers."""
        data: dict[str, float | int] = {"psnr": self.psnr, "ssim": self.ssim,
                                        "frames": self.frames}
        if self.contrast is not None:
            data["contrast"] = self.contrast
        return data


@dataclass(frozen=True)
class EvaluationReport:
    """Scores of one method over a set of files.

    Attributes:
        psnr: mean PSNR (dB) over all scored frames of all files (NaN if none).
        ssim: mean SSIM over the same frames (NaN if none).
        frames: total number of scored frames.
        per_file: file path -> its :class:`FileScore`, for the files scored.
        skipped: files too short for three windows, not scored.
        failed: file path -> why it could not be read or scored.
        attention: the method's attention figures (see
            :meth:`stra_live.evaluation.stra.StraDeblurrer.attention_summary`),
            empty for methods without attention.
    """

    psnr: float
    ssim: float
    frames: int
    per_file: dict[str, FileScore] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()
    failed: dict[str, str] = field(default_factory=dict)
    attention: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: {"psnr", "ssim", "frames", "per_file": {path: {...}}}.

        With no scored frame the means are None (JSON null), not NaN.
        """
        data: dict[str, Any] = {
            "psnr": None if self.frames == 0 else self.psnr,
            "ssim": None if self.frames == 0 else self.ssim,
            "frames": self.frames,
            "per_file": {name: score.to_dict() for name, score in self.per_file.items()},
        }
        if self.failed:
            data["failed"] = dict(self.failed)
        if self.attention:
            data["attention"] = dict(self.attention)
        return data


def find_recordings(path: str | Path) -> list[Path]:
    """The file ``path`` itself, or every ``*.h5`` under the folder ``path`` (recursive, sorted).

    Raises:
        InputError: ``path`` does not exist, or a folder holds no ``*.h5`` file.
    """
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(path, "no such file or folder")
    files = sorted(p for p in path.rglob("*.h5") if p.is_file())
    if not files:
        raise InputError(path, "no *.h5 files in this folder")
    return files


def score_recording(
    recording: Recording,
    method: Deblurrer,
    k: int = DEFAULT_BLUR_FRAMES,
    progress: bool = False,
) -> FileScore | None:
    """Score ``method`` on one recording; None (with a warning) if it has < 3 windows.

    Every output is clipped to [0, 1] before PSNR and SSIM.
    """
    windows = windows_for(recording, k)
    if len(windows) < 3:
        log.warning(
            "%s: skipped, %d blur window(s) with k=%d but scoring needs at least 3",
            recording.source, len(windows), k,
        )
        return None
    psnrs, ssims = [], []
    triplets = scored_triplets(windows)
    bar = tqdm(triplets, total=len(windows) - 2, desc=Path(recording.source).name,
               unit="frame", disable=not progress, leave=False)
    for prev, current, nxt in bar:
        output = np.asarray(method(prev, current, nxt, recording.events), dtype=np.float32)
        if output.shape != current.sharp.shape:
            raise ValueError(
                f"method {method.name!r} returned shape {output.shape}, "
                f"expected {current.sharp.shape}"
            )
        output = np.clip(output, 0.0, 1.0)
        psnrs.append(psnr(current.sharp, output))
        ssims.append(ssim(current.sharp, output))
    return FileScore(psnr=float(np.mean(psnrs)), ssim=float(np.mean(ssims)), frames=len(psnrs))


def evaluate(
    paths: Sequence[str | Path],
    method: Deblurrer,
    k: int = DEFAULT_BLUR_FRAMES,
    progress: bool = False,
    reader: Reader = read_hqf,
) -> EvaluationReport:
    """Score ``method`` on every file of ``paths``, one file in memory at a time.

    Args:
        paths: HQF-layout files (see :func:`find_recordings` for folders).
        method: the deblurrer to score.
        k: blur length for files of sharp frames (EFNet-style files ignore it).
        progress: show a tqdm bar per file (on stderr).
        reader: reads one file; the HQF reader by default.

    Returns:
        The frame-weighted mean over all scored frames, and per-file means.

    A file that cannot be read or scored is logged by name, listed in the
    report's ``failed`` and skipped; the rest are still scored.
    """
    per_file: dict[str, FileScore] = {}
    skipped: list[str] = []
    failed: dict[str, str] = {}
    for path in paths:
        try:
            score = _score_file(_read(reader, Path(path)), method, k, progress)
        except InputError as error:
            log.info("skipped %s", error)
            failed[str(path)] = str(error)
            continue
        if score is None:
            skipped.append(str(path))
        else:
            per_file[str(path)] = score
    summary = getattr(method, "attention_summary", None)
    attention = summary() if callable(summary) else {}
    frames = sum(s.frames for s in per_file.values())
    if frames == 0:
        return EvaluationReport(math.nan, math.nan, 0, per_file, tuple(skipped), failed,
                                attention)
    mean_psnr = sum(s.psnr * s.frames for s in per_file.values()) / frames
    mean_ssim = sum(s.ssim * s.frames for s in per_file.values()) / frames
    return EvaluationReport(mean_psnr, mean_ssim, frames, per_file, tuple(skipped), failed,
                            attention)


def _score_file(recording: Recording, method: Deblurrer, k: int,
                progress: bool) -> FileScore | None:
    """Score one recording; the best-c EDI oracle sweeps its contrasts and keeps the best."""
    if not isinstance(method, BestContrastEdi):
        return score_recording(recording, method, k, progress)
    best: FileScore | None = None
    for candidate in method.candidates():
        score = score_recording(recording, candidate, k, progress)
        if score is not None and (best is None or score.psnr > best.psnr):
            best = dataclasses.replace(score, contrast=candidate.contrast)
    return best


def _read(reader: Reader, path: Path) -> Recording:
    """Read one file, turning stray low-level failures into InputError naming it."""
    try:
        return reader(path)
    except InputError:
        raise
    except (OSError, KeyError, ValueError) as error:
        raise InputError(path, f"cannot read as an HQF recording: {error}") from error
