"""Shared test setup: torch on one thread, a private cache, and the shared data when present."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch loads OpenMP, here and in children

import torch  # noqa: E402

torch.set_num_threads(1)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """Back to one torch thread after each test: a command under test (sample, train gpt)
    may set its own, and the next test's numbers would depend on the order tests ran in."""
    yield
    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def private_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets an empty user cache, no $LEARN_GPT_DATA_DIR or $LEARN_GPT_MIRROR, and its
    own progress file, so the machine's own downloads, mirror and the learner's progress never
    leak in or get written."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("LEARN_GPT_CACHE_DIR", str(cache))
    monkeypatch.delenv("LEARN_GPT_DATA_DIR", raising=False)
    monkeypatch.delenv("LEARN_GPT_MIRROR", raising=False)
    monkeypatch.setenv(
        "LEARN_GPT_PROGRESS_FILE", str(tmp_path_factory.mktemp("progress") / "progress.json")
    )
    return cache


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data beside the checkout; tests that need it skip cleanly where it is absent."""
    if not (SHARED_DATA / "mnist" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("../shared/data is not here")
    return SHARED_DATA


@pytest.fixture(scope="session")
def induction_runs() -> dict:
    """The induction experiment as lesson 11 sets it up (1,000 steps, seed 0, an evaluation
    every 25), trained once for every test that reads it: {layers: InductionTrained}."""
    from engine.events import InductionTrained
    from engine.induction import train

    return {
        layers: next(e for e in train(layers, 1000, 0) if isinstance(e, InductionTrained))
        for layers in (1, 2)
    }


@pytest.fixture(params=["read-only", "full"])
def bad_folder(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A folder the app cannot save into: a read-only file system, or a full one."""
    where = tmp_path / request.param
    where.mkdir()
    options = "ro,size=1m" if request.param == "read-only" else "size=64k"
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "--lazy", str(where)], check=False)  # even if still busy
