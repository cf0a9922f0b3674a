#!/usr/bin/env python3
"""Rewrites field 0 (format_version) of a bundle.m3b in place, walking the
FlatBuffers root table by hand (no flatbuffers module needed).

Usage: set_bundle_version.py BUNDLE VERSION
"""
import struct
import sys


def main():
    path, version = sys.argv[1], int(sys.argv[2])
    data = bytearray(open(path, "rb").read())
    root = struct.unpack_from("<I", data, 0)[0]
    vtable = root - struct.unpack_from("<i", data, root)[0]
    vtable_size = struct.unpack_from("<H", data, vtable)[0]
    field = struct.unpack_from("<H", data, vtable + 4)[0] if vtable_size > 4 else 0
    if not field:
        sys.exit(f"{path}: the root table stores no format_version")
    struct.pack_into("<I", data, root + field, version)
    open(path, "wb").write(data)


if __name__ == "__main__":
    main()
