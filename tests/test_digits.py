"""MNIST from the bundled sample, the IDX files and Nielsen's pickle; and what is refused."""

from __future__ import annotations

import gzip
import os
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.data.digits import DataError, load_digits, load_path, load_pickle, read_idx


def test_bundled_sample_is_real_mnist():
    digits = load_digits("sample")
    assert digits.train.images.shape == (8000, 784)
    assert digits.test.images.shape == (2000, 784)
    assert digits.train.images.dtype == torch.float32
    assert 0.0 <= digits.train.images.min() and digits.train.images.max() <= 1.0
    assert digits.test.labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # MNIST's own
    counts = torch.bincount(digits.train.labels, minlength=10)
    assert counts.min() > 600  # every digit is there


def test_auto_falls_back_to_the_sample_when_no_full_set(tmp_path):
    assert "sample" in load_digits("auto", tmp_path).source
    with pytest.raises(DataError, match="learn-gpt data download mnist"):
        load_digits("mnist", tmp_path)


def test_full_idx_files_split_like_the_book(shared_data):
    digits = load_digits("mnist", shared_data)
    assert len(digits.train) == 50_000 and len(digits.validation) == 10_000
    assert len(digits.test) == 10_000
    assert "--data-dir" in digits.source


def test_data_dir_comes_from_the_environment(shared_data, monkeypatch):
    monkeypatch.setenv("LEARN_GPT_DATA_DIR", str(shared_data))
    assert len(load_digits("auto").test) == 10_000


def test_nielsens_pickle_holds_the_same_digits(shared_data):
    idx = load_digits("mnist", shared_data)
    pkl = load_path(shared_data / "mnist.pkl.gz")
    assert len(pkl.train) == 50_000 and len(pkl.validation) == 10_000 and len(pkl.test) == 10_000
    assert torch.equal(pkl.train.labels, idx.train.labels)
    assert (pkl.test.images - idx.test.images).abs().max() < 0.005  # /256 against /255


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_small_pickle_round_trips(tmp_path, protocol):
    arrays = tuple((np.random.rand(5, 784).astype(np.float32), np.arange(5)) for _ in range(3))
    path = tmp_path / "mnist.pkl.gz"
    with gzip.open(path, "wb") as fh:
        pickle.dump(arrays, fh, protocol=protocol)
    train, val, test = load_pickle(path)
    assert train.images.shape == (5, 784) and test.labels.tolist() == [0, 1, 2, 3, 4]
    assert load_path(tmp_path).source.startswith("Nielsen's pickle")


class RunsCode:
    def __reduce__(self):
        return (os.system, ("echo owned > /dev/null",))


def test_a_pickle_that_would_run_code_is_refused(tmp_path):
    path = tmp_path / "mnist.pkl.gz"
    with gzip.open(path, "wb") as fh:
        pickle.dump(RunsCode(), fh)
    with pytest.raises(DataError, match="refusing to load posix.system|refusing to load os.system"):
        load_pickle(path)


def _write_idx(path: Path, data: bytes, dims: tuple[int, ...], magic_ndim: int | None = None):
    ndim = len(dims) if magic_ndim is None else magic_ndim
    header = struct.pack(">HBB", 0, 8, ndim) + struct.pack(f">{len(dims)}I", *dims)
    with gzip.open(path, "wb") as fh:
        fh.write(header + data)


def test_idx_errors_are_one_line(tmp_path):
    good = tmp_path / "good.gz"
    _write_idx(good, bytes(range(8)), (2, 2, 2))
    assert read_idx(good).shape == (2, 2, 2)
    short = tmp_path / "short.gz"
    _write_idx(short, bytes(5), (2, 2, 2))
    with pytest.raises(DataError, match="truncated"):
        read_idx(short)
    not_gzip = tmp_path / "junk.gz"
    not_gzip.write_bytes(b"this is not gzip")
    with pytest.raises(DataError) as err:
        read_idx(not_gzip)
    assert "\n" not in str(err.value)


def test_a_path_without_mnist_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="no MNIST here"):
        load_digits(str(tmp_path))
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(DataError, match="expected mnist.pkl.gz"):
        load_digits(str(tmp_path / "notes.txt"))


def test_a_small_off_centre_drawing_is_prepared_like_mnist():
    from engine.data.digits import mnist_style

    drawing = np.zeros((28, 28), dtype=np.float32)
    drawing[2:8, 20:22] = 1.0  # a short stroke in the top-right corner
    prepared = mnist_style(drawing)
    rows, cols = np.nonzero(prepared > 0.05)
    assert rows.max() - rows.min() + 1 == 20  # scaled to fill a 20-pixel box
    cy = (prepared.sum(axis=1) * np.arange(28)).sum() / prepared.sum()
    cx = (prepared.sum(axis=0) * np.arange(28)).sum() / prepared.sum()
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1
    assert mnist_style(np.zeros((28, 28))).sum() == 0


def test_a_prepared_mnist_digit_is_still_recognised():
    from engine.data.digits import mnist_style
    from engine.mlp import Network

    digits = load_digits("sample")
    net = Network([784, 30, 10], seed=0)
    for _ in net.SGD(digits.train.as_pair(), 2, 10, 3.0):
        pass
    images = digits.test.images[:200].numpy()
    prepared = np.stack([mnist_style(im).reshape(784) for im in images])
    raw_right = net.output_activations(images).argmax(1) == digits.test.labels[:200].numpy()
    prep_right = net.output_activations(prepared).argmax(1) == digits.test.labels[:200].numpy()
    assert prep_right.mean() > raw_right.mean() - 0.1  # preparing a real digit changes little
