"""Writes a solid-colour PNG: make_png.py FILE R G B [WIDTH HEIGHT]. Standard library only."""
import struct
import sys
import zlib


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def main() -> None:
    path, r, g, b = sys.argv[1], *map(int, sys.argv[2:5])
    width, height = (int(x) for x in sys.argv[5:7]) if len(sys.argv) > 5 else (64, 48)
    rows = b"".join(b"\x00" + bytes((r, g, b)) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
                  + chunk(b"IEND", b""))


main()
