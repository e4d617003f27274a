"""What every exercise check shares: cases, named outputs, and comparisons that say what differs.

An exercise module (one per exercise, beside this one) defines:

- `FUNCTION`: the name of the function the learner writes, and `SIGNATURE`, how it is called;
- `cases() -> list[Case]`: fixed-seed inputs, simple shapes first, then edge cases;
- `reference(*args)`: the right answer, in the same structure the learner returns;
- `unpack(result, case) -> list[(name, tensor)]`: the result's tensors with the names a message
  uses ("nabla_w[0]"); raises `Wrong` when the structure is not what the docstring says;
- `VARIANTS`: known mistakes, each a function with the learner's signature and the hint to
  give when the learner's output matches it;
- for an exercise where the learner writes a class (an nn.Module), `adapt(cls) -> fn`: the
  class as a function of a case's arguments (see `piece_cases`); `FUNCTION` is the class's name;
- optionally `observe(got, expected, case) -> list[str]` (facts about a wrong output, such as
  "row 3 sums to 0.74"), `MAY_MODIFY_INPUTS`, and the tolerances `RTOL`, `ATOL`;
- optionally, for checks beyond comparing outputs, pairs of functions split where the learner's
  code stops running (see `judge`): `ship(result, case)` picks what the verdict needs of a raw
  result and `check_result(shipped, case) -> list[str] | None` judges it; `probe(fn)` runs the
  learner's function in further ways and `judge_probe(probed) -> list[str] | None` judges that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import torch

Named = list[tuple[str, torch.Tensor]]

RTOL = 1e-4
ATOL = 1e-5


@dataclass(frozen=True)
class Case:
    """One input to the learner's function: `label` says it in words (shapes and settings)."""

    label: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Variant:
    """A known mistake: `fn` has the learner's signature; `hint` is said when it matches."""

    name: str
    fn: Callable[..., Any]
    hint: str


class Wrong(Exception):
    """The learner's result cannot even be compared; `lines` say why."""

    def __init__(self, *lines: str) -> None:
        super().__init__(lines[0] if lines else "")
        self.lines = list(lines)


def switched(right: Callable[..., Any]) -> Callable[..., Callable[..., Any]]:
    """Mistakes made from `right`, the right answer with keyword switches, so no exercise restates
    the learner's signature: `switched(right)(sign=-1.0)` runs `right` with that switch on."""
    return lambda **mistake: partial(right, **mistake)


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def shape(t: torch.Tensor | Sequence[int]) -> str:
    """(30, 784) as a message writes it; (5,) for one dimension."""
    dims = tuple(t.shape) if isinstance(t, torch.Tensor) else tuple(t)
    return "(" + ", ".join(map(str, dims)) + ("," if len(dims) == 1 else "") + ")"


def clone(value: Any) -> Any:
    """A deep copy of tensors inside tuples and lists (the learner may not share our inputs)."""
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, tuple):
        return tuple(clone(v) for v in value)
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


def same_inputs(before: Any, after: Any) -> bool:
    if isinstance(before, torch.Tensor):
        return (
            isinstance(after, torch.Tensor)
            and before.shape == after.shape
            and torch.equal(before, after)
        )
    if isinstance(before, (tuple, list)):
        return (
            isinstance(after, (tuple, list))
            and len(before) == len(after)
            and all(same_inputs(b, a) for b, a in zip(before, after))
        )
    return True


def as_tensor(value: Any, name: str) -> torch.Tensor:
    """The learner's `value` as a tensor to compare, or `Wrong` saying what it is instead."""
    if isinstance(value, torch.Tensor):
        return value.detach()
    if value is None:
        raise Wrong(f"{name} is None: did you forget a `return`?")
    kind = type(value).__name__
    raise Wrong(f"{name} is a {kind}, expected a torch.Tensor (these exercises use torch only)")


def as_list(value: Any, name: str, length: int, what: str) -> list[Any]:
    """A list (or tuple) of `length` items, or `Wrong`."""
    if value is None:
        raise Wrong(f"{name} is None: did you forget a `return`?")
    if not isinstance(value, (list, tuple)):
        raise Wrong(f"{name} is a {type(value).__name__}, expected a list of {length} {what}")
    if len(value) != length:
        raise Wrong(f"{name} has {len(value)} items, expected {length} ({what}, one per layer)")
    return list(value)


def as_pair(value: Any, name: str, first: str, second: str) -> tuple[Any, Any]:
    if value is None:
        raise Wrong(f"{name} returned None: did you forget a `return`?")
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        got = type(value).__name__
        if isinstance(value, (tuple, list)):
            got = f"a {got} of {len(value)} items"
        raise Wrong(f"{name} returned {got}; it must return two things: ({first}, {second})")
    return value[0], value[1]


def layer_pair(
    result: Any, function: str, layers: int, first: tuple[str, str], second: tuple[str, str]
) -> Named:
    """`function`'s two per-layer lists, `first` and `second` each (name, what), as named
    tensors ("nabla_w[0]"); both lists' lengths are checked before any item's type."""
    pair = as_pair(result, function, first[0], second[0])
    lists = [
        (name, as_list(value, name, layers, what))
        for (name, what), value in zip((first, second), pair)
    ]
    return [
        (f"{name}[{i}]", as_tensor(t, f"{name}[{i}]"))
        for name, items in lists
        for i, t in enumerate(items)
    ]


def index(idx: Sequence[int]) -> str:
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def first_difference(
    expected: Named, got: Named, rtol: float = RTOL, atol: float = ATOL
) -> list[str] | None:
    """None if every output matches; else lines about the first that does not."""
    for (name, e), (_, g) in zip(expected, got):
        if tuple(g.shape) != tuple(e.shape):
            lines = [f"{name} has shape {shape(g)}, expected {shape(e)}"]
            if g.dim() == 2 and tuple(g.shape) == tuple(e.shape)[::-1]:
                lines.append(f"{name} looks transposed: rows and columns are swapped")
            return lines
        if g.is_complex():
            return [f"{name} has dtype {g.dtype}, expected a real (float) tensor"]
        g64, e64 = g.to(torch.float64), e.to(torch.float64)
        nan = ~torch.isfinite(g64) & torch.isfinite(e64)
        if nan.any():
            where = nan.nonzero()[0].tolist()
            count = int(nan.sum())
            return [
                f"{name} has {g64[tuple(where)].item()} at {index(where)} (expected "
                f"{e64[tuple(where)].item():.6g}); {count} of {g.numel()} elements are not finite"
            ]
        both_inf = ~torch.isfinite(e64) & (g64 == e64)
        diff = (g64 - e64).abs().masked_fill(both_inf, 0.0)
        excess = diff - (atol + rtol * e64.abs().masked_fill(~torch.isfinite(e64), 0.0))
        if (excess > 0).any():
            flat = int(excess.flatten().argmax())
            where = list(torch.unravel_index(torch.tensor(flat), e64.shape))
            at = tuple(int(i) for i in where)
            count = int((excess > 0).sum())
            place = f" at {index(at)}" if at else ""
            return [
                f"{name} differs{place}: expected {e64[at].item():.6g}, got {g64[at].item():.6g}"
                f" (off by {diff[at].item():.3g}); {count} of {e.numel()} elements differ"
            ]
    return None


def matches(expected: Named, got: Named, rtol: float = RTOL, atol: float = ATOL) -> bool:
    return len(expected) == len(got) and first_difference(expected, got, rtol, atol) is None
