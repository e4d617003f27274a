"""`learn-gpt lesson`: list the lessons, or print one in the terminal with Rich, to read
without the app; `--verify` re-measures every figure they quote. The lessons themselves are
`lessons/NN-slug.md` (see `lessons.loader`), their figures' experiments `engine.lesson_figures`."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.markdown import Markdown
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from tui.cli.options import Threads

PANE_TITLES = {"digits": "Digits", "attention": "Attention", "lab": "Lab", "sampling": "Sampling"}


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str) and " " in value:
        return f"“{value}”"
    return str(value)


def describe_setup(pane: str, setup: dict[str, Any]) -> str:
    """What a step sets in its pane, in the pane's own words: 'Attention pane: model words,
    head 4, ...' (layers and heads counted from 1, as the pane shows them)."""
    parts = []
    for key, value in setup.items():
        if pane == "attention" and key in ("layer", "head") and isinstance(value, int):
            value = value + 1
        elif pane == "attention" and key == "row" and value == -1:
            value = "last"
        elif pane == "lab" and key in ("a", "b") and value == {}:
            value = "standard"
        elif pane == "digits" and key == "settings" and isinstance(value, dict):
            parts.extend(f"{k} {_value(v)}" for k, v in value.items())
            continue
        name = key.upper() if pane == "lab" and key in ("a", "b") else key
        parts.append(f"{name} {_value(value)}")
    where = f"{PANE_TITLES.get(pane, pane)} pane"
    return f"{where}: {', '.join(parts)}" if parts else where


def lesson_renderable(lesson: Any) -> Group:  # lessons.loader.Lesson
    """The whole lesson: title, summary, then each step with what it sets up in the app."""
    parts: list[Any] = [
        Text.assemble((f"Lesson {lesson.number} · {lesson.title}", "bold")),
    ]
    if lesson.summary:
        parts.append(Text(lesson.summary, style="italic"))
    parts.append(
        Text(
            f"In the app: learn-gpt --pane lessons, lesson {lesson.number}; g sets up each "
            "step's pane.",
            style="dim",
        )
    )
    for i, step in enumerate(lesson.steps, start=1):
        parts.append(Text(""))
        parts.append(Rule(Text(f"Step {i} of {len(lesson.steps)} · {step.title}", "bold cyan")))
        parts.append(Text(describe_setup(step.pane, step.setup), style="dim"))
        parts.append(Padding(Markdown(step.text), (1, 0, 0, 0)))
    return Group(*parts)


def list_lessons(console: Console | None = None) -> None:
    """A table of the lessons, in order, and how to read or follow one."""
    from lessons.loader import load_lessons

    console = console or Console(highlight=False)
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2, 1, 0))
    table.add_column("#", style="cyan", no_wrap=True, justify="right")
    table.add_column("lesson")
    table.add_column("panes", no_wrap=True)
    table.add_column("steps", justify="right")
    for lesson in load_lessons():
        table.add_row(
            str(lesson.number),
            Text.assemble((lesson.title, "bold"), "\n", lesson.summary),
            ", ".join(PANE_TITLES.get(p, p) for p in lesson.panes),
            str(len(lesson.steps)),
        )
    console.print(table)
    console.print(
        "Read one with [bold]learn-gpt lesson N[/bold]; follow it beside its pane with "
        "[bold]learn-gpt --pane lessons[/bold]."
    )


def show_lesson(which: str, console: Console | None = None) -> None:
    """Print lesson `which` (its number or slug); a LessonError (one line) if there is none."""
    from lessons.loader import get_lesson

    lesson = get_lesson(which)
    console = console or Console(highlight=False)
    console.print(lesson_renderable(lesson))


def help_figures() -> list[tuple[str, Any]]:  # (pane, lessons.loader.Figure)
    """The figures the panes' help files (`?`) quote, marked as a lesson's are."""
    from pathlib import Path

    import tui.panes
    from lessons.loader import read_marks

    found = []
    for path in sorted(Path(tui.panes.__file__).parent.glob("*/help.md")):
        figures = read_marks(path.read_text(encoding="utf-8"), str(path))[1]
        found += [(path.parent.name, figure) for figure in figures]
    return found


def quoted_figures(which: str | None) -> list[tuple[str, str, Any]]:
    """(lesson, step, figure) for lesson `which`, or every lesson and then the panes' help."""
    from lessons.loader import get_lesson, load_lessons

    lessons = load_lessons() if which is None else [get_lesson(which)]
    quoted = [
        (str(lesson.number), str(i), figure)
        for lesson in lessons
        for i, step in enumerate(lesson.steps, start=1)
        for figure in step.figures
    ]
    if which is None:
        quoted += [("help", pane, figure) for pane, figure in help_figures()]
    return quoted


def verify(which: str | None, slow: bool, console: Console | None = None) -> int:
    """Re-measure the figures of lesson `which` (every lesson and the panes' help if None; the
    slow experiments only if `slow`) and print each beside what the text says; the number that
    do not hold."""
    from engine.errors import EngineError
    from engine.lesson_figures import check, experiment_of

    console = console or Console(highlight=False)
    table = Table(box=None, padding=(0, 2, 0, 0), header_style="bold")
    for column in ("lesson", "step", "figure", "measured", "±", "experiment", ""):
        table.add_column(column, justify="right" if column in ("measured", "±") else "left")
    failed = skipped = 0
    began, ran, unmeasured = time.perf_counter(), set(), []
    for lesson, step, figure in quoted_figures(which):
        if experiment_of(figure.measure).slow and not slow:
            skipped += 1
            continue
        if figure.experiment not in ran:
            console.print(f"[dim]measuring {figure.experiment}…[/dim]")
            ran.add(figure.experiment)
        try:
            checked = check(figure)
        except EngineError as exc:  # e.g. the full MNIST set is not here to train on
            unmeasured.append(f"{figure.shown} ({figure.measure}): {exc}")
            continue
        failed += not checked.holds
        table.add_row(
            lesson,
            step,
            figure.shown,
            f"{checked.measured:.6g}",
            f"{figure.tolerance:g}",
            figure.measure,
            "[green]holds[/green]" if checked.holds else "[red]DOES NOT HOLD[/red]",
        )
    console.print(table)
    held = table.row_count - failed
    not_run = f"; {skipped} from slow experiments not run (--verify-slow runs them)"
    console.print(
        f"{held} of {table.row_count} figures hold ({len(ran)} experiments, "
        f"{time.perf_counter() - began:.0f} s)" + (not_run if skipped else "")
    )
    for line in unmeasured:
        console.print(f"[yellow]not measured: {line}[/yellow]")
    return failed


def command(
    which: Annotated[
        str | None,
        typer.Argument(
            metavar="[N]", help="A lesson's number (or name, e.g. attention); leave out to list."
        ),
    ] = None,
    verify_figures: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Re-measure the figures the lesson quotes (every lesson without N); slow "
            "training runs only with --verify-slow.",
        ),
    ] = False,
    verify_slow: Annotated[
        bool, typer.Option("--verify-slow", help="--verify, with the slow runs too (minutes).")
    ] = False,
    threads: Threads = None,
) -> None:
    """List the lessons, or print lesson N in the terminal to read without the app."""
    if verify_figures or verify_slow:
        from engine.device import use_threads

        use_threads(1 if threads is None else threads)  # the figures were measured on one
        failed = verify(which, slow=verify_slow)
        if failed:
            raise typer.Exit(1)
    elif which is None:
        list_lessons()
    else:
        show_lesson(which)
