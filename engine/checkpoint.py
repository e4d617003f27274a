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
weights) first, then whatever that kind of file adds; each loader checks them with `Fields`.

A file that unpickles and hashes right may still be malformed (crafted, or written by hand):
each kind's reader checks what its code relies on through `Fields` before building anything
from it, so a missing key, a wrong type, a config out of range or a weight of the wrong shape
is one CheckpointError line naming the file and the field, never a traceback.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from engine.atomic import write_atomically
from engine.errors import EngineError
from engine.events import CheckpointSaved

if TYPE_CHECKING:
    import torch
    from torch import nn

T = TypeVar("T")
Types = tuple[type, ...]
NUMBER: Types = (int, float)

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
        with warnings.catch_warnings():  # torch's notes on a foreign pickle: its refusal is ours
            warnings.simplefilter("ignore")
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
    if HASH in data and data[HASH] != _hash_of(path, data):
        raise CheckpointError(
            f"{path}: its numbers do not match the checksum saved with them (changed or "
            "damaged after it was written); use another copy, or train again"
        )
    return data


def _hash_of(path: Path, data: dict[str, Any]) -> str:
    try:
        return tensors_hash(data)
    except RuntimeError:  # a tensor that cannot be read flat (sparse, ...): none of ours
        raise CheckpointError(f"{path} holds tensors no learn-gpt checkpoint has") from None


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


_WHAT = {
    int: "a whole number",
    float: "a number",
    str: "text",
    bool: "true or false",
    dict: "a dict",
    list: "a list",
    tuple: "a list",
}


def _is(value: Any, types: Types) -> bool:
    """isinstance, except that True and False are not numbers."""
    return isinstance(value, bool) == (bool in types) and isinstance(value, types)


def _described(types: Types) -> str:
    """What `types` allow, for a message: "a whole number", "a number", "text or a list"."""
    kinds = [t for t in types if not (t is int and float in types)]  # int or float: a number
    return " or ".join(dict.fromkeys(_WHAT.get(t, f"a {t.__name__.lower()}") for t in kinds))


def _default_types(field: dataclasses.Field) -> Types | None:
    """The types a setting may have: its default's (an int stands for a float)."""
    if field.default is dataclasses.MISSING:
        return None
    kind = type(field.default)
    return NUMBER if kind is float else (list, tuple) if kind is tuple else (kind,)


class Fields:
    """What a loader reads from a checkpoint, checked as it is read: the first field that is
    missing, of the wrong type or out of range raises a CheckpointError naming the file and
    the field, so nothing is built from a malformed file."""

    def __init__(self, path: str | Path, kind: str) -> None:
        self.path, self.kind = path, kind

    def error(self, what: str) -> CheckpointError:
        return CheckpointError(f"{self.path}: damaged {self.kind} checkpoint ({what})")

    def get(self, data: Mapping[str, Any], key: str, types: Types, name: str = "") -> Any:
        """data[key], which must be there and one of `types` (`name`: its place, for the
        message)."""
        if key not in data:
            raise self.error(f"no {name or key}")
        return self.check(data[key], types, name or key)

    def check(self, value: Any, types: Types, name: str) -> Any:
        """`value`, which must be one of `types`."""
        if not _is(value, types):
            plain = value is None or isinstance(value, (str, int, float))
            shown = repr(value)[:40] if plain else type(value).__name__
            raise self.error(f"{name} is {shown}, not {_described(types)}")
        return value

    def count(self, data: Mapping[str, Any], key: str, name: str = "", low: int = 0) -> int:
        """data[key]: a whole number of at least `low` (a step, an epoch, a size)."""
        return self.whole(self.get(data, key, (int,), name), name or key, low)

    def whole(self, value: Any, name: str, low: int = 0) -> int:
        """`value`: a whole number of at least `low`."""
        if self.check(value, (int,), name) < low:
            raise self.error(f"{name} is {value}, not at least {low}")
        return value

    def record(self, raw: Any, cls: type, name: str, **types: Types) -> dict[str, Any]:
        """`raw` checked as the keyword arguments of the dataclass `cls`: a dict naming only
        its fields, each of its default's type (or of `types`), none left out that has no
        default."""
        self.check(raw, (dict,), name)
        known = {f.name: types.get(f.name) or _default_types(f) for f in dataclasses.fields(cls)}
        for key in raw:
            if key not in known:
                raise self.error(f"{name} has an unknown field {key!r}")
        for field in dataclasses.fields(cls):
            if field.name in raw or field.default is dataclasses.MISSING:
                self.get(raw, field.name, known[field.name], f"{name}.{field.name}")
        return raw

    def built(self, name: str, build: Callable[[], T]) -> T:
        """build(), from fields already checked: what it refuses (the engine's range checks,
        torch's checks of a state) is this file's error."""
        try:
            return build()
        except (EngineError, RuntimeError, TypeError, ValueError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise self.error(f"{name}: {first}") from None

    def tensor(self, value: Any, name: str, shape: tuple[int, ...]) -> torch.Tensor:
        """`value`: a dense, finite floating-point tensor of `shape`."""
        import torch

        if not isinstance(value, torch.Tensor) or value.layout != torch.strided:
            raise self.error(f"{name} is {type(value).__name__}, not a tensor")
        if not value.is_floating_point():
            raise self.error(f"{name} holds {value.dtype}, not floating-point numbers")
        if tuple(value.shape) != tuple(shape):
            raise self.error(
                f"{name} is {'x'.join(map(str, value.shape))}, its config makes it "
                f"{'x'.join(map(str, shape))}"
            )
        if not bool(torch.isfinite(value).all()):
            raise self.error(f"{name} holds NaN or infinite numbers")
        return value

    def weights(self, state: Any, expected: Mapping[str, tuple[int, ...]], name: str) -> None:
        """`state` (a state dict) holds exactly the tensors named in `expected`, each of the
        shape given there: what load_state_dict needs to succeed."""
        self.check(state, (dict,), name)
        missing = [key for key in expected if key not in state]
        extra = [key for key in state if key not in expected]
        if missing or extra:
            which = f"lacks {missing[0]!r}" if missing else f"has an unknown {extra[0]!r}"
            raise self.error(f"{name} {which} for its config")
        for key, shape in expected.items():
            self.tensor(state[key], f"{name}[{key!r}]", shape)
