"""Readers and writers for recordings: AEDAT4 (dv-processing) and HQF-layout HDF5 (h5py)."""

from stra_live.io.aedat4 import Aedat4Writer, read_aedat4, write_aedat4
from stra_live.io.hdf5 import HqfReader, read_hqf, write_hqf
from stra_live.io.recording import Recording, validate_frames

__all__ = [
    "Aedat4Writer",
    "HqfReader",
    "Recording",
    "read_aedat4",
    "read_hqf",
    "validate_frames",
    "write_aedat4",
    "write_hqf",
]
