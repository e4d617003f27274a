"""`learn-gpt exercise`: list the exercises, copy a stub to write in, check what was written
(once, or each time it is saved).

The checking itself is `engine.exercises.check` (a child process with a time limit); this
module prints its report with Rich and notes the result in the learner's progress
(`engine.progress`).
"""

from __future__ import annotations

import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from tui.cli.options import Threads

app = typer.Typer(
    help="Write the pieces yourself; the tool checks them against the engine.",
    no_args_is_help=True,
)

POLL_SECONDS = 0.3  # how often `exercise watch` looks at the file

Name = Annotated[str, typer.Argument(help="The exercise, e.g. backprop (see `exercise list`).")]
LearnerFile = Annotated[Path | None, typer.Argument(help="Your file.", show_default="./NAME.py")]
Timeout = Annotated[float, typer.Option(help="Seconds before your code is stopped.")]


def print_warning(warning: str | None, console: Console) -> None:
    """A progress warning: one dim yellow line, and the command carries on."""
    if warning:
        console.print(Text(warning, style="dim yellow"), soft_wrap=True)


def passed_mark(progress: Any, name: str) -> Text:
    """✓ and the date of the last pass; else a dim note that it was tried; else nothing."""
    if progress.passed(name):
        return Text(f"✓ {progress.exercises[name][:10]}", style="green")
    if name in progress.last_checks:
        return Text("tried", style="dim")
    return Text("")


@app.command("list")
def list_exercises() -> None:
    """List the exercises, in the course's order, with the ones you have passed."""
    from engine.exercises import EXERCISES
    from engine.progress import load, progress_path

    progress, warning = load()
    console = Console(highlight=False)
    print_warning(warning, console)
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2, 1, 0))
    table.add_column("exercise", style="cyan", no_wrap=True)
    table.add_column("passed", no_wrap=True)
    table.add_column("what you write")
    for exercise in EXERCISES.values():
        table.add_row(
            exercise.name,
            passed_mark(progress, exercise.name),
            Text.assemble((exercise.title, "bold"), "\n", exercise.brief),
        )
    console.print(table)
    console.print(
        "Start one with [bold]learn-gpt exercise start NAME[/bold], write it, "
        "then [bold]learn-gpt exercise check NAME[/bold] (or [bold]watch NAME[/bold] to check "
        "it each time you save)."
    )
    console.print(Text(f"Your progress is kept in {progress_path()}", style="dim"), soft_wrap=True)


@app.command("start")
def start_exercise(
    name: Name,
    folder: Annotated[Path, typer.Option(help="Where to write NAME.py.")] = Path("."),
) -> None:
    """Copy an exercise's stub to NAME.py, never over an existing file."""
    from engine.destination import check_folder
    from engine.exercises import get_exercise, write_stub

    exercise = get_exercise(name)
    check_folder(folder.expanduser(), f"cannot write {exercise.name}.py in {folder}")
    target, replaced = write_stub(exercise.name, folder)  # atomic; one-line EngineError
    console = Console(highlight=False)
    console.print(
        f"Wrote [bold]{target}[/bold]: {exercise.title.lower()}."
        + (" (It replaced the empty file an interrupted start left.)" if replaced else "")
    )
    console.print(
        f"Write the {exercise.writes} in it (its docstring gives the shapes), then run:\n"
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


def check_and_record(
    name: str, path: Path, timeout: float, console: Console, threads: int | None = None
) -> Any:
    """Check `path`, print the report, note the result in the progress; the report. The check
    (the child running the learner's code, and the verdict here) runs on `threads` threads."""
    from engine.device import default_threads, use_threads
    from engine.exercises import check
    from engine.progress import record_exercise

    threads = use_threads(default_threads("exercise") if threads is None else threads)
    with console.status(f"Checking {path} against the reference…"):
        report = check(name, path, timeout=timeout, threads=threads)
    print_report(report, console)
    print_warning(record_exercise(name, report.passed), console)
    return report


@app.command("check")
def check_exercise(
    name: Name, path: LearnerFile = None, timeout: Timeout = 20.0, threads: Threads = None
) -> None:
    """Check your function against the reference on many random cases."""
    from engine.exercises import get_exercise

    exercise = get_exercise(name)
    path = path if path is not None else Path(f"{exercise.name}.py")
    report = check_and_record(exercise.name, path, timeout, Console(highlight=False), threads)
    if not report.passed:
        raise typer.Exit(1)


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """What a save changes (modification time, size, inode); None while there is no file."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino) if stat.S_ISREG(info.st_mode) else None


@app.command("watch")
def watch_exercise(
    name: Name, path: LearnerFile = None, timeout: Timeout = 20.0, threads: Threads = None
) -> None:
    """Check your file now, then again each time you save it, until it passes (exit 0).

    A missing file is waited for (`exercise start NAME` writes it). Ctrl-C stops (exit 130)."""
    from engine.errors import ConfigError, EngineError
    from engine.exercises import get_exercise

    exercise = get_exercise(name)
    path = path if path is not None else Path(f"{exercise.name}.py")
    if not timeout > 0:
        raise ConfigError(f"--timeout must be positive, got {timeout:g}")
    if path.is_dir():
        raise EngineError(f"{path} is a folder, not a file")
    console = Console(highlight=False)
    console.print(Text(f"watching {path}: save it to check again (Ctrl-C stops)", style="bold"))
    checked: tuple[int, int, int] | None = None  # the file as last checked
    waiting = False
    try:
        while True:
            stamp = file_stamp(path)
            if stamp is None and not waiting:
                console.print(
                    Text(
                        f"{path} is not there yet: waiting for it "
                        f"(`learn-gpt exercise start {exercise.name}` writes it)",
                        style="dim",
                    )
                )
            waiting = stamp is None
            time.sleep(POLL_SECONDS)
            # check only a file that has changed and then held still for a poll (saved whole)
            if stamp is None or stamp == checked or file_stamp(path) != stamp:
                continue
            checked = stamp
            try:
                report = check_and_record(exercise.name, path, timeout, console, threads)
            except EngineError:  # removed between the look and the check: wait for it again
                continue
            if report.passed:
                console.print(Text(f"Well done! Stopped watching {path}.", style="bold"))
                return
            console.print(
                Text(f"checked at {time.strftime('%H:%M:%S')}: save {path} to check again", "dim")
            )
    except KeyboardInterrupt:
        # a console of its own: a Ctrl-C in the middle of a print leaves that line in the
        # first one's buffer, and its next print would write it again
        Console(stderr=True, highlight=False).print(f"Stopped watching {path}.")
        raise typer.Exit(130) from None


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
