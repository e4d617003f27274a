"""MNIST digits from any of three places: the bundled sample, the four standard IDX files, or
the pickle that Nielsen's book code reads (`mnist.pkl.gz`).

Every loader returns `Digits`: images as (n, 784) float32 rows in [0, 1] and labels as (n,)
int64. Like the book, the 60,000 training digits are split into 50,000 to train on and 10,000
for validation; the 10,000 test digits are what "Epoch 0: 9129 / 10000" counts.
"""

from __future__ import annotations

import gzip
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.data.sources import BUNDLED_DIR, MNIST_FILES, find_dataset
from engine.errors import EngineError

TRAIN_SIZE = 50_000
IDX_FILES = list(MNIST_FILES)
PICKLE_NAME = "mnist.pkl.gz"
SAMPLE_DIR = BUNDLED_DIR / "mnist-sample"


class DataError(EngineError):
    """Digits could not be loaded; str(e) is one line."""


@dataclass(frozen=True)
class DigitSet:
    images: torch.Tensor  # (n, 784) float32 in [0, 1]
    labels: torch.Tensor  # (n,) int64

    def __len__(self) -> int:
        return len(self.labels)

    def as_pair(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.images, self.labels


@dataclass(frozen=True)
class Digits:
    train: DigitSet
    validation: DigitSet | None
    test: DigitSet
    source: str  # what was loaded, from where: shown to the learner


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzipped or not) as a uint8 array of its declared shape."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from None
    if len(raw) < 4:
        raise DataError(f"{path}: not an IDX file (too short)")
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08 or ndim not in (1, 3):
        raise DataError(f"{path}: not an MNIST IDX file (bad magic number)")
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise DataError(
            f"{path}: truncated (expected {int(np.prod(dims))} bytes of data, found {body.size})"
        )
    return body.reshape(dims)


def count_idx(folder: Path) -> tuple[int, int]:
    """(training, test) digits in a folder of the four IDX files, read from the label files
    alone (kilobytes, not the images' megabytes): what the app says it trains on, measured."""
    train, test = (len(read_idx(folder / name)) for name in (IDX_FILES[1], IDX_FILES[3]))
    return train, test


def _digit_set(images: np.ndarray, labels: np.ndarray, where: str) -> DigitSet:
    if len(images) != len(labels):
        raise DataError(f"{where}: {len(images)} images but {len(labels)} labels")
    if images.dtype == np.uint8:
        pixels = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255.0)
    else:
        pixels = torch.from_numpy(
            np.ascontiguousarray(images, dtype=np.float32).reshape(len(images), -1)
        )
    if pixels.shape[1] != 784:
        raise DataError(f"{where}: images have {pixels.shape[1]} pixels, expected 784 (28x28)")
    return DigitSet(pixels, torch.from_numpy(labels.astype(np.int64)))


def load_idx_folder(
    folder: Path, split_validation: bool = True
) -> tuple[DigitSet, DigitSet | None, DigitSet]:
    """The four IDX files in `folder` as (train, validation, test)."""
    train_x, train_y, test_x, test_y = (read_idx(folder / name) for name in IDX_FILES)
    train = _digit_set(train_x, train_y, str(folder))
    test = _digit_set(test_x, test_y, str(folder))
    if split_validation and len(train) > TRAIN_SIZE:
        val = DigitSet(train.images[TRAIN_SIZE:], train.labels[TRAIN_SIZE:])
        train = DigitSet(train.images[:TRAIN_SIZE], train.labels[:TRAIN_SIZE])
        return train, val, test
    return train, None, test


class _ArraysOnly(pickle.Unpickler):
    """Unpickles numpy arrays and tuples of them, and refuses every other global: a pickle
    from the internet can then build arrays but never run code."""

    ALLOWED = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),  # how numpy pickles arrays (protocol < 5)
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.numeric", "_frombuffer"),  # ... and with protocol 5
        ("numpy._core.numeric", "_frombuffer"),
        ("_codecs", "encode"),  # Python 3 writing protocol 2 stores bytes through it
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        if module.startswith("numpy.core") and hasattr(np, "_core"):
            module = module.replace("numpy.core", "numpy._core", 1)  # numpy 2 renamed it
        return super().find_class(module, name)


def load_pickle(path: Path) -> tuple[DigitSet, DigitSet, DigitSet]:
    """Nielsen's `mnist.pkl.gz`: ((train x, y), (validation x, y), (test x, y))."""
    try:
        with gzip.open(path, "rb") as fh:
            data = _ArraysOnly(fh, encoding="latin1").load()
    except pickle.UnpicklingError as exc:
        raise DataError(f"{path}: unsafe or unreadable pickle ({exc})") from None
    except (OSError, EOFError, ValueError, TypeError) as exc:
        raise DataError(f"{path}: not a readable mnist.pkl.gz ({exc})") from None
    try:
        (tx, ty), (vx, vy), (sx, sy) = data
    except (TypeError, ValueError):
        raise DataError(f"{path}: expected (train, validation, test) pairs of arrays") from None
    where = str(path)
    return _digit_set(tx, ty, where), _digit_set(vx, vy, where), _digit_set(sx, sy, where)


def load_sample() -> Digits:
    """The sample that ships inside the package: 8,000 training and 2,000 test digits."""
    train, _, test = load_idx_folder(SAMPLE_DIR, split_validation=False)
    return Digits(train, None, test, "bundled sample (8,000 train / 2,000 test digits)")


def load_path(path: Path) -> Digits:
    """Digits from a folder of IDX files or of `mnist.pkl.gz`, or from the pickle itself."""
    path = path.expanduser()
    if path.is_file():
        if not path.name.endswith((".pkl.gz", ".pkl")):
            raise DataError(f"{path}: expected mnist.pkl.gz or a folder of MNIST IDX files")
        return Digits(*load_pickle(path), f"Nielsen's pickle {path}")
    for folder in (path, path / "mnist"):
        if all((folder / f).is_file() for f in IDX_FILES):
            return Digits(*load_idx_folder(folder), f"MNIST IDX files in {folder}")
    if (path / PICKLE_NAME).is_file():
        return Digits(*load_pickle(path / PICKLE_NAME), f"Nielsen's pickle {path / PICKLE_NAME}")
    raise DataError(f"{path}: no MNIST here (expected the four IDX .gz files or {PICKLE_NAME})")


def find_full(data_dir: str | Path | None = None) -> tuple[str, Path] | None:
    """Where the full MNIST set is: (origin, path of the IDX folder or the pickle), or None."""
    found = find_dataset("mnist", IDX_FILES, data_dir)
    if found:
        return found
    pickled = find_dataset("", [PICKLE_NAME], data_dir)
    return (pickled[0], pickled[1] / PICKLE_NAME) if pickled else None


def load_digits(spec: str = "auto", data_dir: str | Path | None = None) -> Digits:
    """Digits by name: "sample" (bundled), "mnist" (the full set, wherever it is found),
    "auto" (the full set if found, else the sample), or a path."""
    if spec == "sample":
        return load_sample()
    if spec in ("mnist", "auto"):
        found = find_full(data_dir)
        if found:
            origin, where = found
            digits = load_path(where)
            return Digits(
                digits.train, digits.validation, digits.test, f"{digits.source} (from {origin})"
            )
        if spec == "auto":
            return load_sample()
        raise DataError(
            "full MNIST not found: run `learn-gpt data download mnist`, "
            "or point --data-dir (or $LEARN_GPT_DATA_DIR) at a folder holding it"
        )
    return load_path(Path(spec))


def _resize(image: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Bilinear resize of a 2-D array (numpy only)."""
    r = np.linspace(0, image.shape[0] - 1, rows)
    c = np.linspace(0, image.shape[1] - 1, cols)
    r0, c0 = np.floor(r).astype(int), np.floor(c).astype(int)
    r1, c1 = np.minimum(r0 + 1, image.shape[0] - 1), np.minimum(c0 + 1, image.shape[1] - 1)
    fr, fc = (r - r0)[:, None], (c - c0)[None, :]
    top = image[r0][:, c0] * (1 - fc) + image[r0][:, c1] * fc
    bottom = image[r1][:, c0] * (1 - fc) + image[r1][:, c1] * fc
    return top * (1 - fr) + bottom * fr


def mnist_style(pixels: np.ndarray) -> np.ndarray:
    """A hand-drawn 28x28 digit prepared as MNIST's were: its ink scaled to fit a 20x20 box,
    then placed so its centre of mass sits at the centre of the 28x28 image. Without this a
    digit drawn small or off-centre looks like nothing the network has seen."""
    image = np.asarray(pixels, dtype=np.float32).reshape(28, 28)
    rows, cols = np.nonzero(image > 0.05)
    if rows.size == 0:
        return image.copy()
    ink = image[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    scale = 20.0 / max(ink.shape)
    height, width = max(1, round(ink.shape[0] * scale)), max(1, round(ink.shape[1] * scale))
    ink = np.clip(_resize(ink, height, width), 0.0, 1.0)
    out = np.zeros((28, 28), dtype=np.float32)
    top, left = (28 - height) // 2, (28 - width) // 2
    out[top : top + height, left : left + width] = ink
    total = out.sum()
    cy = (out.sum(axis=1) * np.arange(28)).sum() / total
    cx = (out.sum(axis=0) * np.arange(28)).sum() / total
    dy, dx = int(round(13.5 - cy)), int(round(13.5 - cx))
    return np.roll(np.roll(out, dy, axis=0), dx, axis=1)
