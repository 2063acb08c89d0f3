"""Counts a PNG's pixels near given colours: png_colours.py FILE [R,G,B ...].
Prints "pixels=N background=B" and one "R,G,B=count" line per colour asked for, where
background is the count of the most common colour. Decodes 8-bit RGB/RGBA, non-interlaced
PNGs (what Chromium's screenshots are) with the standard library only."""
import struct
import sys
import zlib
from collections import Counter


def decode(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, idat, width = 8, b"", 0
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, "unsupported PNG"
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw, stride = zlib.decompress(idat), width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, up_left = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 255
        rows.append(line)
        previous = line
    return [tuple(row[x * channels:x * channels + 3]) for row in rows for x in range(width)]


def main() -> None:
    pixels = decode(sys.argv[1])
    counts = Counter(pixels)
    print(f"pixels={len(pixels)} background={counts.most_common(1)[0][1]}")
    for spec in sys.argv[2:]:
        want = tuple(int(c) for c in spec.split(","))
        near = sum(n for colour, n in counts.items() if max(abs(a - b) for a, b in zip(colour, want)) <= 24)
        print(f"{spec}={near}")


main()
