"""`learn-gpt train induction`: watch an attention-only model learn to copy (engine.induction).

Each evaluation prints the loss on the copied tokens and the head with the highest induction
score; the end says where the loss fell and which heads copy: the induction head and, in two
layers, the previous-token head of layer 1 it reads from.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from tui.cli.options import MAX_SEED, MAX_STEPS, Threads


def command(
    layers: Annotated[int, typer.Option(help="1 (the control) or 2 (induction heads form).")] = 2,
    steps: Annotated[int, typer.Option(help="Training steps.", max=MAX_STEPS)] = 1000,
    seed: Annotated[
        int, typer.Option(help="Seed: the same seed, the same run.", min=0, max=MAX_SEED)
    ] = 0,
    threads: Threads = None,
) -> None:
    """Train an attention-only transformer on sequences with a repeated stretch."""
    from engine.device import default_threads, use_threads
    from engine.events import InductionEval, InductionTrained
    from engine.induction import LENGTH, N_HEAD, VOCAB, train, verdict

    use_threads(default_threads("induction") if threads is None else threads)
    console = Console(highlight=False)
    console.print(
        f"Attention only: {layers} layer(s) of {N_HEAD} heads; {LENGTH} random tokens of "
        f"{VOCAB}, a stretch repeated at a random place; loss on the repeated tokens"
    )
    for event in train(layers, steps, seed):
        if isinstance(event, InductionEval):
            best = event.best
            console.print(
                f"step {event.step:>5}: loss {event.loss:.3f}   best induction score "
                f"{best.induction:.2f} ({best.name})"
            )
        elif isinstance(event, InductionTrained):
            console.print("\n".join(verdict(event)))
