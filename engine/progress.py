"""The learner's progress, kept across restarts: exercises passed, lesson steps seen, ladder
rungs trained with their own code.

It lives in one small JSON file, `progress.json` in the user's data folder
(`$LEARN_GPT_PROGRESS_FILE` overrides the path; the tests point it at a temporary folder). Each
`record_*` loads the file, changes it and writes it back atomically (engine.atomic), so a crash
mid-write leaves the old file whole. Progress is a convenience, never a reason to stop: a file
that cannot be read or makes no sense is set aside beside itself (`progress.json.bad-TIME`) and
progress starts afresh, a file that cannot be written is skipped, and each of these comes back
as a one-line warning for the front end to show, never as an exception.

    progress, warning = load()
    progress.passed("backprop"), progress.seen(1, 0)
    warning = record_exercise("backprop", passed=True)

Lesson steps are counted from 0, as `Lesson.steps` and `LessonState.step` count them.
Records from two processes at the same moment (the app and `exercise watch`) may lose one of
the two; within a process a lock keeps them in order.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.atomic import write_text_atomically

ENV_PROGRESS_FILE = "LEARN_GPT_PROGRESS_FILE"
FORMAT = "learn-gpt progress"  # the file's "format": a JSON file without it is someone else's
VERSION = 1

_LOCK = threading.Lock()  # one load-change-save at a time in this process (the app's workers)


@dataclass(frozen=True)
class RungRecord:
    """A ladder rung trained with the learner's own pieces: which, how well, when."""

    theirs: tuple[str, ...]
    val_loss: float
    when: str  # ISO time


@dataclass(frozen=True)
class LastCheck:
    """The latest check of an exercise, passed or not (a pass stays in `exercises`)."""

    passed: bool
    when: str  # ISO time


@dataclass(frozen=True)
class Progress:
    exercises: dict[str, str] = field(default_factory=dict)  # name -> ISO time of last pass
    steps: dict[int, tuple[int, ...]] = field(default_factory=dict)  # lesson -> steps seen
    rungs: dict[int, RungRecord] = field(default_factory=dict)  # rung -> last own-code run
    last_checks: dict[str, LastCheck] = field(default_factory=dict)  # name -> latest check
    followed: tuple[int, int] | None = None  # (lesson, step) last followed beside a pane

    def passed(self, name: str) -> bool:
        return name in self.exercises

    def seen(self, lesson: int, step: int) -> bool:
        return step in self.steps.get(lesson, ())


class _Corrupt(Exception):
    """The file is not progress this version can read; str(e) says why, in a few words."""


def progress_path() -> Path:
    """Where progress is kept: $LEARN_GPT_PROGRESS_FILE, else the user's data folder."""
    override = os.environ.get(ENV_PROGRESS_FILE)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path("learn-gpt", appauthor=False) / "progress.json"


def now() -> str:
    """The local time, to the second, as ISO 8601 with its UTC offset."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


# -- reading -----------------------------------------------------------------------------------
def _time(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise _Corrupt(f"{what} is not a time")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise _Corrupt(f"{what} is not a time") from None
    return value


def _number(key: str, what: str) -> int:
    if not (key.isascii() and key.isdigit()):
        raise _Corrupt(f"{what} {key!r} is not a number")
    return int(key)


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise _Corrupt(f'"{key}" is not a table')
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse(text: str) -> Progress:
    """The progress in `text`, or _Corrupt saying what is wrong with it."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise _Corrupt(f"it is not valid JSON{where}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _Corrupt("it is not a learn-gpt progress file")
    version = data.get("version")
    if not _is_int(version) or version < 1:
        raise _Corrupt("its version is not a number")
    if version > VERSION:
        raise _Corrupt(f"it was written by a newer learn-gpt (version {version})")
    exercises = {
        name: _time(when, f"the pass of {name!r}")
        for name, when in _table(data, "exercises").items()
    }
    last_checks = {}
    for name, check in _table(data, "last_checks").items():
        if not (isinstance(check, dict) and isinstance(check.get("passed"), bool)):
            raise _Corrupt(f"the last check of {name!r} is not a result")
        last_checks[name] = LastCheck(check["passed"], _time(check.get("when"), "a check"))
    steps = {}
    for lesson, seen in _table(data, "steps").items():
        if not (isinstance(seen, list) and all(_is_int(s) and s >= 0 for s in seen)):
            raise _Corrupt(f"the steps of lesson {lesson} are not step numbers")
        steps[_number(lesson, "lesson")] = tuple(sorted(set(seen)))
    rungs = {}
    for rung, record in _table(data, "rungs").items():
        if not isinstance(record, dict):
            raise _Corrupt(f"rung {rung} is not a record")
        theirs, loss = record.get("theirs"), record.get("val_loss")
        if not (isinstance(theirs, list) and all(isinstance(p, str) for p in theirs)):
            raise _Corrupt(f"the pieces of rung {rung} are not names")
        if not (isinstance(loss, float) or _is_int(loss)):
            raise _Corrupt(f"the loss of rung {rung} is not a number")
        when = _time(record.get("when"), f"the time of rung {rung}")
        rungs[_number(rung, "rung")] = RungRecord(tuple(theirs), float(loss), when)
    followed = data.get("followed")
    if followed is not None:
        if not (
            isinstance(followed, dict)
            and all(_is_int(followed.get(k)) and followed[k] >= 0 for k in ("lesson", "step"))
        ):
            raise _Corrupt('"followed" is not a lesson and a step')
        followed = (followed["lesson"], followed["step"])
    return Progress(exercises, steps, rungs, last_checks, followed)


def _set_aside(path: Path, why: str) -> tuple[str, bool]:
    """Move the unreadable `path` out of the way: (the one-line warning, whether it moved)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(100):
        target = path.with_name(f"{path.name}.bad-{stamp}" + (f"-{n}" if n else ""))
        if os.path.lexists(target):
            continue
        try:
            path.rename(target)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            break
        return f"progress: {path} was set aside as {target.name} ({why}); starting afresh", True
    else:
        reason = "too many set aside already"
    return (
        f"progress: {path} cannot be used ({why}) nor moved aside ({reason}); "
        "progress is not saved until it is moved or removed",
        False,
    )


def _load() -> tuple[Progress, str | None, bool]:
    """The progress, a warning or None, and whether saving may replace the file (not when a
    file that could not be read is still there)."""
    path = progress_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Progress(), None, True
    except UnicodeDecodeError:
        why = "it is not text"
    except OSError as exc:
        why = "it is a folder" if path.is_dir() else f"it cannot be read: {exc.strerror or exc}"
    else:
        try:
            return _parse(text), None, True
        except _Corrupt as exc:
            why = str(exc)
    warning, moved = _set_aside(path, why)
    return Progress(), warning, moved


def load() -> tuple[Progress, str | None]:
    """The learner's progress, and a one-line warning (or None) if the file had to be set
    aside. A missing file is no progress yet."""
    progress, warning, _ = _load()
    return progress, warning


# -- writing -----------------------------------------------------------------------------------
def _dump(progress: Progress) -> str:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "exercises": dict(sorted(progress.exercises.items())),
        "last_checks": {
            name: {"passed": check.passed, "when": check.when}
            for name, check in sorted(progress.last_checks.items())
        },
        "steps": {str(lesson): list(seen) for lesson, seen in sorted(progress.steps.items())},
        "rungs": {
            str(rung): {"theirs": list(r.theirs), "val_loss": r.val_loss, "when": r.when}
            for rung, r in sorted(progress.rungs.items())
        },
    }
    if progress.followed is not None:
        data["followed"] = {"lesson": progress.followed[0], "step": progress.followed[1]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _change(edit: Callable[[Progress], Progress]) -> str | None:
    """Load, apply `edit` (Progress -> Progress), save atomically; one line if anything went
    wrong on the way, else None."""
    with _LOCK:
        progress, warning, may_save = _load()
        if not may_save:
            return warning
        try:
            write_text_atomically(progress_path(), _dump(edit(progress)))
        except OSError as exc:
            why = exc.strerror or type(exc).__name__
            failed = f"progress: could not save {progress_path()} ({why}); it is not kept"
            return f"{warning}; {failed}" if warning else failed
        return warning


def record_exercise(name: str, passed: bool) -> str | None:
    """Note a check of exercise `name`. A pass is kept with its time; a later failing check
    leaves it (the learner did write it once) and only changes the latest result."""
    when = now()

    def edit(p: Progress) -> Progress:
        exercises = {**p.exercises, name: when} if passed else p.exercises
        return replace(
            p, exercises=exercises, last_checks={**p.last_checks, name: LastCheck(passed, when)}
        )

    return _change(edit)


def record_step(lesson: int, step: int, followed: bool = False) -> str | None:
    """Note that the learner was shown `step` (from 0) of lesson number `lesson`; `followed`:
    beside its pane, so that the next start offers to carry on there."""

    def edit(p: Progress) -> Progress:
        seen = tuple(sorted({*p.steps.get(lesson, ()), step}))
        p = replace(p, steps={**p.steps, lesson: seen})
        return replace(p, followed=(lesson, step)) if followed else p

    return _change(edit)


def record_rung(rung: int, theirs: list[str], val_loss: float) -> str | None:
    """Note a ladder rung trained with the learner's own pieces `theirs`, and where its
    validation loss ended; a later run of the same rung replaces it."""
    record = RungRecord(tuple(theirs), float(val_loss), now())  # a NaN is kept as NaN
    return _change(lambda p: replace(p, rungs={**p.rungs, rung: record}))
