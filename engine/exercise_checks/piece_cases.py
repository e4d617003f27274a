"""What the five class exercises share (`head`, `multi_head`, `feed_forward`, `block`,
`layer_norm`): the learner writes one of the lecture's nn.Module pieces, not a function.

A case's arguments are `(build, x)`: `build` says how to construct the piece (its constructor's
arguments, the engine's classes it is given, so that only the piece itself is tested, and the
seed of its weights), `x` is the input. `adapter(reference)` turns a class into a function of
those arguments: build the reference with random weights, build the class the same way, copy the
weights into it by name (`engine.ladder.copy_weights`, as a rung does), and run it in eval mode.
So the runner, the reference and every known mistake (a subclass of the reference with a wrong
forward) are called alike, and the learner's class keeps the lecture's attribute names.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import nn

from engine.exercise_checks.common import ATOL, RTOL, Case, Named, Wrong, as_tensor, gen, shape
from engine.ladder import LadderError, copy_weights

ARG_NAMES = ("build", "x")
Forward = Callable[["Build", torch.Tensor], Any]


@dataclass(frozen=True)
class Build:
    """How a case builds the piece: `args` for its constructor, `given` the classes it is
    handed by keyword (the engine's), `seed` the seed of the reference's weights."""

    args: tuple[int | float, ...]
    given: dict[str, Callable[..., nn.Module]]
    seed: int


# (constructor arguments, given classes, x's shape): one case each
Spec = tuple[tuple[int | float, ...], dict[str, Callable[..., nn.Module]], tuple[int, ...]]


def cases(reference: type[nn.Module], specs: Sequence[Spec]) -> list[Case]:
    """One case per spec, labelled as the piece is called: "Head(n_embd=16, ...), x (2, 5, 16)"
    (a given class is named only where it is not the constructor's default)."""
    params = inspect.signature(reference).parameters
    out = []
    for seed, (args, given, x_shape) in enumerate(specs):
        x = torch.randn(*x_shape, generator=gen(seed))
        said = [f"{name}={value}" for name, value in zip(params, args)]
        said += [f"{k}={v.__name__}" for k, v in given.items() if params[k].default is not v]
        label = f"{reference.__name__}({', '.join(said)}), x {shape(x)}"
        out.append(Case(label, (Build(args, given, seed), x)))
    return out


def _random_weights(piece: nn.Module, seed: int) -> None:
    """Every weight drawn at random (a LayerNorm's gamma and beta too, so that forgetting
    them shows); matrices scaled by 1/√fan_in, so no softmax saturates."""
    g = gen(10_000 + seed)  # not x's stream
    with torch.no_grad():
        for p in piece.parameters():
            scale = p.shape[-1] ** -0.5 if p.dim() > 1 else 0.5
            p.copy_(torch.randn(p.shape, generator=g) * scale)


def adapter(reference: type[nn.Module], needs: str) -> Callable[[Any], Forward]:
    """`adapt(cls)` for the exercise whose right answer is the engine's `reference`; `needs`
    says the attributes the stub asks for, for when the weights do not load."""
    name = reference.__name__

    def adapt(cls: Any) -> Forward:
        if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
            raise Wrong(
                f"`{name}` is not an nn.Module class: keep the stub's `class {name}(nn.Module)`"
            )

        @torch.no_grad()
        def forward(build: Build, x: torch.Tensor) -> Any:
            right = reference(*build.args, **build.given)
            _random_weights(right, build.seed)
            piece = cls(*build.args, **build.given)
            try:
                copy_weights(right, piece, [f"{name}'s parameters"])
            except LadderError as exc:
                raise Wrong(str(exc), needs) from None
            return piece.eval()(x)

        return forward

    return adapt


def mistakes(
    adapt: Callable[[Any], Forward],
    reference: type[nn.Module],
    forward: Callable[..., torch.Tensor],
) -> Callable[..., Forward]:
    """Known mistakes made from `forward(self, x, **switches)`, the right forward with switches:
    `mistakes(...)(scale="none")` is the reference's class with that forward, adapted."""

    def variant(**switches: Any) -> Forward:
        def wrong(self: nn.Module, x: torch.Tensor) -> torch.Tensor:
            return forward(self, x, **switches)

        return adapt(type(f"Wrong{reference.__name__}", (reference,), {"forward": wrong}))

    return variant


def negated(cls: type[nn.Module]) -> type[nn.Module]:
    """`cls` with its output negated: handed to a learner's piece in place of the engine's
    class, it changes their output only if they build with the class they are given."""

    def forward(self: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return -cls.forward(self, x)

    return type(f"Negated{cls.__name__}", (cls,), {"forward": forward})


def _swapped(case: Case, key: str) -> tuple[Build, torch.Tensor]:
    """`case`'s arguments with the class given as `key` swapped for its negated self."""
    build, x = case.args
    return replace(build, given={**build.given, key: negated(build.given[key])}), x


def given_class_outputs(fn: Forward, case: Case, keys: Sequence[str]) -> dict[str, torch.Tensor]:
    """The learner's piece's output on `case` with each given class in turn negated (the child's
    half of `ignored_classes`)."""
    out = {key: as_tensor(fn(*_swapped(case, key)), "out") for key in keys}
    return {key: t.cpu().clone().as_subclass(torch.Tensor) for key, t in out.items()}


def ignored_classes(
    outputs: dict[str, torch.Tensor], reference: Forward, case: Case, keys: Sequence[str]
) -> list[str] | None:
    """Lines naming the given classes (`head=`, `attention=`, ...) that the learner's piece does
    not build with, or None: `outputs` are its outputs with each negated in turn."""
    ignored = []
    for key in keys:
        right, got = reference(*_swapped(case, key)), outputs[key]
        if got.shape != right.shape or not torch.allclose(got, right, rtol=RTOL, atol=ATOL):
            ignored.append(key)
    if not ignored:
        return None
    return [
        f"it does not build with the class it is given as {', '.join(f'`{k}=`' for k in ignored)}: "
        "call that argument (the engine's class or your own) instead of a class of your "
        "choice, so that the ladder's rungs can put in either"
    ]


def unpack(result: Any, case: Case) -> Named:
    return [("out", as_tensor(result, "out"))]


def error_hints(exc: BaseException, case: Case) -> list[str]:
    if "before Module.__init__() call" in str(exc):
        return ["call super().__init__() first in __init__, before assigning any layer"]
    return []
