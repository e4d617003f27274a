"""Cut the small real samples that ship inside the package from the full data sets.

Usage: python tools/make_samples.py ../shared/data
Writes engine/data/bundled/mnist-sample/ (the first 8,000 training and 2,000 test digits of
MNIST, in the original IDX format, gzipped) and engine/data/bundled/shakespeare-sample.txt.gz
(the whole speeches that open shakespeare/plays.txt, about 1,000,000 characters). Re-running it
gives byte-identical files.
"""

from __future__ import annotations

import gzip
import struct
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "engine" / "data" / "bundled"
MNIST_CUT = {"train": 8000, "t10k": 2000}
SHAKESPEARE_CHARS = 1_000_000  # the sample is the whole speeches within this many characters
SHAKESPEARE_SAMPLE = "shakespeare-sample.txt.gz"


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


def write_gz(dst: Path, data: bytes) -> None:
    """Gzip `data` to `dst` with no timestamp, so the same input gives the same bytes."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(dst, "wb") as fh,
        gzip.GzipFile(fileobj=fh, mode="wb", compresslevel=9, mtime=0) as gz,
    ):
        gz.write(data)


def cut_speeches(text: str, limit: int) -> str:
    """The whole speeches (separated by blank lines) that open `text`, up to `limit` chars."""
    end = text.rfind("\n\n", 0, limit + 1)
    if end < 0:
        raise SystemExit(f"no speech boundary in the first {limit} characters")
    return text[: end + 1]  # keep the last speech's own newline, drop the blank line


def main(shared: Path) -> None:
    for prefix, count in MNIST_CUT.items():
        for kind in ("images-idx3", "labels-idx1"):
            name = f"{prefix}-{kind}-ubyte.gz"
            cut_idx(shared / "mnist" / name, OUT / "mnist-sample" / name, count)
            print(f"{name}: {count} items, {(OUT / 'mnist-sample' / name).stat().st_size} bytes")
    plays = (shared / "shakespeare" / "plays.txt").read_text(encoding="utf-8")
    sample = cut_speeches(plays.replace("\r\n", "\n"), SHAKESPEARE_CHARS)
    dst = OUT / SHAKESPEARE_SAMPLE
    write_gz(dst, sample.encode("utf-8"))
    speeches = sample.count("\n\n") + 1
    print(
        f"{SHAKESPEARE_SAMPLE}: {len(sample):,} characters, {speeches:,} speeches, "
        f"{len(set(sample))} distinct, {dst.stat().st_size:,} bytes"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
