"""The child side of checking an exercise: import the learner's file and run it on the cases.

`engine.exercises.check` starts this module in a child process:

    python -c "...; main()" NAME PATH RESULTS

The child imports the learner's file, runs their function (or builds and runs their class: the
exercise module's `adapt`, see `piece_cases`) on every case, and writes JSON lines to its
stdout, {"case": i, "of": n, "label": ...}, as each case starts (so a parent that has to stop a
loop that never ends can say where it was). At the end it saves the *trial*, the outputs
(`judge`'s docstring gives its form), to RESULTS; the parent reaches the verdict from it with
`judge`, which never runs the learner's code. Anything the learner's code prints goes to stderr.

`check_file` and `check_function(name, fn)` do both halves in this process.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from engine.child_output import cut
from engine.exercise_checks import NAMES
from engine.exercise_checks.common import Case, Named, Wrong, clone, same_inputs
from engine.exercise_checks.judge import Trial, judge, judge_case, record, report

Progress = Callable[[int, int, str], None]  # (case, of cases, label)


def exercise_module(name: str) -> ModuleType:
    if name not in NAMES:
        raise ValueError(f"unknown exercise {name!r}: choose {', '.join(NAMES)}")
    return importlib.import_module(f"engine.exercise_checks.{name}")


def _where(exc: BaseException, learner_file: str | None) -> list[str]:
    """'at line 12 of backprop.py: delta = ...' for the deepest frame in the learner's file."""
    frames = traceback.extract_tb(exc.__traceback__)
    if learner_file is not None:
        mine = [f for f in frames if os.path.abspath(f.filename) == learner_file]
        frames = mine or frames[-1:]
    if not frames:
        return []
    frame = frames[-1]
    text = f": {frame.line.strip()}" if frame.line else ""
    return [f"at line {frame.lineno} of {Path(frame.filename).name}, in {frame.name}{text}"]


def _exception_line(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()
    return cut(f"{type(exc).__name__}: {message[0]}") if message else type(exc).__name__


SHAPE_ERRORS = (
    "cannot be multiplied",
    "must match the size",
    "must match the existing size",
    "size mismatch",
    "shape '",
    "the size of tensor",
    "dimension out of range",
    "expected size",
    "is invalid for input of size",
    "dimension other than 2",
    "inconsistent tensor size",
    "mismatch in shape",
)


def _error_hints(module: ModuleType, exc: BaseException) -> list[str]:
    text = str(exc).lower()
    hints = []
    if isinstance(exc, (RuntimeError, ValueError, IndexError)) and any(
        s in text for s in SHAPE_ERRORS
    ):
        hints.append(
            "the shapes on that line do not fit together: print each tensor's .shape there "
            "and compare with the shapes the docstring gives"
        )
        extra = getattr(module, "SHAPE_ERROR_HINT", None)
        if extra:
            hints.append(extra)
    if "expected scalar type" in text or "dtype" in text and "expected" in text:
        hints.append(
            "two tensors have different dtypes: create new tensors with the inputs' dtype, "
            "e.g. torch.zeros_like(x) or torch.zeros(..., dtype=x.dtype)"
        )
    return hints


def _plain(named: Named) -> Named:
    """The learner's tensors as plain CPU tensors of their own (no subclass, no grad, no view of
    a larger storage), fit to ship to the parent and load with weights_only=True."""
    return [(n, t.detach().cpu().clone().as_subclass(torch.Tensor)) for n, t in named]


def _record(module: ModuleType, case: Case, args: tuple[Any, ...], result: Any) -> dict:
    changed = []
    if not getattr(module, "MAY_MODIFY_INPUTS", False):
        changed = [
            argname
            for argname, before, after in zip(module.ARG_NAMES, case.args, args)
            if not same_inputs(before, after)
        ]
    try:
        got = _plain(module.unpack(result, case))
    except Wrong as wrong:
        return record(None, wrong.lines, changed, None)
    ship = getattr(module, "ship", None)
    return record(got, None, changed, ship(result, case) if ship else None)


def _raised(
    module: ModuleType,
    exc: BaseException,
    learner_file: str | None,
    case: tuple[str, Case] | None,
    **counts: int,
) -> dict:
    """The report of the learner's function raising `exc` (on `case`: where, and the case)."""
    function = module.FUNCTION
    where = [case[0]] if case else []
    lines = [*where, f"{function} raised {_exception_line(exc)}", *_where(exc, learner_file)]
    if isinstance(exc, TypeError) and function in str(exc) and "argument" in str(exc):
        lines.append(f"keep the stub's signature: {module.SIGNATURE}")
    hints = _error_hints(module, exc)
    if case and hasattr(module, "error_hints"):
        hints += module.error_hints(exc, case[1])
    return report("error", lines, hints, **counts)


def run_cases(
    module: ModuleType,
    fn: Callable[..., Any],
    *,
    learner_file: str | None = None,
    progress: Progress | None = None,
) -> Trial:
    """Run `fn` on every case (and the exercise's probe): the trial `judge` decides on. It stops
    at the first case whose output is wrong, as the verdict names only that one."""
    cases: list[Case] = module.cases()
    total = len(cases)
    outputs: list[dict] = []
    for i, case in enumerate(cases, start=1):
        if progress is not None:
            progress(i, total, case.label)
        counts = {"cases_run": i, "cases_total": total}
        where = f"case {i} of {total}: {case.label}"
        args = clone(case.args)
        try:
            outputs.append(_record(module, case, args, fn(*args)))
        except NotImplementedError:
            lines = [
                f"{module.FUNCTION} is not written yet: it still raises NotImplementedError.",
                "Replace each `raise NotImplementedError(...)` with your code.",
            ]
            return {"outputs": outputs, "stopped": report("not_written", lines, **counts)}
        except Wrong as wrong:  # a class exercise's piece that cannot even be built as asked
            stopped = report("mismatch", [where, *wrong.lines], **counts)
            return {"outputs": outputs, "stopped": stopped}
        except Exception as exc:
            stopped = _raised(module, exc, learner_file, (where, case), **counts)
            return {"outputs": outputs, "stopped": stopped}
        if judge_case(module, case, outputs[-1], i, total) is not None:
            return {"outputs": outputs, "stopped": None}
    trial: Trial = {"outputs": outputs, "stopped": None}
    probe = getattr(module, "probe", None)
    if probe is not None:
        try:
            trial["probe"] = probe(fn)
        except Wrong as wrong:
            trial["stopped"] = report("mismatch", wrong.lines, cases_run=total, cases_total=total)
        except Exception as exc:
            counts = {"cases_run": total, "cases_total": total}
            trial["stopped"] = _raised(module, exc, learner_file, None, **counts)
    return trial


def check_function(
    name: str,
    fn: Callable[..., Any],
    *,
    learner_file: str | None = None,
    progress: Progress | None = None,
) -> dict:
    """Compare `fn` with the reference of exercise `name` on every case, in this process; the
    report as a dict."""
    module = exercise_module(name)
    return judge(module, run_cases(module, fn, learner_file=learner_file, progress=progress))


def load_module(path: Path, module_name: str) -> ModuleType:
    """Import the file at `path` as a fresh module (no bytecode left beside it)."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    writes = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = writes
    return module


def trial_file(name: str, path: Path, progress: Progress | None = None) -> Trial:
    """Import the learner's file at `path` and run its function on the cases: the trial."""
    module = exercise_module(name)
    function = module.FUNCTION
    path = Path(os.path.abspath(path))
    if str(path.parent) not in sys.path:  # their own helpers beside the file, after all else
        sys.path.append(str(path.parent))

    def stopped(status: str, lines: list[str]) -> Trial:
        return {"outputs": [], "stopped": report(status, lines)}

    try:
        learner = load_module(path, f"learner_{name}")
    except SyntaxError as exc:
        lines = [
            f"{path.name} does not compile: {type(exc).__name__} at line {exc.lineno}: {exc.msg}"
        ]
        if exc.text:
            lines.append("    " + exc.text.rstrip("\n"))
            if exc.offset:
                indent = len(exc.text) - len(exc.text.lstrip())
                lines.append("    " + " " * (indent + max(exc.offset - 1 - indent, 0)) + "^")
        return stopped("syntax", lines)
    except NotImplementedError:
        return stopped("not_written", [f"{function} is not written yet."])
    except BaseException as exc:  # noqa: BLE001 - SystemExit and all: the file is theirs
        if isinstance(exc, KeyboardInterrupt):
            raise
        lines = [f"importing {path.name} raised {_exception_line(exc)}", *_where(exc, str(path))]
        return stopped("import_error", lines)
    fn = getattr(learner, function, None)
    adapt = getattr(module, "adapt", None)  # a class exercise: run the class as a function
    if fn is None:
        kind, stub = "function", f"def {module.SIGNATURE}"
        if adapt is not None:
            kind, stub = "class", f"class {function}(nn.Module)"
        return stopped(
            "no_function", [f"{path.name} has no {kind} `{function}`: keep the stub's `{stub}`"]
        )
    if adapt is not None:
        try:
            fn = adapt(fn)
        except Wrong as wrong:
            return stopped("no_function", wrong.lines)
    elif not callable(fn):
        return stopped("no_function", [f"`{function}` in {path.name} is not a function"])
    try:
        return run_cases(module, fn, learner_file=str(path), progress=progress)
    except BaseException as exc:  # noqa: BLE001 - e.g. sys.exit() inside their function
        if isinstance(exc, KeyboardInterrupt):
            raise
        lines = [f"{function} raised {_exception_line(exc)}", *_where(exc, str(path))]
        return stopped("error", lines)


def check_file(name: str, path: Path, progress: Progress | None = None) -> dict:
    """Check the learner's file at `path` in this process; the report as a dict."""
    return judge(exercise_module(name), trial_file(name, path, progress))


def main(argv: list[str] | None = None) -> None:
    """The child: `NAME PATH RESULTS` -> progress lines on stdout, the trial in RESULTS."""
    name, path, results = argv if argv is not None else sys.argv[1:4]
    progress_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever the learner's code prints lands on stderr, not in our progress
    sys.stdout = sys.stderr
    sys.dont_write_bytecode = True
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS") or 1))  # the parent's choice

    def progress(i: int, total: int, label: str) -> None:
        progress_out.write(json.dumps({"case": i, "of": total, "label": label}) + "\n")
        progress_out.flush()

    torch.save(trial_file(name, Path(path), progress), results)


if __name__ == "__main__":
    main()
