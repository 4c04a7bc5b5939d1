"""Two real-window screenshots 1 s apart on the demo and on the DAVIS346 recording.

Shows that the deblurred view keeps updating (issue 8): for each source the
window is grabbed from the X server twice, one second apart, and the number of
deblurred frames it drew in between is printed (and written beside the pictures
as ``window_updates.txt``). Run it in Xvfb:

    PYTHONPATH=. xvfb-run -s "-screen 0 1920x1080x24" \
        .venv/bin/python docs/make_update_screenshots.py
"""

from __future__ import annotations

import sys

from make_window_screenshots import fresh_window, grab_screen, parse_arguments, wait


def main(argv: list[str] | None = None) -> int:
    """Grab each source twice, 1 s apart, once it has drawn a few frames."""
    args = parse_arguments(__doc__.splitlines()[0], argv)
    lines = []
    with fresh_window() as (app, window):
        window.resize(1280, 640)
        window.show()
        for name, spec in (("demo", "demo"), ("davis346", str(args.recording))):
            if name == "demo":
                window.start_source(spec)
            else:
                window.open_source(spec)
            if not wait(app, lambda s=spec: window.session.spec == s and window.shown >= 5,
                        args.timeout):
                print(f"{name}: no frames arrived", file=sys.stderr)
                return 1
            wait(app, lambda: False, 1.0)
            drawn = []
            for second in (0, 1):
                drawn.append(window.shown)
                grab_screen(window, args.out / f"window_{name}_t{second}s.png")
                if second == 0:
                    wait(app, lambda: False, 1.0)
            lines.append(f"{name}: {drawn[1] - drawn[0]} deblurred frames drawn in the second "
                         "between the two screenshots")
            print(lines[-1])
    (args.out / "window_updates.txt").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
