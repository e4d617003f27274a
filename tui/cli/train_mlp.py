"""`learn-gpt train mlp`: Nielsen's network trained in the terminal with Rich progress.

Ctrl-C, SIGTERM or SIGHUP stops after the current mini-batch and saves a checkpoint that
`--resume` continues exactly; a checkpoint is also saved after every epoch (and not again at
the end when the run ends there).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tui.cli.options import MAX_SEED, DataDir, Device, Threads, named
from tui.cli.resume_check import refuse_changes
from tui.cli.stop_signals import StopOnSignal

UI_EVERY = 50  # mini-batches between progress-bar updates: rich costs more than a step


@dataclass(frozen=True)
class TrainOptions:
    given: dict[str, Any]  # the settings the learner named on the command line
    data_dir: Path | None
    device: str
    threads: int | None
    out: Path | None
    resume: Path | None
    backprop: Path | None = None  # a learner's own backprop file, checked before training


def _sizes(value: str | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        return tuple(int(part) for part in value.replace(" ", "").split(","))
    except ValueError:
        raise typer.BadParameter(
            f"expected comma-separated layer sizes like 784,30,10, got {value!r}",
            param_hint="--sizes",
        ) from None


def train_mlp(
    sizes: Annotated[
        str | None, typer.Option(help="Layer sizes, input first.", show_default="784,30,10")
    ] = None,
    epochs: Annotated[int | None, typer.Option(help="Epochs in all.", show_default="30")] = None,
    batch_size: Annotated[
        int | None, typer.Option(help="Mini-batch size.", show_default="10")
    ] = None,
    eta: Annotated[float | None, typer.Option(help="Learning rate η.", show_default="3.0")] = None,
    cost: Annotated[
        str | None, typer.Option(help="quadratic or cross-entropy.", show_default="quadratic")
    ] = None,
    activation: Annotated[
        str | None, typer.Option(help="Hidden layers: sigmoid or relu.", show_default="sigmoid")
    ] = None,
    init: Annotated[
        str | None,
        typer.Option(
            help="normal (the book's N(0,1)) or scaled (N(0,1/n_in)).", show_default="normal"
        ),
    ] = None,
    lmbda: Annotated[
        float | None, typer.Option(help="L2 regularisation λ.", show_default="0")
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Seed for weights and shuffling.", show_default="0", min=0, max=MAX_SEED),
    ] = None,
    data: Annotated[
        str | None,
        typer.Option(
            help="sample (bundled), mnist (full set), auto (full if found), or a PATH.",
            show_default="auto",
        ),
    ] = None,
    data_dir: DataDir = None,
    device: Device = "auto",
    threads: Threads = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Checkpoint to write.", show_default="runs/mlp-TIME.pt, or the --resume file"
        ),
    ] = None,
    resume: Annotated[
        Path | None, typer.Option(help="Continue the run saved in this checkpoint.")
    ] = None,
    backprop: Annotated[
        Path | None,
        typer.Option(
            help="Train with your own backprop (`learn-gpt exercise start backprop`); "
            "it must pass its check first."
        ),
    ] = None,
) -> None:
    """Train Nielsen's digit network by SGD, printing "Epoch N: correct / total"."""
    settings = {
        "sizes": _sizes(sizes),
        "epochs": epochs,
        "mini_batch_size": batch_size,
        "eta": eta,
        "cost": cost,
        "activation": activation,
        "init": init,
        "lmbda": lmbda,
        "seed": seed,
        "data": data,
    }
    run(TrainOptions(named(settings), data_dir, device, threads, out, resume, backprop))


def _open_run(opts: TrainOptions, device: str):  # noqa: ANN202 - MLPRun, imported late
    from engine.mlp_run import MLPConfig, MLPRun

    if opts.resume is None:
        return MLPRun.start(MLPConfig(**opts.given), device=device, data_dir=opts.data_dir)
    run = MLPRun.load(opts.resume, device=device, data_dir=opts.data_dir)
    saved = {key: getattr(run.config, key) for key in opts.given}
    refuse_changes(opts.given, saved, {"epochs"}, {"mini_batch_size": "--batch-size"})
    if "epochs" in opts.given:
        run.extend(opts.given["epochs"])
    return run


def run(opts: TrainOptions) -> None:
    from engine.destination import check_destination
    from engine.device import default_threads, pick_device, use_threads
    from engine.events import BatchDone

    console = Console(highlight=False)
    device = pick_device(opts.device)
    threads = use_threads(default_threads("mlp") if opts.threads is None else opts.threads)
    learner_backprop = None
    if opts.backprop is not None:  # check it first: refuse in one line before loading anything
        from tui.cli.exercise import checked_backprop

        learner_backprop = checked_backprop(opts.backprop)
    out = check_destination(
        opts.out or opts.resume or Path("runs") / time.strftime("mlp-%Y%m%d-%H%M%S.pt")
    )
    mlp = _open_run(opts, device)
    if learner_backprop is not None:
        mlp.network.use_backprop(learner_backprop)
    c = mlp.config
    console.print(
        f"Network {list(c.sizes)} ({c.activation}, {c.cost} cost), eta {c.eta}, "
        f"mini-batch {c.mini_batch_size}, lmbda {c.lmbda}, seed {c.seed}"
    )
    console.print(f"Data: {mlp.digits.source}")
    if opts.backprop is not None:
        console.print(f"Backprop: yours, from {opts.backprop} (it passed its check)")
    console.print(f"Device: {device}, {threads} thread{'s' if threads > 1 else ''}")
    if mlp.epoch or mlp.batch:
        console.print(f"Resuming {opts.resume} at epoch {mlp.epoch}, mini-batch {mlp.batch}")
    if mlp.finished:
        console.print(f"Nothing to do: the run has done its {c.epochs} epochs (raise --epochs).")
        return

    columns = (
        TextColumn("Epoch {task.fields[epoch]}/{task.fields[epochs]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TimeElapsedColumn(),
    )
    began = time.perf_counter()
    saved = False  # whether the checkpoint holds the run as it is now
    with StopOnSignal() as stop, Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=None, epoch=mlp.epoch, epochs=c.epochs, loss="…")
        for event in mlp.events():
            if isinstance(event, BatchDone):
                saved = False
                if event.loss is not None:
                    progress.update(task, loss=f"{event.loss:.4f}")
                if event.batch % UI_EVERY == 0 or event.batch == event.batches - 1:
                    progress.update(
                        task, total=event.batches, completed=event.batch + 1, epoch=event.epoch
                    )
            else:
                console.print(
                    f"Epoch {event.epoch}: {event.correct} / {event.total}"
                    f"  [dim]({event.seconds:.2f} s)[/dim]"
                )
                mlp.save(out)
                saved = True
            if stop.asked:
                break
    if not saved:
        mlp.save(out)
    if stop.asked and not mlp.finished:
        console.print(
            f"Stopped at epoch {mlp.epoch}, mini-batch {mlp.batch} ({stop.name}); saved {out}\n"
            f"Continue with: learn-gpt train mlp --resume {out}"
        )
        raise typer.Exit(stop.exit_code)
    best = max(range(len(mlp.accuracy)), key=lambda i: mlp.accuracy[i][0] / mlp.accuracy[i][1])
    correct, total = mlp.accuracy[best]
    console.print(
        f"Done in {time.perf_counter() - began:.1f} s: best {correct} / {total} "
        f"({100 * correct / total:.2f}%) at epoch {best}; checkpoint {out}"
    )
