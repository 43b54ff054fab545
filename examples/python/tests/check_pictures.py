"""Check what plot_embeddings.py wrote: real PNG files of a sensible size,
and embedding/metadata tables with one row per item.

    python3 check_pictures.py OUTDIR PNG...
"""

import os
import struct
import sys


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise SystemExit("%s is not a PNG file" % path)
    return struct.unpack(">II", head[16:24])


def main():
    out, pictures = sys.argv[1], sys.argv[2:]
    for name in pictures:
        w, h = png_size(os.path.join(out, name))
        if w < 400 or h < 200:
            raise SystemExit("%s is only %dx%d pixels" % (name, w, h))
        print("%s: %dx%d" % (name, w, h))
    with open(os.path.join(out, "item_vectors.tsv")) as f:
        rows = [line.split("\t") for line in f]
    with open(os.path.join(out, "item_metadata.tsv")) as f:
        meta = f.read().splitlines()[1:]
    if not rows or len(rows) != len(meta) or len({len(r) for r in rows}) != 1:
        raise SystemExit("item_vectors.tsv (%d rows) and item_metadata.tsv (%d rows) disagree" % (len(rows), len(meta)))
    print("item_vectors.tsv: %d items x %d dimensions" % (len(rows), len(rows[0])))


if __name__ == "__main__":
    main()
