"""Save docs/training_curve.png: validation PSNR against training step, from stra-train logs.

Reads the "step N: validation PSNR X dB" lines that stra-train logs (one or more
log files, in order, e.g. a run and its --resume continuations) and draws them
with pyqtgraph on an offscreen Qt canvas. Usage:

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/plot_training.py runs/train.log \\
        [--label "real-time, EDI input"] [--out docs/training_curve.png]
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
    widget.plot(steps, values, pen=pg.mkPen("b", width=2), symbol="o", symbolSize=6)
    pyqtgraph.exporters.ImageExporter(widget.plotItem).export(str(args.out))
    for step, value in points:
        print(f"step {step:>6}: {value:.3f} dB")
    print(f"wrote {args.out}")
    app.processEvents()


if __name__ == "__main__":
    main()
