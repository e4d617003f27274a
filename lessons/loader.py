"""The lesson files: Markdown with a small TOML front matter, one file per lesson.

A lesson file is `lessons/NN-slug.md`; NN is its number in the course. It starts with the
front matter between two `+++` lines, then the text, one `## ` section per step, in order:

    +++
    title = "Attention is a weighted average"
    pane = "attention"                 # the pane the steps use, unless a step names another
    summary = "One line for the list."
    exercises = ["attention"]          # names from `learn-gpt exercise list` (may be empty)

    [[steps]]
    title = "One row of weights"       # must match the step's `## ` heading
    setup = { sentence = "...", stage = "weights" }   # what the pane's apply_lesson sets
    focus = ["query-row", "bars"]      # what the text points at: the pane brings it into view

    [[steps]]
    title = "The same in the Lab"
    pane = "lab"
    setup = { b = { mask = "anti_causal" }, steps = 300 }
    +++

    ## One row of weights
    ...

A figure the learner is told to watch for is marked where it stands, with what measures it:

    it reaches [82.90%](measured: digits.sample_3_epochs.accuracy ±0.05) after three epochs

`measured: EXPERIMENT.VALUE` names a value of an experiment in `engine.lesson_figures`; `±T`
is how far the measurement may be from the figure (left out: the figure's own rounding, half its
last digit). The learner reads the figure in bold (`Step.text`); `Step.figures` keeps the marks,
which a test (fast experiments) and `learn-gpt lesson --verify` (all) re-measure. A number that
is a setting the step gives, not a result, is marked `[3.0](given)` and reads as plain text.
The tests refuse an unmarked number with a decimal point or a % sign outside code (`unmarked`),
so nothing a lesson quotes goes unchecked by accident.

The app's Lessons pane and `learn-gpt lesson` both read lessons through `load_lessons()` and
`get_lesson()`. Neither torch nor Textual is imported here.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import ConfigError

LESSONS_DIR = Path(__file__).resolve().parent
# the panes a lesson step can set up
PANES = ("digits", "attention", "lab", "sampling", "build", "copying")
_FILE = re.compile(r"(\d{2})-([a-z0-9-]+)\.md")
_FENCE = re.compile(r"^(```|~~~)")
# [shown](measured: experiment.value ±tolerance) or [shown](given)
_MARK = re.compile(
    r"\[(?P<shown>[^\]\[]+)\]\((?:measured: *(?P<measure>[a-z0-9_]+\.[a-z0-9_]+)"
    r"(?: *±(?P<tolerance>[0-9.]+))?|(?P<given>given))\)"
)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
# what must be marked: a number with a decimal point, or a percentage
_FIGURE_LIKE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+%?|%)")
# code is code, not a quoted figure: spans, fenced blocks and indented blocks
_CODE = re.compile(r"^(?:```|~~~)(?s:.*?)^(?:```|~~~)|`[^`\n]*`|^    .*$", re.MULTILINE)


class LessonError(ConfigError):
    """A lesson file that cannot be read, or a lesson asked for that does not exist."""


@dataclass(frozen=True)
class Figure:
    """A figure a step quotes: `shown` as the learner reads it ("82.90%"), `value` the number
    in it (82.9), `measure` the experiment value that must reproduce it ("digits.x.accuracy"),
    within `tolerance`."""

    shown: str
    value: float
    measure: str
    tolerance: float

    @property
    def experiment(self) -> str:
        return self.measure.split(".")[0]

    def holds(self, measured: float) -> bool:
        return abs(measured - self.value) <= self.tolerance + 1e-9


@dataclass(frozen=True)
class Step:
    title: str
    pane: str
    setup: dict[str, Any] = field(default_factory=dict, hash=False)
    text: str = ""  # Markdown: what to do and what to watch for (figures in bold)
    figures: tuple[Figure, ...] = ()
    source: str = ""  # the text as the file has it, marks and all
    focus: tuple[str, ...] = ()  # the parts of the pane the text points at (its focus names)


def _rounding(number: str) -> float:
    """Half the last digit of `number` as written: "82.90" -> 0.005, "342" -> 0.5."""
    decimals = len(number.partition(".")[2])
    return 0.5 * 10.0**-decimals


def unmarked(text: str) -> list[str]:
    """The numbers in a step's raw text that look like figures (a decimal point, a % sign)
    but are neither marked as measured nor as given: tests/test_lesson_figures.py wants none."""
    return _FIGURE_LIKE.findall(_CODE.sub("", _MARK.sub("", text)))


def read_marks(text: str, where: str) -> tuple[str, tuple[Figure, ...]]:
    """A step's text with its marks read (figures in bold, given numbers plain) and its
    figures; LessonError for a mark without a number."""
    figures = []

    def replace(match: re.Match[str]) -> str:
        shown = match["shown"]
        if match["given"]:
            return shown
        number = _NUMBER.search(shown)
        if number is None:
            raise LessonError(f"{where}: the figure [{shown}] has no number in it")
        tolerance = match["tolerance"]
        figures.append(
            Figure(
                shown,
                float(number.group().replace(",", "")),
                match["measure"],
                float(tolerance) if tolerance else _rounding(number.group()),
            )
        )
        return f"**{shown}**"

    return _MARK.sub(replace, text), tuple(figures)


@dataclass(frozen=True)
class Lesson:
    number: int
    slug: str
    path: Path
    title: str
    pane: str
    summary: str
    exercises: tuple[str, ...]
    steps: tuple[Step, ...]

    @property
    def name(self) -> str:
        """'4 · Attention is a weighted average'."""
        return f"{self.number} · {self.title}"

    @property
    def panes(self) -> list[str]:
        """The panes its steps use, in the order they first appear."""
        return list(dict.fromkeys(step.pane for step in self.steps))

    def setup_through(self, index: int) -> dict[str, Any]:
        """What step `index` finds its pane set to when the learner came through the steps
        before it: their setups on the same pane, in order, each key as the last step to
        set it left it (a table such as the Lab's `b` whole: `b = {}` means the standard
        model again). A learner who jumps to a step, or comes back to it after a restart,
        gets the pane the lesson built up to it."""
        pane = self.steps[index].pane
        merged: dict[str, Any] = {}
        for step in self.steps[: index + 1]:
            if step.pane == pane:
                merged.update(step.setup)
        return merged


def split_front_matter(text: str, where: str) -> tuple[str, str]:
    """(front matter, body) of a lesson file's text."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "+++":
        raise LessonError(f"{where}: a lesson starts with its front matter between +++ lines")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "+++")
    except StopIteration:
        raise LessonError(f"{where}: the front matter has no closing +++ line") from None
    return "\n".join(lines[1:end]), "\n".join(lines[end + 1 :])


def split_sections(body: str) -> list[tuple[str, str]]:
    """The body's `## ` sections as (heading, text); text before the first is dropped if
    blank, and `## ` inside fenced code does not start a section."""
    sections: list[tuple[str, list[str]]] = []
    before: list[str] = []
    fenced = False
    for line in body.splitlines():
        if _FENCE.match(line.strip()):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            before.append(line)
    if "".join(before).strip():
        raise LessonError("text before the first `## ` step heading: put it in a step")
    return [(title, "\n".join(lines).strip()) for title, lines in sections]


def _string(table: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise LessonError(f"{where}: `{key}` must be a non-empty string")
    return value.strip()


def parse_lesson(text: str, path: Path) -> Lesson:
    """A lesson from its file's text; LessonError names the file and what is wrong."""
    match = _FILE.fullmatch(path.name)
    if match is None:
        raise LessonError(f"{path.name}: a lesson file is named NN-slug.md, e.g. 04-attention.md")
    where = path.name
    front, body = split_front_matter(text, where)
    try:
        meta = tomllib.loads(front)
    except tomllib.TOMLDecodeError as exc:
        raise LessonError(f"{where}: the front matter is not valid TOML: {exc}") from None
    known = {"title", "pane", "summary", "exercises", "steps"}
    if unknown := sorted(set(meta) - known):
        raise LessonError(f"{where}: unknown front matter key {unknown[0]!r}")
    title = _string(meta, "title", where)
    pane = _string(meta, "pane", where)
    if pane not in PANES:
        raise LessonError(f"{where}: pane {pane!r} is not one of {', '.join(PANES)}")
    exercises = meta.get("exercises", [])
    if not isinstance(exercises, list) or not all(isinstance(e, str) for e in exercises):
        raise LessonError(f"{where}: `exercises` must be a list of exercise names")
    steps_meta = meta.get("steps", [])
    if not isinstance(steps_meta, list) or not steps_meta:
        raise LessonError(f"{where}: a lesson needs at least one [[steps]] entry")
    try:
        sections = split_sections(body)
    except LessonError as exc:
        raise LessonError(f"{where}: {exc}") from None
    if len(sections) != len(steps_meta):
        raise LessonError(
            f"{where}: {len(steps_meta)} [[steps]] in the front matter but {len(sections)} "
            "`## ` sections in the text"
        )
    steps = []
    for i, (entry, (heading, step_text)) in enumerate(zip(steps_meta, sections), start=1):
        at = f"{where}, step {i}"
        if unknown := sorted(set(entry) - {"title", "pane", "setup", "focus"}):
            raise LessonError(f"{at}: unknown step key {unknown[0]!r}")
        step_title = _string(entry, "title", at)
        if step_title != heading:
            raise LessonError(f"{at}: titled {step_title!r} but its heading is {heading!r}")
        step_pane = _string(entry, "pane", at, default=pane)
        if step_pane not in PANES:
            raise LessonError(f"{at}: pane {step_pane!r} is not one of {', '.join(PANES)}")
        setup = entry.get("setup", {})
        if not isinstance(setup, dict):
            raise LessonError(f'{at}: `setup` must be a table, e.g. setup = {{ tab = "train" }}')
        if not step_text:
            raise LessonError(f"{at}: the section under {heading!r} is empty")
        focus = entry.get("focus", [])
        if not isinstance(focus, list) or not all(isinstance(f, str) for f in focus):
            raise LessonError(f'{at}: `focus` must be a list of names, e.g. focus = ["bars"]')
        shown_text, figures = read_marks(step_text, at)
        steps.append(
            Step(step_title, step_pane, setup, shown_text, figures, step_text, tuple(focus))
        )
    return Lesson(
        number=int(match.group(1)),
        slug=match.group(2),
        path=path,
        title=title,
        pane=pane,
        summary=str(meta.get("summary", "")).strip(),
        exercises=tuple(exercises),
        steps=tuple(steps),
    )


def load_lesson(path: Path) -> Lesson:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(f"cannot read {path}: {exc}") from None
    return parse_lesson(text, path)


def lesson_files(folder: Path = LESSONS_DIR) -> list[Path]:
    """The lesson files in `folder`, in the course's order."""
    return sorted(p for p in folder.glob("*.md") if _FILE.fullmatch(p.name))


def load_lessons(folder: Path = LESSONS_DIR) -> list[Lesson]:
    """Every lesson, in order; LessonError for the first that cannot be read."""
    lessons = [load_lesson(path) for path in lesson_files(folder)]
    numbers = [lesson.number for lesson in lessons]
    if len(set(numbers)) != len(numbers):
        twice = next(n for n in numbers if numbers.count(n) > 1)
        raise LessonError(f"two lesson files are numbered {twice:02d}")
    return lessons


def get_lesson(which: str | int, folder: Path = LESSONS_DIR) -> Lesson:
    """Lesson `which`: its number ("4", "04") or its slug ("attention"); else a LessonError
    naming the choices."""
    lessons = load_lessons(folder)
    key = str(which).strip()
    for lesson in lessons:
        if (key.isdigit() and int(key) == lesson.number) or key in (lesson.slug, lesson.path.stem):
            return lesson
    choices = ", ".join(str(lesson.number) for lesson in lessons)
    raise LessonError(f"no lesson {key!r}: choose {choices} (see `learn-gpt lesson`)")
