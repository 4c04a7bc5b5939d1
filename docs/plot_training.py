"""Save docs/training_curve.png: validation PSNR against training step, from stra-train logs.

Reads the "step N: validation PSNR X dB" lines that stra-train logs (one or more
log files, in order, e.g. a run and its --resume continuations) and draws them
with pyqtgraph on an offscreen Qt canvas. Usage:

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/plot_training.py runs/train.log \\
        [--branch runs/second.log --branch-from 4500] [--label "real-time, EDI input"] \\
        [--out docs/training_curve.png]

``--branch`` draws a second run that started from the first one's weights at
step ``--branch-from`` (a fresh schedule, not a ``--resume``), on the same axis.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent
VALIDATION = re.compile(r"step (\d+): validation PSNR ([0-9.]+) dB")


def read_curve(paths: list[Path]) -> list[tuple[int, float]]:
    """(step, PSNR) of every validation in the logs, later logs overriding a repeated step."""
    points: dict[int, float] = {}
    for path in paths:
        for match in VALIDATION.finditer(path.read_text(errors="replace")):
            points[int(match.group(1))] = float(match.group(2))
    return sorted(points.items())


def main() -> None:
    """Draw the curve and print its points."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", type=Path, nargs="+", help="stra-train log files, in order")
    parser.add_argument("--branch", type=Path, nargs="*", default=[],
                        help="logs of a second run warm-started from the first")
    parser.add_argument("--branch-from", type=int, default=0,
                        help="the first run's step the second one started from")
    parser.add_argument("--label", default="validation PSNR")
    parser.add_argument("--out", type=Path, default=DOCS / "training_curve.png")
    args = parser.parse_args()
    points = read_curve(args.logs)
    if not points:
        raise SystemExit(f"no validation lines in {', '.join(map(str, args.logs))}")
    import pyqtgraph as pg
    import pyqtgraph.exporters
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    pg.setConfigOptions(background="w", foreground="k", antialias=True)
    widget = pg.PlotWidget(title=args.label)
    widget.resize(720, 420)
    widget.setLabel("bottom", "training step")
    widget.setLabel("left", "validation PSNR (dB)")
    widget.showGrid(x=True, y=True, alpha=0.3)
    steps, values = zip(*points, strict=True)
    widget.addLegend(offset=(-10, -10))
    widget.plot(steps, values, pen=pg.mkPen("b", width=2), symbol="o", symbolSize=6,
                name="run")
    branch = [(args.branch_from + step, value) for step, value in read_curve(args.branch)]
    if branch:
        start = dict(points).get(args.branch_from)
        branch = ([(args.branch_from, start)] if start is not None else []) + branch
        steps, values = zip(*branch, strict=True)
        widget.plot(steps, values, pen=pg.mkPen("r", width=2), symbol="s", symbolSize=6,
                    name=f"second run from step {args.branch_from}")
    pyqtgraph.exporters.ImageExporter(widget.plotItem).export(str(args.out))
    for step, value in points:
        print(f"step {step:>6}: {value:.3f} dB")
    for step, value in branch:
        print(f"second run, step {step:>6}: {value:.3f} dB")
    print(f"wrote {args.out}")
    app.processEvents()


if __name__ == "__main__":
    main()
