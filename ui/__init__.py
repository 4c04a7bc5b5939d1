"""The STRA Live desktop app (PyQt6 + pyqtgraph).

This is the only package that imports Qt: ``stra_live`` and ``models`` stay
GUI-free (``tests/test_ui_layering.py`` checks it). The app draws what the
streaming engine's worker threads produce; it never computes on the GUI thread.
"""
