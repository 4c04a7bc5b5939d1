"""The ablation table of the EDI-input network: final validation PSNR per variant and seed.

Reads ``runs/ablation_edi/<variant>_<seed>/best.safetensors`` (written by
``docs/run_ablations.sh``; each run validates once, at its last step) and prints a
Markdown table: each seed, the mean, and the full network's margin over each
variant next to the seed-to-seed spread (the largest spread of the two variants).

    .venv/bin/python docs/ablation_table.py [--runs runs/ablation_edi]
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from models.checkpoint import load_checkpoint

VARIANTS = {"full": "full (SFB + TMB)", "no_sfb": "without SFB", "no_tmb": "without TMB",
            "frames_only": "frames only (no events)"}


def final_scores(runs: Path) -> dict[str, dict[int, tuple[float, float, int]]]:
    """variant -> seed -> (validation PSNR, SSIM, step) of each finished run."""
    scores: dict[str, dict[int, tuple[float, float, int]]] = defaultdict(dict)
    for best in sorted(runs.glob("*_[0-9]*/best.safetensors")):
        variant, seed = best.parent.name.rsplit("_", 1)
        _, _, metadata = load_checkpoint(best)
        scores[variant][int(seed)] = (float(metadata["val_psnr"]), float(metadata["val_ssim"]),
                                      int(metadata["step"]))
    return scores


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=Path("runs/ablation_edi"))
    scores = final_scores(parser.parse_args().runs)
    if "full" not in scores:
        raise SystemExit("no finished full run yet: run docs/run_ablations.sh first")
    seeds = sorted({seed for runs in scores.values() for seed in runs})
    full = scores["full"]
    header = " | ".join(f"seed {s}" for s in seeds)
    print(f"| variant | {header} | mean | spread | full - variant |")
    print("|---|" + "---|" * (len(seeds) + 3))
    for variant, label in VARIANTS.items():
        runs = scores.get(variant, {})
        if not runs:
            continue
        psnr = [runs[s][0] for s in seeds if s in runs]
        cells = " | ".join(f"{runs[s][0]:.2f} / {runs[s][1]:.4f} (step {runs[s][2]})"
                           if s in runs else "-" for s in seeds)
        mean = sum(psnr) / len(psnr)
        spread = max(psnr) - min(psnr)
        margin = "-"
        if variant != "full":
            both = [s for s in seeds if s in runs and s in full]
            if both:
                gaps = [full[s][0] - runs[s][0] for s in both]
                gap = sum(gaps) / len(gaps)
                full_spread = max(full[s][0] for s in both) - min(full[s][0] for s in both)
                beats = gap > max(spread, full_spread)
                per_seed = ", ".join(f"{g:+.2f}" for g in gaps)
                margin = (f"{gap:+.2f} dB (per seed {per_seed}; "
                          f"{'more' if beats else 'not more'} than the spread)")
        print(f"| {label} | {cells} | {mean:.2f} | {spread:.2f} | {margin} |")


if __name__ == "__main__":
    main()
