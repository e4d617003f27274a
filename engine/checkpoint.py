"""Checkpoints: written atomically, loaded safely, with the config beside the weights.

A checkpoint is a plain dict of tensors, numbers, strings, lists and dicts saved with
`torch.save` and read back with `torch.load(weights_only=True)`, so loading a file can never
run code. Writing goes to a temp file in the same folder, then `os.replace`: a crash or Ctrl-C
mid-write leaves the previous file whole (`engine.atomic.write_atomically`), and the temp file
a kill left (`.NAME.XXXXXXXX.tmp`, untouched for over a minute) is removed by the next save.

Every tensor in a file (weights, optimiser state, random state) is hashed into "sha256" when
it is written, and checked when it is read: a file whose numbers were changed afterwards, by
hand or by damage that still unpickles, is refused in one line instead of loading silently.
(Files written before the hash existed, such as older saves, load without the check.)

Every transformer file (a GPT run, a shipped GPT, the pizza model, the number translator) is
written by `save_model`: "model_config" (the model's `config.to_dict()`) and "model" (its
weights) first, then whatever that kind of file adds. `weights_must_fit` reads them back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.atomic import write_atomically
from engine.errors import ConfigError, EngineError
from engine.events import CheckpointSaved

if TYPE_CHECKING:
    from torch import nn

FORMAT = "learn-gpt-checkpoint"
VERSION = 1
HASH = "sha256"  # the key of the tensors' hash in a file


class CheckpointError(EngineError):
    """A checkpoint could not be read or written; str(e) is one line."""


def save(path: str | Path, kind: str, payload: dict[str, Any]) -> Path:
    """Write `payload` as a `kind` checkpoint ("mlp", "gpt", ...) at `path`, atomically,
    first removing leftover temp files of `path` older than a minute (see engine.atomic)."""
    import torch

    data = {"format": FORMAT, "version": VERSION, "kind": kind, **payload}
    data[HASH] = tensors_hash(data)
    return write_atomically(path, lambda fh: torch.save(data, fh))


def tensors_hash(data: Any, where: str = "") -> str:
    """The sha256 of every tensor in `data` (nested dicts, lists, tuples), with its place,
    dtype and shape, in a fixed order; the stored hash itself is left out."""
    import hashlib

    import torch

    digest = hashlib.sha256()
    for place, tensor in _tensors(data, where):
        flat = tensor.detach().cpu().contiguous().reshape(-1)
        digest.update(f"{place}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(flat.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _tensors(data: Any, where: str) -> Iterator[tuple[str, Any]]:
    import torch

    if isinstance(data, torch.Tensor):
        yield where, data
    elif isinstance(data, dict):
        for key in sorted(data, key=str):
            if not (where == "" and key == HASH):
                yield from _tensors(data[key], f"{where}/{key}")
    elif isinstance(data, (list, tuple)):
        for i, item in enumerate(data):
            yield from _tensors(item, f"{where}/{i}")


def load(path: str | Path, kind: str) -> dict[str, Any]:
    """Read a `kind` checkpoint; anything else (missing, corrupt, foreign) is a CheckpointError."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # torch raises many types for corrupt, truncated or unsafe files
        raise CheckpointError(
            f"{path} is not a readable learn-gpt checkpoint "
            "(corrupt, truncated, or another program's file)"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a learn-gpt checkpoint")
    if data.get("version") != VERSION:
        raise CheckpointError(
            f"{path} has checkpoint version {data.get('version')}, "
            f"this learn-gpt reads version {VERSION}"
        )
    if data.get("kind") != kind:
        raise CheckpointError(f"{path} holds a {data.get('kind')} model, not {kind}")
    if HASH in data and data[HASH] != tensors_hash(data):
        raise CheckpointError(
            f"{path}: its numbers do not match the checksum saved with them (changed or "
            "damaged after it was written); use another copy, or train again"
        )
    return data


def save_model(
    path: str | Path, kind: str, model: nn.Module, *, half: bool, **fields: Any
) -> CheckpointSaved:
    """Write `model`'s config and weights, then `fields`, as a `kind` checkpoint. `half`
    stores the weights in half precision: a file small enough to ship, not one to resume
    (a run to resume keeps full precision beside its optimiser)."""
    state = model.state_dict()
    payload = {
        "model_config": model.config.to_dict(),
        "model": {k: v.half() for k, v in state.items()} if half else state,
        **fields,
    }
    return CheckpointSaved(save(path, kind, payload))


@contextmanager
def weights_must_fit(path: str | Path) -> Iterator[None]:
    """Around building a model from a checkpoint's config and loading its weights: a mismatch
    (torch's long RuntimeError, or a config the model refuses) becomes one CheckpointError
    line naming the file."""
    try:
        yield
    except (RuntimeError, ConfigError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise CheckpointError(f"{path}: weights do not fit its config ({first})") from None
