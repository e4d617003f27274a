"""The `learn-gpt` command line: parse, call the engine, show Rich progress.

Kept thin and quick to start: torch, textual and the engine's models are imported inside the
commands that use them, so `learn-gpt --help` answers at once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="learn-gpt",
    help="From Nielsen's digit network to a working GPT, by experiment.",
    add_completion=False,
    no_args_is_help=False,
    pretty_exceptions_enable=False,
)
train_app = typer.Typer(help="Train a model from the terminal.", no_args_is_help=True)
data_app = typer.Typer(help="See and fetch the data sets.", no_args_is_help=True)
app.add_typer(train_app, name="train")
app.add_typer(data_app, name="data")
exercise_app = typer.Typer(
    help="Write the pieces yourself; the tool checks them against the engine.",
    no_args_is_help=True,
)
app.add_typer(exercise_app, name="exercise")

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="LEARN_GPT_DATA_DIR",
        show_envvar=True,
        help="Folder holding full data sets (MNIST IDX files or mnist.pkl.gz, ...).",
    ),
]
Device = Annotated[
    str, typer.Option(help="auto (cuda, then mps, then cpu), cuda, cuda:N, mps or cpu.")
]
Threads = Annotated[
    int | None, typer.Option(help="torch CPU threads (default: chosen per workload).")
]


PANE_NAMES = ("digits", "attention", "lab", "sampling", "lessons")


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    pane: Annotated[
        str, typer.Option(help="Open the app on this pane: " + ", ".join(PANE_NAMES) + ".")
    ] = "digits",
    data_dir: DataDir = None,
) -> None:
    """Without a subcommand, open the app."""
    if ctx.invoked_subcommand is not None:
        return
    if pane not in PANE_NAMES:
        raise typer.BadParameter(
            f"unknown pane {pane!r}: choose {', '.join(PANE_NAMES)}", param_hint="--pane"
        )
    from tui.app import LearnGPTApp

    LearnGPTApp(pane=pane, data_dir=str(data_dir) if data_dir else None).run()


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


@train_app.command("mlp")
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
        int | None, typer.Option(help="Seed for weights and shuffling.", show_default="0")
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
    from tui.cli.train_mlp import TrainOptions, run

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
    given = {key: value for key, value in settings.items() if value is not None}
    run(TrainOptions(given, data_dir, device, threads, out, resume, backprop))


@train_app.command("gpt")
def train_gpt(
    preset: Annotated[str, typer.Option(help="cpu (nanoGPT's CPU baby GPT) or tiny.")] = "cpu",
    corpus: Annotated[
        str, typer.Option(help="sample (bundled), shakespeare, tinyshakespeare, or a PATH.")
    ] = "sample",
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
    seed: Annotated[int | None, typer.Option(help="Seed.", show_default="1337")] = None,
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
    from tui.cli.train_gpt import GPTOptions, train

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
    train(
        GPTOptions(
            preset,
            corpus,
            {k: v for k, v in model.items() if v is not None},
            {k: v for k, v in settings.items() if v is not None},
            data_dir,
            device,
            threads,
            out,
            resume,
        )
    )


@app.command("sample")
def sample(
    checkpoint: Annotated[Path, typer.Argument(help="A GPT checkpoint from `train gpt`.")],
    prompt: Annotated[str, typer.Option(help="Text to continue.")] = "",
    n: Annotated[int, typer.Option("-n", "--tokens", help="Characters to write.")] = 500,
    temperature: Annotated[float, typer.Option(help="0 is greedy; higher is wilder.")] = 0.8,
    top_k: Annotated[int | None, typer.Option(help="Choose among the k likeliest only.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed, for the same text again.")] = None,
    cache: Annotated[bool, typer.Option("--cache/--no-cache", help="Key/value cache.")] = True,
    device: Device = "auto",
) -> None:
    """Stream text from a trained GPT, character by character."""
    from tui.cli.train_gpt import sample as run_sample

    run_sample(checkpoint, prompt, n, temperature, top_k, seed, device, cache)


@data_app.command("info")
def data_info(data_dir: DataDir = None) -> None:
    """Say which data sets are where: bundled samples, data directories, the cache."""
    from tui.cli.data import info

    info(data_dir)


@data_app.command("download")
def data_download(
    name: Annotated[str, typer.Argument(help="mnist or tinyshakespeare.")],
    force: Annotated[bool, typer.Option(help="Download again even if present.")] = False,
    mirror: Annotated[
        str | None, typer.Option(help="Base URL of a mirror holding the files.")
    ] = None,
) -> None:
    """Download a full data set into the user cache, checking every file's checksum."""
    from tui.cli.data import download

    download(name, force, mirror)


@train_app.command("sentences")
def train_sentences(
    out: Annotated[Path, typer.Option(help="Where to save the model.")] = Path(
        "runs/pizza-words.pt"
    ),
    seed: Annotated[int, typer.Option(help="Seed for the sentences and the weights.")] = 0,
    steps: Annotated[int | None, typer.Option(help="Steps.", show_default="1000", min=1)] = None,
) -> None:
    """Train the word-level model that finds what "it" refers to in the pizza sentences."""
    from tui.cli.train_sentences import train_sentences as run_training

    run_training(out, seed, steps)


@train_app.command("translate")
def train_translate(
    out: Annotated[Path, typer.Option(help="Where to save the model.")] = Path(
        "runs/numbers-seq2seq.pt"
    ),
    seed: Annotated[int, typer.Option(help="Seed for the batches and the weights.")] = 0,
    steps: Annotated[int | None, typer.Option(help="Steps.", show_default="1500", min=1)] = None,
) -> None:
    """Train the encoder-decoder that translates number words to digits."""
    from tui.cli.train_translate import train_translate as run_training

    run_training(out, seed, steps)


@app.command("lesson")
def lesson(
    which: Annotated[
        str | None,
        typer.Argument(
            metavar="[N]", help="A lesson's number (or name, e.g. attention); leave out to list."
        ),
    ] = None,
) -> None:
    """List the lessons, or print lesson N in the terminal to read without the app."""
    from tui.cli.lesson import list_lessons, show_lesson

    if which is None:
        list_lessons()
    else:
        show_lesson(which)


@exercise_app.command("list")
def exercise_list() -> None:
    """List the exercises, in the course's order."""
    from tui.cli.exercise import list_exercises

    list_exercises()


@exercise_app.command("start")
def exercise_start(
    name: Annotated[str, typer.Argument(help="The exercise, e.g. backprop (see `exercise list`).")],
    folder: Annotated[Path, typer.Option(help="Where to write NAME.py.")] = Path("."),
) -> None:
    """Copy an exercise's stub to NAME.py, never over an existing file."""
    from tui.cli.exercise import start_exercise

    start_exercise(name, folder)


@exercise_app.command("check")
def exercise_check(
    name: Annotated[str, typer.Argument(help="The exercise, e.g. backprop.")],
    path: Annotated[
        Path | None, typer.Argument(help="Your file.", show_default="./NAME.py")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds before your code is stopped.")] = 20.0,
) -> None:
    """Check your function against the reference on many random cases."""
    from tui.cli.exercise import check_exercise

    check_exercise(name, path, timeout)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every error the learner can fix is one line on stderr and a non-zero exit."""
    from engine.errors import ConfigError, EngineError

    # click's base error: typer re-exports only some of click (and vendors it in new releases)
    usage_error = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="learn-gpt", standalone_mode=False)
    except usage_error as exc:
        print(f"learn-gpt: error: {exc.format_message()}", file=sys.stderr)
        code = exc.exit_code
    except typer.Abort:
        print("learn-gpt: aborted", file=sys.stderr)
        code = 130
    except ConfigError as exc:
        print(f"learn-gpt: error: {exc}", file=sys.stderr)
        code = 2
    except EngineError as exc:
        print(f"learn-gpt: {exc}", file=sys.stderr)
        code = 1
    sys.exit(code if isinstance(code, int) else 0)
