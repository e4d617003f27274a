"""The progress shown while a toy task trains (`learn-gpt train sentences`, `train translate`):
a Rich bar with the loss and the held-out accuracy, a line per evaluation, Ctrl-C to stop."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tui.cli.ctrl_c import StopOnCtrlC


def follow_training(
    console: Console, events: Iterable[Any], total: int, accuracy: str, evaluation: type
) -> Any:
    """Show `events` (engine.toy_task.train_steps' StepDone, `evaluation` events with
    train_loss, heldout_loss and heldout_accuracy, Diverged, then the run's last event) and
    return that last event. A divergence exits 1; Ctrl-C stops the run and exits 130, with
    nothing saved."""
    from engine.events import Diverged, StepDone

    columns = (
        TextColumn("step"),
        MofNCompleteColumn(),
        BarColumn(),
        TextColumn(f"loss {{task.fields[loss]}}  held-out {accuracy} {{task.fields[accuracy]}}"),
        TimeElapsedColumn(),
    )
    last = None
    with StopOnCtrlC() as stop, Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=total, loss="…", accuracy="…")
        for event in events:
            if isinstance(event, StepDone):
                progress.update(task, completed=event.step, loss=f"{event.loss:.3f}")
                if stop.asked:
                    break
            elif isinstance(event, evaluation):
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
        console.print("Stopped before the end; nothing saved (a full run takes under a minute).")
        raise typer.Exit(130)
    return last
