"""STRA Live: real-time event-guided deblurring of a DAVIS stream.

The runtime package: event representation, readers and writers, voxel grids,
the event simulator, sources and the streaming engine. It never imports Qt.
"""

__version__ = "0.1.0"
