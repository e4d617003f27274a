"""`learn-gpt train ladder`: the lecture's GPT built rung by rung, each rung trained, in a table.

A Rich bar follows each rung's steps; each finished rung prints one line; the end is a table
(rung, what it adds, parameters, validation loss, the lecture's, seconds, whose pieces). With
`--mine DIR` every piece found in DIR is checked first (its verdict printed), the rungs use the
learner's classes, and each such rung is also trained with the reference's, from the same
weights and batches, so the line says whether the curves agree or where they part.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tui.cli.options import MAX_SEED, MAX_STEPS, DataDir, Device, Threads
from tui.cli.stop_signals import StopOnSignal


def command(
    rungs: Annotated[str, typer.Option(help="Which rungs, e.g. 1-6, 3 or 1,5-7.")] = "1-6",
    iters: Annotated[
        int | None,
        typer.Option(
            help="Steps per rung, for a quick ladder (the bigram gets 3/5 of them).",
            show_default="the lecture's: 5,000 (bigram 3,000)",
            max=MAX_STEPS,
        ),
    ] = None,
    corpus: Annotated[
        str, typer.Option(help="sample (bundled), shakespeare, tinyshakespeare, or a PATH.")
    ] = "sample",
    mine: Annotated[
        Path | None,
        typer.Option(help="Folder with your head.py, multi_head.py, ... to build the rungs from."),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Seed: the same seed, the same ladder.", min=0, max=MAX_SEED)
    ] = 1337,
    data_dir: DataDir = None,
    device: Device = "auto",
    threads: Threads = None,
) -> None:
    """Build the GPT of "Let's build GPT" rung by rung, training each rung."""
    from engine.device import default_threads, pick_device, use_threads
    from engine.ladder import get_rungs, load_data, quick

    chosen = get_rungs(rungs)
    if iters is not None:
        chosen = [quick(rung, iters) for rung in chosen]
    device = pick_device(device)
    used = use_threads(default_threads("ladder") if threads is None else threads)
    console = Console(highlight=False)
    pieces = _checked_pieces(mine, console) if mine is not None else None
    data = load_data(corpus, data_dir)
    console.print(
        f"Text: {data.source}; {len(data.train_ids):,} train / {len(data.val_ids):,} val "
        f"characters, vocabulary {data.tokenizer.vocab_size}; device {device}, {used} thread(s)"
    )
    _climb(chosen, data, pieces, seed, device, console)


def _checked_pieces(folder: Path, console: Console) -> Any:
    """The learner's pieces from `folder`, each after its check's verdict is printed."""
    from engine.exercises import check
    from engine.ladder_mine import find_mine
    from engine.ladder_pieces import CLASS_NAMES

    mine = find_mine(folder)
    for name, path in mine.files.items():
        report = check(name, path)
        if report.passed:
            console.print(f"[green]✓ {CLASS_NAMES[name]} ({path}) passes its check[/green]")
        else:
            console.print(f"[red]✗ {CLASS_NAMES[name]} ({path}): {report.summary()}[/red]")
            for hint in report.hints[:1]:
                console.print(f"  [yellow]hint: {hint}[/yellow]")
    return mine.pieces


def _climb(
    rungs: list[Any], data: Any, pieces: Any, seed: int, device: str, console: Console
) -> None:
    from engine.ladder import train_rung

    columns = (
        TextColumn("{task.description}"),
        MofNCompleteColumn(),
        BarColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TimeElapsedColumn(),
    )
    results = []
    with StopOnSignal() as stop, Progress(*columns, console=console, transient=True) as progress:

        def train(rung: Any, with_pieces: Any, whose: str) -> Any:
            """One rung's events into a bar; its result, or None when a stop was asked."""
            label = f"rung {rung.number} {rung.name}" + (f" ({whose})" if whose else "")
            task = progress.add_task(label, total=rung.steps, loss="…")
            try:
                return _follow(
                    train_rung(rung, data, pieces=with_pieces, seed=seed, device=device),
                    stop,
                    progress,
                    task,
                )
            finally:
                progress.remove_task(task)

        for rung in rungs:
            compare = pieces is not None and bool(pieces.theirs(rung.uses))
            reference = train(rung, None, "reference") if compare else None
            result = (
                None
                if compare and reference is None
                else train(rung, pieces, "yours" if compare else "")
            )
            if result is None:
                break
            results.append(result)
            console.print(_rung_line(result, reference))
            if result.theirs:
                _keep(result, console)
    if results:
        console.print(_table(results))
    if stop.asked and len(results) < len(rungs):
        console.print(f"Stopped during rung {rungs[len(results)].number} ({stop.name}).")
        raise typer.Exit(stop.exit_code)


def _keep(result: Any, console: Console) -> None:
    """A rung trained with the learner's classes goes into their progress."""
    from engine.progress import record_rung

    warning = record_rung(result.rung, result.theirs, result.val_loss)
    if warning:
        console.print(f"[dim yellow]{warning}[/dim yellow]")


def _follow(events: Any, stop: StopOnSignal, progress: Progress, task: Any) -> Any:
    from engine.events import RungDone, RungStep

    for event in events:
        if isinstance(event, RungStep):
            progress.update(task, completed=event.step, loss=f"{event.loss:.3f}")
            if stop.asked:
                events.close()
                return None
        elif isinstance(event, RungDone):
            return event.result
    return None


def _rung_line(result: Any, reference: Any) -> str:
    from engine.ladder import parting
    from engine.ladder_pieces import CLASS_NAMES

    line = (
        f"rung {result.rung} {result.name}: val loss {result.val_loss:.4f} "
        f"(lecture {result.lecture:.2f}) after {result.steps:,} steps, {result.seconds:.1f} s"
    )
    if result.diverged:
        line += f" [red]— diverged: {result.diverged}[/red]"
    if reference is None:
        return line
    theirs = ", ".join(CLASS_NAMES[name] for name in result.theirs)
    part = parting(reference.history, result.history)
    colour = "green" if part.step is None else "red"
    return f"{line}\n  [{colour}]yours ({theirs}) {part.describe()}[/{colour}]"


def _table(results: list[Any]) -> Table:
    from engine.ladder import RUNGS
    from engine.ladder_pieces import CLASS_NAMES

    adds = {rung.number: rung.adds for rung in RUNGS}
    table = Table(box=None, header_style="bold", padding=(0, 1))
    for name, justify in (
        ("rung", "right"),
        ("adds", "left"),
        ("parameters", "right"),
        ("val loss", "right"),
        ("lecture", "right"),
        ("seconds", "right"),
        ("pieces", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in results:
        whose = (
            ", ".join(CLASS_NAMES[name] for name in r.theirs) + " yours"
            if r.theirs
            else "reference"
        )
        table.add_row(
            str(r.rung),
            adds[r.rung],
            f"{r.parameters:,}",
            f"{r.val_loss:.4f}",
            f"{r.lecture:.2f}",
            f"{r.seconds:.1f}",
            whose,
        )
    return table
