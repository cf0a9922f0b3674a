"""Reads the few fields of OUT_DIR/bundle.m3b that Python needs before it
loads a task library: the library's file name and the target, after the
file identifier and the CRC-32 check. Everything else (the FlatBuffers
Verifier, the semantic checks) is done by the task library itself when a
task is opened (m3sat_create)."""

import mmap
import struct
import zlib

# Field indices of table Bundle in include/m3sat/Runtime/Bundle.fbs, in
# declaration order.
_FIELD_LIBRARY = 3
_FIELD_TARGET = 4
_FIELD_CRC32 = 9


class BundleHeader:
    """The library file name and target of a bundle."""

    def __init__(self, library, target):
        self.library = library
        self.target = target


def _corrupt(path, what):
    return ValueError(f"{path}: corrupt bundle ({what})")


def _u32(data, pos, path, what):
    if pos < 0 or pos + 4 > len(data):
        raise _corrupt(path, f"{what} lies outside the file")
    return struct.unpack_from("<I", data, pos)[0]


def _field_pos(data, table, index, path):
    """Absolute position of field `index` of the table at `table`, or None
    when the field is absent."""
    vtable = table - struct.unpack_from("<i", data, table)[0]
    if vtable < 0 or vtable + 4 > len(data):
        raise _corrupt(path, "the root table's vtable lies outside the file")
    vsize = struct.unpack_from("<H", data, vtable)[0]
    slot = 4 + 2 * index
    if slot + 2 > vsize:
        return None
    if vtable + slot + 2 > len(data):
        raise _corrupt(path, "the root table's vtable lies outside the file")
    offset = struct.unpack_from("<H", data, vtable + slot)[0]
    return table + offset if offset else None


def _string(data, table, index, name, path):
    pos = _field_pos(data, table, index, path)
    if pos is None:
        raise _corrupt(path, f"field '{name}' is missing")
    start = pos + _u32(data, pos, path, f"field '{name}'")
    length = _u32(data, start, path, f"field '{name}'")
    if start + 4 + length > len(data):
        raise _corrupt(path, f"field '{name}' lies outside the file")
    try:
        return bytes(data[start + 4:start + 4 + length]).decode("utf-8")
    except UnicodeDecodeError:
        raise _corrupt(path, f"field '{name}' is not UTF-8") from None


def read_header(path):
    """Reads and checks `path`; raises ValueError (one line, naming the
    file and the field) if it is not a sound m3sat bundle."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            if size < 8:
                raise ValueError(f"{path}: not an m3sat bundle (missing "
                                 "'M3SB' identifier)")
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as e:
        raise ValueError(f"{path}: cannot open bundle: {e.strerror}") from None
    with mapped:
        data = memoryview(mapped)
        try:
            return _read(data, path)
        finally:
            data.release()


def _read(data, path):
    if data[4:8] != b"M3SB":
        raise ValueError(
            f"{path}: not an m3sat bundle (missing 'M3SB' identifier)")
    table = _u32(data, 0, path, "the root table")
    if table + 4 > len(data):
        raise _corrupt(path, "the root table lies outside the file")
    crc_pos = _field_pos(data, table, _FIELD_CRC32, path)
    if crc_pos is None:
        raise _corrupt(path, "field 'crc32' is missing")
    stored = _u32(data, crc_pos, path, "field 'crc32'")
    crc = zlib.crc32(data[:crc_pos])
    crc = zlib.crc32(b"\0\0\0\0", crc)
    crc = zlib.crc32(data[crc_pos + 4:], crc) & 0xFFFFFFFF
    if crc != stored:
        raise _corrupt(path, f"the file's CRC-32 is {crc:08x}, "
                       f"field 'crc32' says {stored:08x}")
    return BundleHeader(_string(data, table, _FIELD_LIBRARY, "library", path),
                        _string(data, table, _FIELD_TARGET, "target", path))
