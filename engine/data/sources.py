"""Where data lives: the bundled samples, data directories, the user cache, and the catalogue
of downloadable data sets with their checksums.

A full data set is looked for, in order, in the `--data-dir` folder, in $LEARN_GPT_DATA_DIR,
and in the user cache that `learn-gpt data download` fills. Each of those may hold a data set
directly or in a sub-folder named after it (`mnist/`, `tinyshakespeare/`). Downloads come from
the mirrors below, or from the folder URL in $LEARN_GPT_MIRROR (a network that cannot reach
them, a local copy, the tests' own server).
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.data.download import RemoteFile

ENV_DATA_DIR = "LEARN_GPT_DATA_DIR"
ENV_CACHE_DIR = "LEARN_GPT_CACHE_DIR"
ENV_MIRROR = "LEARN_GPT_MIRROR"
BUNDLED_DIR = Path(__file__).with_name("bundled")
PRETRAINED_DIR = Path(__file__).parents[1] / "pretrained"
PRETRAINED_GPT = PRETRAINED_DIR / "shakespeare-cpu.pt"  # see its README.md
PRETRAINED_SENTENCES = PRETRAINED_DIR / "pizza-words.pt"  # the pizza sentence model

MNIST_MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"
TINYSHAKESPEARE_MIRROR = (
    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/"
)

# sha256 of the *uncompressed* IDX bytes: the original files, whatever gzip wrapper carries them.
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",  # noqa: E501
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
TINYSHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"


def catalog(mirror: str | None = None) -> dict[str, list[RemoteFile]]:
    """The downloadable data sets; `mirror` (else $LEARN_GPT_MIRROR) replaces each set's base
    URL (a folder URL)."""
    mirror = mirror or os.environ.get(ENV_MIRROR)
    base = mirror.rstrip("/") + "/" if mirror else None
    return {
        "mnist": [
            RemoteFile(name, (base or MNIST_MIRROR) + name, sha, gzipped=True)
            for name, sha in MNIST_FILES.items()
        ],
        "tinyshakespeare": [
            RemoteFile(
                "input.txt",
                (base or TINYSHAKESPEARE_MIRROR) + "input.txt",
                TINYSHAKESPEARE_SHA256,
                size=1_115_394,
            )
        ],
    }


def cache_dir() -> Path:
    """The user cache for downloaded data sets ($LEARN_GPT_CACHE_DIR overrides it)."""
    override = os.environ.get(ENV_CACHE_DIR)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_path

    return user_cache_path("learn-gpt", appauthor=False)


def search_dirs(data_dir: str | Path | None = None) -> list[tuple[str, Path]]:
    """The folders to look in for full data sets, each with what put it on the list."""
    found: list[tuple[str, Path]] = []
    if data_dir:
        found.append(("--data-dir", Path(data_dir).expanduser()))
    if os.environ.get(ENV_DATA_DIR):
        found.append((f"${ENV_DATA_DIR}", Path(os.environ[ENV_DATA_DIR]).expanduser()))
    found.append(("cache", cache_dir()))
    return found


def find_dataset(
    name: str, files: list[str], data_dir: str | Path | None = None
) -> tuple[str, Path] | None:
    """The first (origin, folder) holding all `files` of data set `name`, or None."""
    for origin, base in search_dirs(data_dir):
        for folder in (base / name, base):
            if all((folder / f).is_file() for f in files):
                return origin, folder
    return None
