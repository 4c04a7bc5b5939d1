"""Readers and writers for recordings; import the module you need (each pulls its own library).

* :mod:`stra_live.io.recording`: :class:`Recording`, the in-memory result of every reader.
* :mod:`stra_live.io.hdf5`: ``read_hqf``/``write_hqf`` and the lazy ``HqfReader`` (h5py).
* :mod:`stra_live.io.aedat4`: ``read_aedat4``/``write_aedat4``/``Aedat4Writer`` (dv-processing).
"""
