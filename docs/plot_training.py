"""Save docs/training_curve.png: validation PSNR against training step, from stra-train logs.

Reads the "step N: validation PSNR X dB" lines that stra-train logs (one or more
log files, in order, e.g. a run and its --resume continuations) and draws them
with pyqtgraph on an offscreen Qt canvas. Usage:

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/plot_training.py runs/train.log \\
        [--branch runs/second.log --branch-from 4500] [--label "real-time, EDI input"] \\
        [--out docs/training_curve.png]

``--branch`` draws a later run that started from an earlier one's weights at
step ``--branch-from`` of the plot's axis (a fresh schedule, not a ``--resume``);
give both again for each further run (a third run from the second's best, say).
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
    parser.add_argument("--branch", type=Path, nargs="+", action="append", default=[],
                        help="logs of a later run warm-started from an earlier one (repeatable)")
    parser.add_argument("--branch-from", type=int, action="append", default=[],
                        help="the plot's step each --branch started from, one per --branch")
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
    if len(args.branch_from) != len(args.branch):
        raise SystemExit("give one --branch-from per --branch")
    for step, value in points:
        print(f"step {step:>6}: {value:.3f} dB")
    drawn = dict(points)
    colours, symbols = ("r", "g", "m", "c"), ("s", "t", "d", "x")
    runs = zip(args.branch, args.branch_from, strict=True)
    for number, (logs, start_step) in enumerate(runs, start=2):
        branch = [(start_step + step, value) for step, value in read_curve(logs)]
        if not branch:
            continue
        start = drawn.get(start_step)
        branch = ([(start_step, start)] if start is not None else []) + branch
        steps, values = zip(*branch, strict=True)
        widget.plot(steps, values, pen=pg.mkPen(colours[(number - 2) % 4], width=2),
                    symbol=symbols[(number - 2) % 4], symbolSize=6,
                    name=f"run {number}, from step {start_step}")
        drawn.update(branch)
        for step, value in branch:
            print(f"run {number}, step {step:>6}: {value:.3f} dB")
    # Lay the widget out before exporting: without it the export sometimes renders the
    # default 640x480 scene with no axis tick labels.
    widget.show()
    app.processEvents()
    pyqtgraph.exporters.ImageExporter(widget.plotItem).export(str(args.out))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
