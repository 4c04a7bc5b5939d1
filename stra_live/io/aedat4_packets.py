"""AEDAT4 building blocks encoded at NumPy speed: header, event and frame packets, data table.

Layout of an AEDAT4 file (what dv-processing 2.0.4 writes and reads):

* the version line ``#!AER-DAT4.0\\r\\n``, then a size-prefixed FlatBuffers
  ``IOHeader`` ("IOHE": compression int32, dataTablePosition int64,
  infoNode string = the XML description of the streams);
* packets: int32 stream id, int32 payload size, payload = the compressed,
  size-prefixed FlatBuffers table of the stream's type ("EVTS" event packet,
  "FRME" frame);
* optionally, at ``dataTablePosition``, a compressed ``FileDataTable`` ("FTAB")
  indexing every packet. With the position left at -1, dv-processing rebuilds
  the index by scanning, stopping at the first incomplete packet: that is
  what makes a file cut by a crash readable.

An event packet's elements are 16-byte structs (int64 timestamp, int16 x,
int16 y, bool polarity, 3 bytes padding): exactly the memory layout of
``dv.EventStore.numpy()``, so raw dv events are copied, never converted.
The buffer is built by hand with NumPy (one copy of the events); frames, the
header and the table are small and use the ``flatbuffers`` builder.
"""

from __future__ import annotations

import struct
from concurrent.futures import Executor
from dataclasses import dataclass

import flatbuffers
import lz4.block
import lz4.frame
import numpy as np

from stra_live.io.aedat4_header import VERSION_LINE, data_table_offset

__all__ = [
    "DV_EVENT_DTYPE",
    "VERSION_LINE",
    "PacketIndex",
    "compress",
    "data_table_payload",
    "description_xml",
    "event_payload",
    "frame_payload",
    "header_bytes",
]

DV_EVENT_DTYPE = np.dtype({"names": ["timestamp", "x", "y", "polarity"],
                           "formats": ["<i8", "<i2", "<i2", "i1"],
                           "offsets": [0, 8, 10, 12], "itemsize": 16})
"""dv-processing's event layout (``EventStore.numpy()``), also the AEDAT4 ``Event`` struct."""

COMPRESSION_CODES = {"none": 0, "lz4": 1}
"""IOHeader compression values (dv: NONE, LZ4, LZ4_HIGH, ZSTD, ZSTD_HIGH)."""

FRAME_SOURCE_SENSOR = 1
FRAME_SOURCE_RECONSTRUCTION = 5
"""dv.FrameSource values: an APS image, and an image computed from the data."""

_EVENT_HEAD = 32  # size, root offset, "EVTS", vtable, table, vector length: see event_payload


@dataclass(frozen=True)
class PacketIndex:
    """One entry of the file's data table.

    Attributes:
        offset: byte offset of the packet's payload in the file (after its 8-byte header).
        stream_id: the packet's stream.
        size: payload bytes (after the 8-byte packet header).
        elements: events in the packet, or 1 for a frame.
        t_start, t_end: first and last timestamp in it, microseconds.
    """

    offset: int
    stream_id: int
    size: int
    elements: int
    t_start: int
    t_end: int


def description_xml(streams: list[tuple[str, str]], size: tuple[int, int], source: str) -> str:
    """The dv ``infoNode`` XML for ``streams`` = [(name, "EVTS" | "FRME")], ids in list order.

    ``size`` is (width, height); the compression attribute is written per stream as dv does.
    """
    nodes = []
    for stream_id, (name, kind) in enumerate(streams):
        nodes.append(
            f'        <node name="{stream_id}" path="/outInfo/{stream_id}/">\n'
            f'            <attr key="compression" type="string">LZ4</attr>\n'
            f'            <attr key="originalModuleName" type="string">STRA Live</attr>\n'
            f'            <attr key="originalOutputName" type="string">{name}</attr>\n'
            f'            <attr key="typeDescription" type="string">Custom data type output.'
            f'</attr>\n'
            f'            <attr key="typeIdentifier" type="string">{kind}</attr>\n'
            f'            <node name="info" path="/outInfo/{stream_id}/info/">\n'
            f'                <attr key="sizeX" type="int">{size[0]}</attr>\n'
            f'                <attr key="sizeY" type="int">{size[1]}</attr>\n'
            f'                <attr key="source" type="string">{source}</attr>\n'
            f'            </node>\n'
            f'        </node>\n')
    return ('<dv version="2.0">\n    <node name="outInfo" path="/outInfo/">\n'
            + "".join(nodes) + "    </node>\n</dv>\n")


def header_bytes(description: str, compression: str) -> tuple[bytes, int]:
    """Version line + size-prefixed IOHeader; (bytes, offset of dataTablePosition in them).

    dataTablePosition is -1 (no index yet); :meth:`patch` it once the table is written.
    """
    builder = flatbuffers.Builder(len(description) + 256)
    builder.ForceDefaults(True)  # the position must be present to be patched later
    info = builder.CreateString(description)
    builder.StartObject(3)
    builder.PrependInt64Slot(1, -1, 0)
    builder.PrependUOffsetTRelativeSlot(2, info, 0)
    builder.PrependInt32Slot(0, COMPRESSION_CODES[compression], 0)
    builder.FinishSizePrefixed(builder.EndObject(), b"IOHE")
    data = bytes(builder.Output())
    head = VERSION_LINE + data
    offset = data_table_offset(head)
    if offset is None:  # pragma: no cover - a builder bug, not an input problem
        raise AssertionError("IOHeader without dataTablePosition")
    return head, offset


def compress(payload: bytes | memoryview, compression: str,
             pool: Executor | None = None) -> bytes:
    """Compress one packet payload: an LZ4 frame (dv's default), or stored as is.

    The frame is built from independent 1 MiB blocks, compressed on ``pool``
    when given (``lz4.block`` releases the GIL, so blocks compress in
    parallel); any LZ4 frame decoder, dv-processing's included, reads it.
    """
    view = memoryview(payload).cast("B")
    if compression == "none":
        return bytes(view)
    blocks = [view[start:start + _LZ4_BLOCK] for start in range(0, len(view), _LZ4_BLOCK)]
    encoded = list(pool.map(_lz4_block, blocks)) if pool is not None and len(blocks) > 1 \
        else [_lz4_block(block) for block in blocks]
    return b"".join([_LZ4_FRAME_HEADER, *encoded, _LZ4_END_MARK])


def _lz4_block(block: memoryview) -> bytes:
    """One LZ4 frame block: size + compressed data, or the data itself (high bit) if smaller."""
    data = lz4.block.compress(block, store_size=False)
    if len(data) >= len(block):
        return struct.pack("<I", len(block) | 0x80000000) + bytes(block)
    return struct.pack("<I", len(data)) + data


def _lz4_frame_header() -> bytes:
    """Magic, flags (version 1, independent blocks, no checksums), 1 MiB blocks, header checksum.

    lz4.frame writes exactly this header for these settings: take it from there
    rather than computing the xxHash32 checksum byte by hand (with an input of
    at least one block, or lz4 would pick a smaller block size).
    """
    sample = lz4.frame.compress(bytes(2 * _LZ4_BLOCK), block_size=lz4.frame.BLOCKSIZE_MAX1MB,
                                block_linked=False, content_checksum=False, store_size=False)
    return sample[:7]


_LZ4_BLOCK = 1 << 20
_LZ4_FRAME_HEADER = _lz4_frame_header()
_LZ4_END_MARK = b"\0\0\0\0"


def event_payload(parts: list[np.ndarray]) -> np.ndarray:
    """The size-prefixed "EVTS" FlatBuffer of the concatenated ``parts``, as uint8.

    Each part is (n,) :data:`DV_EVENT_DTYPE` (copied as it is) or the project's
    ``EVENT_DTYPE`` (``t, x, y, p``; converted straight into the buffer, p > 0 = ON).
    """
    n = sum(len(part) for part in parts)
    buffer = np.zeros(_EVENT_HEAD + 16 * n, dtype=np.uint8)  # zeroed: deterministic padding
    struct.pack_into("<II4sHHHHiII", buffer, 0,
                     len(buffer) - 4,  # size prefix
                     16,               # root table at 4 + 16 = 20
                     b"EVTS",
                     6, 8, 4,          # vtable: 6 bytes, table 8 bytes, field 0 at +4
                     0,                # padding
                     8,                # table -> vtable at 20 - 8 = 12
                     4,                # field 0: vector at 24 + 4 = 28
                     n)                # vector length; elements start at 32 (8-aligned)
    elements = buffer[_EVENT_HEAD:].view(DV_EVENT_DTYPE)
    done = 0
    for part in parts:
        target = elements[done:done + len(part)]
        if part.dtype.names == DV_EVENT_DTYPE.names:
            # A byte copy: assigning structured arrays goes field by field, 5x slower.
            start = _EVENT_HEAD + 16 * done
            buffer[start:start + 16 * len(part)] = np.ascontiguousarray(part).view(np.uint8)
        else:
            target["timestamp"] = part["t"]
            target["x"] = part["x"]
            target["y"] = part["y"]
            target["polarity"] = part["p"] > 0
        done += len(part)
    return buffer


def frame_payload(image: np.ndarray, timestamp: int, exposure: int, source: int) -> bytes:
    """The size-prefixed "FRME" FlatBuffer of one (H, W) uint8 grey image.

    Fields as dv-processing 2.0.4 writes them: timestamp = start of exposure,
    start/end of exposure, exposure (us), size, pixels, source.
    """
    height, width = image.shape
    builder = flatbuffers.Builder(image.nbytes + 256)
    pixels = builder.CreateNumpyVector(np.ascontiguousarray(image, dtype=np.uint8).ravel())
    builder.StartObject(13)
    builder.PrependInt64Slot(0, timestamp, 0)
    builder.PrependInt64Slot(3, timestamp, 0)
    builder.PrependInt64Slot(4, timestamp + exposure, 0)
    builder.PrependInt64Slot(11, exposure, 0)
    builder.PrependUOffsetTRelativeSlot(10, pixels, 0)
    builder.PrependInt16Slot(6, width, 0)
    builder.PrependInt16Slot(7, height, 0)
    builder.PrependInt8Slot(12, source, 0)
    builder.FinishSizePrefixed(builder.EndObject(), b"FRME")
    return bytes(builder.Output())


def data_table_payload(entries: list[PacketIndex]) -> bytes:
    """The size-prefixed "FTAB" FlatBuffer indexing ``entries``."""
    builder = flatbuffers.Builder(64 * len(entries) + 64)
    builder.ForceDefaults(True)
    tables = []
    for entry in entries:
        builder.StartObject(5)
        builder.PrependInt64Slot(4, entry.t_end, 0)
        builder.PrependInt64Slot(3, entry.t_start, 0)
        builder.PrependInt64Slot(2, entry.elements, 0)
        builder.PrependInt64Slot(0, entry.offset, 0)
        builder.Prep(4, 8)  # PacketHeader struct, inline: stream id, size
        builder.PrependInt32(entry.size)
        builder.PrependInt32(entry.stream_id)
        builder.Slot(1)
        tables.append(builder.EndObject())
    builder.StartVector(4, len(tables), 4)
    for table in reversed(tables):
        builder.PrependUOffsetTRelative(table)
    vector = builder.EndVector()
    builder.StartObject(1)
    builder.PrependUOffsetTRelativeSlot(0, vector, 0)
    builder.FinishSizePrefixed(builder.EndObject(), b"FTAB")
    return bytes(builder.Output())
