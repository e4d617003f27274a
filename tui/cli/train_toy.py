"""What the toy tasks' commands share (`learn-gpt train sentences`, `train translate`): the
same four options, one thread unless --threads says otherwise, and the progress shown while
they train: a Rich bar with the loss and the held-out accuracy, a line per evaluation, Ctrl-C
(or SIGTERM, SIGHUP) to stop.

No `from __future__ import annotations` here: `toy_command`'s typer annotations name its
arguments, so they must be evaluated where it is defined, not looked up in this module later.
"""

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tui.cli.options import MAX_SEED, MAX_STEPS, Threads
from tui.cli.stop_signals import StopOnSignal


def toy_command(
    train: Callable[[Path, int, int | None, int | None], None],
    doc: str,
    default_out: str,
    seed_help: str,
    default_steps: int,
) -> Callable[..., None]:
    """The typer command that runs `train(out, seed, steps, threads)`. `default_steps` is only
    shown: the engine's own default applies, read when training starts (after torch loads)."""

    def command(
        out: Annotated[Path, typer.Option(help="Where to save the model.")] = Path(default_out),
        seed: Annotated[int, typer.Option(help=seed_help, min=0, max=MAX_SEED)] = 0,
        steps: Annotated[
            int | None,
            typer.Option(help="Steps.", show_default=str(default_steps), min=1, max=MAX_STEPS),
        ] = None,
        threads: Threads = None,
    ) -> None:
        from engine.destination import check_destination

        train(check_destination(out), seed, steps, threads)  # before training, not after

    command.__doc__ = doc
    return command


def train_toy(
    console: Console,
    about: list[str],
    events: Iterable[Any],
    *,
    train: dict[str, Any],
    steps: int | None,
    threads: int | None,
    seed: int,
    batch: str,
    held_out: tuple[str, str, str],
) -> Any:
    """Print `about` (the model, the data) and the plan, follow `events` (see
    follow_training), say how well the model does on what it never saw, and return the run's
    last event. `train`: the task's training settings, whose max_iters `steps` overrides;
    `batch`: what each of its batch_size examples is; `held_out`: the measure as the progress
    names it, as the last line names it, and what was held out. `threads` None: one, as a
    model this small is dispatch-bound."""
    from engine.device import default_threads, use_threads

    accuracy, measure, unseen = held_out
    total = train["max_iters"] if steps is None else steps
    threads = use_threads(default_threads("toy") if threads is None else threads)
    for line in about:
        console.print(line)
    console.print(
        f"Training: {total} steps of {train['batch_size']} {batch}; seed {seed}, "
        f"{threads} thread(s)"
    )
    trained = follow_training(console, events, total, accuracy)
    console.print(
        f"Done in {trained.seconds:.1f} s: held-out {measure} {trained.heldout_accuracy:.1%} "
        f"({unseen})"
    )
    return trained


def follow_training(console: Console, events: Iterable[Any], total: int, accuracy: str) -> Any:
    """Show `events` (engine.tasks.runner.train_task's StepDone, HeldoutEval, Diverged, then
    the run's last event) and return that last event. A divergence exits 1; Ctrl-C, SIGTERM or
    SIGHUP stops the run and exits 130, 143 or 129, with nothing saved (one on the last step
    lets the run finish)."""
    from engine.events import Diverged, HeldoutEval, StepDone

    columns = (
        TextColumn("step"),
        MofNCompleteColumn(),
        BarColumn(),
        TextColumn(f"loss {{task.fields[loss]}}  held-out {accuracy} {{task.fields[accuracy]}}"),
        TimeElapsedColumn(),
    )
    last = None
    with StopOnSignal() as stop, Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=total, loss="…", accuracy="…")
        for event in events:
            if isinstance(event, StepDone):
                progress.update(task, completed=event.step, loss=f"{event.loss:.3f}")
                if stop.asked and event.step < total:
                    break
            elif isinstance(event, HeldoutEval):
                progress.update(task, accuracy=f"{event.heldout_accuracy:.1%}")
                console.print(
                    f"step {event.step}: train loss {event.train_loss:.4f}, held-out loss "
                    f"{event.heldout_loss:.4f}, held-out {accuracy} {event.heldout_accuracy:.1%}"
                )
            elif isinstance(event, Diverged):
                console.print(f"[red]Stopped at step {event.step}: {event.reason}.[/red]")
                raise typer.Exit(1)
            else:
                last = event
    if last is None:
        console.print(
            f"Stopped before the end ({stop.name}); nothing saved (a full run takes under a "
            "minute)."
        )
        raise typer.Exit(stop.exit_code)
    return last
