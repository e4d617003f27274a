"""`learn-gpt exercise`: list the exercises, copy a stub to write in, check what was written.

The checking itself is `engine.exercises.check` (a child process with a time limit); this
module only prints its report with Rich.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

app = typer.Typer(
    help="Write the pieces yourself; the tool checks them against the engine.",
    no_args_is_help=True,
)


@app.command("list")
def list_exercises() -> None:
    """List the exercises, in the course's order."""
    from engine.exercises import EXERCISES

    console = Console(highlight=False)
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2, 1, 0))
    table.add_column("exercise", style="cyan", no_wrap=True)
    table.add_column("what you write")
    for exercise in EXERCISES.values():
        table.add_row(exercise.name, Text.assemble((exercise.title, "bold"), "\n", exercise.brief))
    console.print(table)
    console.print(
        "Start one with [bold]learn-gpt exercise start NAME[/bold], write the function, "
        "then [bold]learn-gpt exercise check NAME[/bold]."
    )


@app.command("start")
def start_exercise(
    name: Annotated[str, typer.Argument(help="The exercise, e.g. backprop (see `exercise list`).")],
    folder: Annotated[Path, typer.Option(help="Where to write NAME.py.")] = Path("."),
) -> None:
    """Copy an exercise's stub to NAME.py, never over an existing file."""
    from engine.exercises import get_exercise, write_stub

    exercise = get_exercise(name)
    target, replaced = write_stub(exercise.name, folder)  # atomic; one-line EngineError
    console = Console(highlight=False)
    console.print(
        f"Wrote [bold]{target}[/bold]: {exercise.title.lower()}."
        + (" (It replaced the empty file an interrupted start left.)" if replaced else "")
    )
    console.print(
        f"Write the function in it (its docstring gives the shapes), then run:\n"
        f"  learn-gpt exercise check {name}"
        + ("" if target == Path(f"{exercise.name}.py") else f" {target}")
    )


def print_report(report: Any, console: Console) -> None:
    """A passed report in green with its number of cases; else the first mismatch in red,
    then the hints, then what the learner's code printed."""
    path = report.path
    if report.passed:
        console.print(
            Text(
                f"✓ {report.name} passes: all {report.cases_total} cases match the reference "
                f"({report.seconds:.1f} s)",
                style="bold green",
            )
        )
        if report.name == "backprop":
            console.print(f"Train the digit network with it: learn-gpt train mlp --backprop {path}")
        return
    where = f"case {report.cases_run} of {report.cases_total}"
    titles = {
        "not_written": f"✗ {report.name} is not written yet ({path})",
        "mismatch": f"✗ {report.name} ({path}) is wrong"
        + (f" at {where}" if report.lines[0].startswith("case ") else ""),
        "error": f"✗ {report.name} ({path}) raised an error at {where}",
        "timeout": f"✗ {report.name} ({path}) did not finish: stopped at {where}",
    }
    console.print(
        Text(titles.get(report.status, f"✗ {report.name} ({path}) did not run"), "bold red")
    )
    lines = report.lines[1:] if report.status == "not_written" else report.lines
    for line in lines:
        console.print(Padding(Text(line, style="red"), (0, 0, 0, 2)))
    for hint in report.hints:
        console.print(
            Padding(Text.assemble(("hint: ", "bold yellow"), (hint, "yellow")), (0, 0, 0, 2))
        )
    if report.output:
        console.print(Padding(Text("your code printed (or warned):", style="dim"), (0, 0, 0, 2)))
        console.print(Padding(Text(report.output, style="dim"), (0, 0, 0, 4)))


@app.command("check")
def check_exercise(
    name: Annotated[str, typer.Argument(help="The exercise, e.g. backprop.")],
    path: Annotated[
        Path | None, typer.Argument(help="Your file.", show_default="./NAME.py")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds before your code is stopped.")] = 20.0,
) -> None:
    """Check your function against the reference on many random cases."""
    from engine.exercises import check, get_exercise

    exercise = get_exercise(name)
    path = path if path is not None else Path(f"{exercise.name}.py")
    console = Console(highlight=False)
    with console.status(f"Checking {path} against the reference…"):
        report = check(exercise.name, path, timeout=timeout)
    print_report(report, console)
    if not report.passed:
        raise typer.Exit(1)


def checked_backprop(path: Path, console: Console | None = None) -> Callable[..., Any]:
    """The learner's backprop from `path`, after it passes its check; else a one-line
    EngineError (for `learn-gpt train mlp --backprop PATH`)."""
    from engine.errors import EngineError
    from engine.exercises import check, load_learner_function

    report = check("backprop", path)
    if not report.passed:
        raise EngineError(
            f"your backprop in {path} does not pass its check ({report.summary()}); "
            f"see `learn-gpt exercise check backprop {path}`"
        )
    if console is not None:
        console.print(
            f"Backprop: yours, from {path} (it matches autograd on {report.cases_total} cases)"
        )
    return load_learner_function(path, "backprop")
