"""`learn-gpt train gpt` and `learn-gpt sample`: a GPT trained and sampled in the terminal.

Training shows a Rich progress bar with the loss, prints each evaluation and each sample as it
arrives, saves after every evaluation, and on Ctrl-C, SIGTERM or SIGHUP saves and says how
to resume (a stop on the last step lets it finish: its evaluation, sample and save). Under
`torchrun` every rank trains and only rank 0 prints and saves.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tui.cli.options import MAX_SEED, DataDir, Device, Threads, named
from tui.cli.resume_check import refuse_changes
from tui.cli.stop_signals import StopOnSignal


@dataclass(frozen=True)
class GPTOptions:
    preset: str | None  # None: "cpu" for a new run; a resumed run keeps its own
    corpus: str | None  # None: "sample" for a new run; a resumed run keeps its own
    model: dict[str, Any]  # model settings named on the command line
    train: dict[str, Any]  # training settings named on the command line
    data_dir: Path | None
    device: str
    threads: int | None
    out: Path | None
    resume: Path | None


def train_gpt(
    preset: Annotated[
        str | None, typer.Option(help="cpu (nanoGPT's CPU baby GPT) or tiny.", show_default="cpu")
    ] = None,
    corpus: Annotated[
        str | None,
        typer.Option(
            help="sample (bundled), shakespeare, tinyshakespeare, or a PATH.",
            show_default="sample",
        ),
    ] = None,
    score: Annotated[
        str | None,
        typer.Option(
            help="scaled_dot, dot, squared, negated, reversed or cosine.", show_default="scaled_dot"
        ),
    ] = None,
    mask: Annotated[
        str | None,
        typer.Option(help="causal, anti_causal, none or window:K.", show_default="causal"),
    ] = None,
    positional: Annotated[
        str | None, typer.Option(help="learned, sinusoidal or none.", show_default="learned")
    ] = None,
    residual: Annotated[
        bool | None,
        typer.Option("--residual/--no-residual", help="Residual connections.", show_default="on"),
    ] = None,
    n_layer: Annotated[int | None, typer.Option(help="Blocks.", show_default="preset")] = None,
    n_head: Annotated[int | None, typer.Option(help="Heads.", show_default="preset")] = None,
    n_embd: Annotated[int | None, typer.Option(help="Width.", show_default="preset")] = None,
    block_size: Annotated[
        int | None, typer.Option(help="Context length.", show_default="preset")
    ] = None,
    dropout: Annotated[float | None, typer.Option(help="Dropout.", show_default="preset")] = None,
    max_iters: Annotated[
        int | None, typer.Option(help="Steps in all.", show_default="preset")
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(help="Sequences per step.", show_default="preset")
    ] = None,
    lr: Annotated[
        float | None, typer.Option(help="Peak learning rate.", show_default="preset")
    ] = None,
    eval_interval: Annotated[
        int | None, typer.Option(help="Steps between evaluations.", show_default="preset")
    ] = None,
    sample_interval: Annotated[
        int | None, typer.Option(help="Steps between samples (0: none).", show_default="preset")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed.", show_default="1337", min=0, max=MAX_SEED)
    ] = None,
    data_dir: DataDir = None,
    device: Device = "auto",
    threads: Threads = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Checkpoint to write.", show_default="runs/gpt-TIME.pt, or --resume"),
    ] = None,
    resume: Annotated[
        Path | None, typer.Option(help="Continue the run in this checkpoint.")
    ] = None,
) -> None:
    """Train a character-level GPT, showing the loss and samples as it learns."""
    model = {
        "score": score,
        "mask": mask,
        "positional": positional,
        "residual": residual,
        "n_layer": n_layer,
        "n_head": n_head,
        "n_embd": n_embd,
        "block_size": block_size,
        "dropout": dropout,
    }
    settings = {
        "max_iters": max_iters,
        "batch_size": batch_size,
        "learning_rate": lr,
        "eval_interval": eval_interval,
        "sample_interval": sample_interval,
        "seed": seed,
    }
    for option, given in (("--preset", preset), ("--corpus", corpus)):
        if given is not None and not given.strip():
            raise typer.BadParameter("is empty: leave it out for the default", param_hint=option)
    train(
        GPTOptions(
            preset, corpus, named(model), named(settings), data_dir, device, threads, out, resume
        )
    )


def _open_run(opts: GPTOptions, device: str):  # noqa: ANN202 - GPTRun, imported late
    from engine.errors import ConfigError
    from engine.gpt_checkpoint import load_run_checkpoint
    from engine.gpt_run import GPTRun

    if opts.resume is None:
        return GPTRun.start(
            opts.corpus or "sample",
            preset=opts.preset or "cpu",
            model=opts.model,
            train=opts.train,
            device=device,
            data_dir=opts.data_dir,
        )
    saved = load_run_checkpoint(opts.resume)  # a model-only file is refused here, in one line
    if opts.preset is not None:
        raise ConfigError("--preset with --resume: a resumed run keeps its model and settings")
    given_text = {"spec": opts.corpus} if opts.corpus is not None else {}
    refuse_changes(given_text, saved["corpus"], set(), {"spec": "--corpus"})
    refuse_changes(opts.model, saved["model_config"], set())
    refuse_changes(opts.train, saved["train_config"], {"max_iters"}, {"learning_rate": "--lr"})
    return GPTRun.load(opts.resume, device, opts.data_dir, max_iters=opts.train.get("max_iters"))


def train(opts: GPTOptions) -> None:
    from engine.destination import check_destination
    from engine.device import default_threads, pick_device, use_threads
    from engine.events import CheckpointSaved, Diverged, EvalDone, Sampled, StepDone
    from engine.gpt_run import init_distributed

    device = pick_device(opts.device)
    threads = use_threads(default_threads("gpt") if opts.threads is None else opts.threads)
    rank, world = init_distributed(device)
    console = Console(highlight=False, quiet=rank != 0)
    out = check_destination(
        opts.out or opts.resume or Path("runs") / time.strftime("gpt-%Y%m%d-%H%M%S.pt")
    )
    run = _open_run(opts, device)
    m, t = run.model_config, run.train_config
    console.print(
        f"GPT: {m.n_layer} layers, {m.n_head} heads, {m.n_embd} wide, context "
        f"{m.block_size}, {run.model.num_params():,} parameters; score {m.score}, "
        f"mask {m.mask if isinstance(m.mask, str) else 'custom'}, positional "
        f"{m.positional}, residual {'on' if m.residual else 'off'}, dropout {m.dropout}"
    )
    console.print(
        f"Text: {run.corpus.source}; {len(run.train_ids):,} train / "
        f"{len(run.val_ids):,} val tokens, vocabulary {m.vocab_size}"
    )
    console.print(
        f"Training: {t.max_iters} steps of {t.batch_size} x {m.block_size} tokens, "
        f"lr {t.learning_rate}; device {device}, {threads} thread(s)"
        + (f", {world} processes" if world > 1 else "")
    )
    if run.step:
        console.print(f"Resuming {opts.resume} at step {run.step}")
    columns = (
        TextColumn("step"),
        MofNCompleteColumn(),
        BarColumn(),
        TextColumn("loss {task.fields[loss]}  {task.fields[speed]} tok/s"),
        TimeElapsedColumn(),
    )
    diverged, saved_step = None, -1
    with StopOnSignal() as stop, Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=t.max_iters, completed=run.step, loss="…", speed="…")
        for event in run.events(out):
            if isinstance(event, StepDone):
                progress.update(
                    task,
                    completed=event.step,
                    loss=f"{event.loss:.3f}",
                    speed=f"{event.tokens_per_s:,.0f}",
                )
            elif isinstance(event, EvalDone):
                console.print(
                    f"step {event.step}: train loss {event.train_loss:.4f}, "
                    f"val loss {event.val_loss:.4f}"
                )
            elif isinstance(event, Sampled):
                console.print(
                    Panel(
                        event.text.strip(),
                        title=f"sample at step {event.step}",
                        title_align="left",
                        border_style="dim",
                    )
                )
            elif isinstance(event, CheckpointSaved):
                saved_step = run.step
            elif isinstance(event, Diverged):
                diverged = event
            if isinstance(event, StepDone) and run.any_rank(stop.asked):
                stop.asked = True  # every rank stops at the same step
                if not run.finished:
                    break
                # the last step: its evaluation, sample and save follow, as in any finished run
    if diverged is not None:
        console.print(
            f"[red]Stopped at step {diverged.step}: {diverged.reason}.[/red] "
            f"The last good checkpoint (if any) is {out}"
        )
        raise typer.Exit(1)
    if rank == 0 and saved_step != run.step:
        run.save(out)
    if world > 1:
        import torch.distributed as dist

        dist.destroy_process_group()
    if stop.asked and not run.finished:
        console.print(
            f"Stopped at step {run.step} ({stop.name}); saved {out}\n"
            f"Continue with: learn-gpt train gpt --resume {out}"
        )
        raise typer.Exit(stop.exit_code)
    last = run.history[-1] if run.history else None
    console.print(
        f"Done: step {run.step}"
        + (f", val loss {last.val_loss:.4f}" if last else "")
        + f"; checkpoint {out}"
    )


def sample(
    checkpoint: Annotated[Path, typer.Argument(help="A GPT checkpoint from `train gpt`.")],
    prompt: Annotated[str, typer.Option(help="Text to continue.")] = "",
    n: Annotated[int, typer.Option("-n", "--tokens", help="Characters to write.", min=0)] = 500,
    temperature: Annotated[float, typer.Option(help="0 is greedy; higher is wilder.")] = 0.8,
    top_k: Annotated[int | None, typer.Option(help="Choose among the k likeliest only.")] = None,
    top_p: Annotated[
        float | None,
        typer.Option(help="Choose among the likeliest whose probabilities add up to p only."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed, for the same text again.", min=0, max=MAX_SEED)
    ] = None,
    cache: Annotated[bool, typer.Option("--cache/--no-cache", help="Key/value cache.")] = True,
    device: Device = "auto",
    threads: Threads = None,
) -> None:
    """Stream text from a trained GPT, character by character."""
    from engine.device import default_threads, pick_device, use_threads
    from engine.gpt_checkpoint import load_model
    from engine.sample import check_sampling, generate

    check_sampling(temperature, top_k, top_p)
    device = pick_device(device)
    use_threads(default_threads("gpt") if threads is None else threads)
    model, tokenizer = load_model(checkpoint, device)
    tokenizer.encode(prompt)  # unseen characters: a one-line error before anything prints
    sys.stdout.write(prompt)
    for piece in generate(
        model,
        tokenizer,
        prompt,
        n,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        seed=seed,
        use_cache=cache,
    ):
        sys.stdout.write(piece.text)
        sys.stdout.flush()
    sys.stdout.write("\n")
