"""The `learn-gpt` command line: the typer app, its top-level options, and the sub-commands
gathered from the modules beside this one.

Kept thin and quick to start: torch, textual and the engine's models are imported inside the
commands that use them, so `learn-gpt --help` answers at once.
"""

from __future__ import annotations

import re
import signal
import sys
from typing import Annotated

import typer

from tui.cli import (
    data,
    exercise,
    lesson,
    serve,
    train_gpt,
    train_induction,
    train_ladder,
    train_mlp,
    train_sentences,
    train_translate,
)
from tui.cli.options import DataDir, Device, Threads, checked_device

PANE_NAMES = ("digits", "attention", "lab", "sampling", "lessons", "build", "copying")

app = typer.Typer(
    name="learn-gpt",
    help="From Nielsen's digit network to a working GPT, by experiment.",
    add_completion=False,
    no_args_is_help=False,
    pretty_exceptions_enable=False,
)
train_app = typer.Typer(help="Train a model from the terminal.", no_args_is_help=True)
train_app.command("mlp")(train_mlp.train_mlp)
train_app.command("gpt")(train_gpt.train_gpt)
train_app.command("sentences")(train_sentences.command)
train_app.command("translate")(train_translate.command)
train_app.command("ladder")(train_ladder.command)
train_app.command("induction")(train_induction.command)
app.add_typer(train_app, name="train")
app.add_typer(data.app, name="data")
app.add_typer(exercise.app, name="exercise")
app.command("sample")(train_gpt.sample)
app.command("lesson")(lesson.command)
app.command("serve")(serve.command)


def check_app_options(pane: str, threads: int | None, device: str) -> None:
    """The app's own options, refused in one line before it starts (here or for serve's tabs)."""
    if pane not in PANE_NAMES:
        raise typer.BadParameter(
            f"unknown pane {pane!r}: choose {', '.join(PANE_NAMES)}", param_hint="--pane"
        )
    if threads is not None and threads < 1:
        raise typer.BadParameter(f"must be at least 1, got {threads}", param_hint="--threads")
    checked_device(device)


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    pane: Annotated[
        str, typer.Option(help="Open the app on this pane: " + ", ".join(PANE_NAMES) + ".")
    ] = "digits",
    data_dir: DataDir = None,
    threads: Threads = None,
    device: Device = "auto",
) -> None:
    """Without a subcommand, open the app."""
    if ctx.invoked_subcommand is not None:
        return
    check_app_options(pane, threads, device)
    from tui.app import LearnGPTApp

    folder = str(data_dir) if data_dir else None
    course = LearnGPTApp(pane=pane, threads=threads, data_dir=folder, device=device)
    course.run()
    if course.return_code:  # it said why as it closed
        raise typer.Exit(course.return_code)


def too_large_line(exc: BaseException) -> str | None:
    """One line for a model, batch or network too large for memory (torch's allocator says
    "can't allocate memory: you tried to allocate N bytes"); None for any other error."""
    text = str(exc)
    if not isinstance(exc, MemoryError) and "allocate" not in text and "out of memory" not in text:
        return None
    wanted = re.search(r"allocate (\d+) bytes", text)
    size = f" ({int(wanted.group(1)) / 1e9:,.1f} GB at once)" if wanted else ""
    return f"too large: not enough memory{size}; choose smaller sizes, width or batch"


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every error the learner can fix is one line on stderr and a non-zero exit."""
    from engine.errors import ConfigError, EngineError

    # click's base error: typer re-exports only some of click (and vendors it in new releases)
    usage_error = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
    command = typer.main.get_command(app)
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        # the command is invoked here, not through command.main(), which turns a Ctrl-C into a
        # silent exit 130: a second Ctrl-C (after the first asked a run to stop) must still say
        with command.make_context("learn-gpt", args) as ctx:
            command.invoke(ctx)
        code = 0
    except typer.Exit as exc:
        code = exc.exit_code
    except usage_error as exc:
        print(f"learn-gpt: error: {exc.format_message()}", file=sys.stderr)
        code = exc.exit_code
    except typer.Abort:
        print("learn-gpt: aborted", file=sys.stderr)
        code = 130
    except KeyboardInterrupt:  # a second Ctrl-C, or one before training starts: at once
        # (a file being written when it came was finished first: engine.atomic.signals_held)
        print("learn-gpt: interrupted", file=sys.stderr)
        code = 130
    except ConfigError as exc:
        print(f"learn-gpt: error: {exc}", file=sys.stderr)
        code = 2
    except EngineError as exc:
        print(f"learn-gpt: {exc}", file=sys.stderr)
        code = 1
    except (MemoryError, RuntimeError) as exc:
        too_large = too_large_line(exc)
        if too_large is None:
            raise
        print(f"learn-gpt: {too_large}", file=sys.stderr)
        code = 1
    if argv is None:  # the whole process is ours (not a test calling main with its own args)
        # a Ctrl-C while the interpreter shuts down (torch's exit hooks) would print a
        # traceback: from here on it ends the process at once, as the shell expects
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(code)
