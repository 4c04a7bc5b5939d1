"""Check AEDAT4 headers and recover the readable part of truncated files.

An AEDAT4 file starts with the version line ``#!AER-DAT4.0\\r\\n``, an int32
header size and a FlatBuffers ``IOHeader`` table whose second field,
``dataTablePosition`` (int64), points at an index of all packets written when
the file is closed. A file cut short (copy interrupted, disk full) still
points past its end, and dv-processing refuses to open it ("FileDataTable set
but not present"). A writer that never closed leaves the field at -1, and then
dv-processing rebuilds the index by scanning the packets, stopping at the
first incomplete one. :func:`copy_without_data_table` writes a copy with the
field set to -1, so the packets before the cut can be read.

:func:`header_problem` catches files that cannot even hold their header
before dv-processing sees them (dv would first allocate whatever size a
corrupt header claims, up to 2 GB).
"""

from __future__ import annotations

import struct
from pathlib import Path

VERSION_LINE = b"#!AER-DAT4.0\r\n"
"""First bytes of every AEDAT4 file."""

_DATA_TABLE_FIELD = 1  # IOHeader fields: compression, dataTablePosition, infoNode


def header_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be an AEDAT4 file, judged from its first bytes, or None if it may be."""
    size = Path(path).stat().st_size
    with open(path, "rb") as file:
        head = file.read(len(VERSION_LINE) + 4)
    if not head.startswith(VERSION_LINE):
        return "not an AEDAT4 file (no '#!AER-DAT4.0' version line)" if head else "empty file"
    if len(head) < len(VERSION_LINE) + 4:
        return "file ends inside its header (truncated)"
    (header_size,) = struct.unpack_from("<i", head, len(VERSION_LINE))
    if header_size <= 0 or len(head) + header_size > size:
        return "file ends inside its header (truncated or corrupt)"
    return None


def data_table_offset(head: bytes) -> int | None:
    """Byte offset of the ``dataTablePosition`` int64 in a file starting with ``head``.

    Returns None when ``head`` is not the start of an AEDAT4 file with that
    field present (too short, wrong version line, malformed header table).
    """
    start = len(VERSION_LINE) + 4
    if not head.startswith(VERSION_LINE) or len(head) < start + 4:
        return None
    (header_size,) = struct.unpack_from("<i", head, len(VERSION_LINE))
    if header_size <= 0 or len(head) < start + header_size:
        return None
    try:
        table = start + struct.unpack_from("<I", head, start)[0]
        vtable = table - struct.unpack_from("<i", head, table)[0]
        (vtable_size,) = struct.unpack_from("<H", head, vtable)
        slot = 4 + 2 * _DATA_TABLE_FIELD
        if vtable < start or vtable_size < slot + 2:
            return None
        (field,) = struct.unpack_from("<H", head, vtable + slot)
    except struct.error:
        return None
    offset = table + field
    if field == 0 or offset + 8 > start + header_size:
        return None
    return offset


def copy_without_data_table(source: str | Path, target: str | Path) -> bool:
    """Copy ``source`` to ``target`` with ``dataTablePosition`` set to -1.

    Returns False (and writes nothing) when ``source`` has no AEDAT4 header
    with a data-table field that could be cleared.
    """
    with open(source, "rb") as file:
        head = file.read(1 << 16)
        offset = data_table_offset(head)
        if offset is None:
            return False
        patched = bytearray(head)
        struct.pack_into("<q", patched, offset, -1)
        with open(target, "wb") as out:
            out.write(patched)
            while block := file.read(1 << 20):
                out.write(block)
    return True
