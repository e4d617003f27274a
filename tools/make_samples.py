"""Cut the small real samples that ship inside the package from the full data sets.

Usage: python tools/make_samples.py ../shared/data
Writes engine/data/bundled/mnist-sample/ (the first 8,000 training and 2,000 test digits of
MNIST, in the original IDX format, gzipped). Re-running it gives byte-identical files.
"""

from __future__ import annotations

import gzip
import struct
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "engine" / "data" / "bundled"
MNIST_CUT = {"train": 8000, "t10k": 2000}


def cut_idx(src: Path, dst: Path, count: int) -> None:
    """Keep the first `count` items of an IDX file, rewriting its header's item count."""
    raw = gzip.open(src).read()
    magic, total = struct.unpack(">II", raw[:8])
    ndim = magic & 0xFF
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    item = 1
    for d in dims[1:]:
        item *= d
    header = struct.pack(">I", magic) + struct.pack(f">{ndim}I", count, *dims[1:])
    body = raw[4 + 4 * ndim : 4 + 4 * ndim + count * item]
    dst.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(dst, "wb") as fh,
        gzip.GzipFile(fileobj=fh, mode="wb", compresslevel=9, mtime=0) as gz,
    ):
        gz.write(header + body)


def main(shared: Path) -> None:
    for prefix, count in MNIST_CUT.items():
        for kind in ("images-idx3", "labels-idx1"):
            name = f"{prefix}-{kind}-ubyte.gz"
            cut_idx(shared / "mnist" / name, OUT / "mnist-sample" / name, count)
            print(f"{name}: {count} items, {(OUT / 'mnist-sample' / name).stat().st_size} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
