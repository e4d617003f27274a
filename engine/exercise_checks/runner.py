"""Run one learner's exercise file against its check, and say what was found.

`engine.exercises.check` starts this module in a child process:

    python -c "...; main()" NAME PATH

The child imports the learner's file, runs their function (or builds and runs their class: the
exercise module's `adapt`, see `piece_cases`) and the reference on every case, and writes JSON
lines to its stdout: {"case": i, "of": n, "label": ...} as each case starts (so a parent that
has to stop a loop that never ends can say where it was), then one {"report": {...}} at the
end. Anything the learner's code prints goes to stderr instead.

`check_function(name, fn)` does the same work in-process, for a function already loaded.
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

from engine.child_output import cut
from engine.exercise_checks import NAMES
from engine.exercise_checks.common import (
    ATOL,
    RTOL,
    Case,
    Wrong,
    clone,
    first_difference,
    matches,
    same_inputs,
)

Progress = Callable[[int, int, str], None]  # (case, of cases, label)


def exercise_module(name: str) -> ModuleType:
    if name not in NAMES:
        raise ValueError(f"unknown exercise {name!r}: choose {', '.join(NAMES)}")
    return importlib.import_module(f"engine.exercise_checks.{name}")


def _report(status: str, lines: list[str], hints: list[str] | None = None, **counts: int) -> dict:
    return {
        "status": status,
        "passed": status == "passed",
        "lines": lines,
        "hints": hints or [],
        "cases_run": counts.get("cases_run", 0),
        "cases_total": counts.get("cases_total", 0),
    }


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


def variant_hints(module: ModuleType, case: Case, got: Any) -> list[str]:
    """The hints of every known mistake whose output on `case` is the learner's output."""
    rtol = getattr(module, "RTOL", RTOL)
    atol = getattr(module, "ATOL", ATOL)
    hints = []
    for variant in module.VARIANTS:
        try:
            theirs = module.unpack(variant.fn(*clone(case.args)), case)
        except Exception:  # a mistake that cannot run on this case is not the learner's
            continue
        if matches(theirs, got, rtol, atol):
            hints.append(variant.hint)
    return hints


def check_function(
    name: str,
    fn: Callable[..., Any],
    *,
    learner_file: str | None = None,
    progress: Progress | None = None,
) -> dict:
    """Compare `fn` with the reference of exercise `name` on every case; the report as a dict."""
    module = exercise_module(name)
    cases: list[Case] = module.cases()
    total = len(cases)
    function = module.FUNCTION
    rtol = getattr(module, "RTOL", RTOL)
    atol = getattr(module, "ATOL", ATOL)
    for i, case in enumerate(cases, start=1):
        if progress is not None:
            progress(i, total, case.label)
        where = f"case {i} of {total}: {case.label}"
        counts = {"cases_run": i, "cases_total": total}
        expected = module.unpack(module.reference(*clone(case.args)), case)
        args = clone(case.args)
        try:
            result = fn(*args)
        except NotImplementedError:
            return _report(
                "not_written",
                [
                    f"{function} is not written yet: it still raises NotImplementedError.",
                    "Replace each `raise NotImplementedError(...)` with your code.",
                ],
                **counts,
            )
        except Wrong as wrong:  # a class exercise's piece that cannot even be built as asked
            return _report("mismatch", [where, *wrong.lines], **counts)
        except Exception as exc:
            lines = [where, f"{function} raised {_exception_line(exc)}", *_where(exc, learner_file)]
            if isinstance(exc, TypeError) and function in str(exc) and "argument" in str(exc):
                lines.append(f"keep the stub's signature: {module.SIGNATURE}")
            hints = _error_hints(module, exc)
            if hasattr(module, "error_hints"):
                hints += module.error_hints(exc, case)
            return _report("error", lines, hints, **counts)
        if not getattr(module, "MAY_MODIFY_INPUTS", False):
            changed = [
                argname
                for argname, before, after in zip(module.ARG_NAMES, case.args, args)
                if not same_inputs(before, after)
            ]
            if changed:
                return _report(
                    "mismatch",
                    [
                        where,
                        f"{function} changed its input {changed[0]} in place",
                        "compute new tensors instead (no `+=`, `.add_()`, or assignment into "
                        "an input): the caller still needs its inputs",
                    ],
                    **counts,
                )
        try:
            got = module.unpack(result, case)
        except Wrong as wrong:
            return _report("mismatch", [where, *wrong.lines], **counts)
        problem = first_difference(expected, got, rtol, atol)
        if problem is None and hasattr(module, "check_result"):
            problem = module.check_result(result, case)
        if problem is not None:
            observe = getattr(module, "observe", None)
            facts = observe(got, expected, case) if observe else []
            hints = variant_hints(module, case, got)
            return _report("mismatch", [where, *problem, *facts], hints, **counts)
    extra = getattr(module, "extra_checks", None)
    if extra is not None:
        try:
            problem = extra(fn)
        except Exception as exc:
            lines = [f"{function} raised {_exception_line(exc)}", *_where(exc, learner_file)]
            return _report(
                "error", lines, _error_hints(module, exc), cases_run=total, cases_total=total
            )
        if problem:
            lines = [f"all {total} cases match, but a further check does not:", *problem]
            return _report("mismatch", lines, cases_run=total, cases_total=total)
    return _report(
        "passed",
        [f"{function} matches the reference on all {total} cases"],
        cases_run=total,
        cases_total=total,
    )


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


def check_file(name: str, path: Path, progress: Progress | None = None) -> dict:
    """Import the learner's file at `path` and check its function; the report as a dict."""
    module = exercise_module(name)
    function = module.FUNCTION
    path = Path(os.path.abspath(path))
    if str(path.parent) not in sys.path:  # their own helpers beside the file, after all else
        sys.path.append(str(path.parent))
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
        return _report("syntax", lines)
    except NotImplementedError:
        return _report("not_written", [f"{function} is not written yet."])
    except BaseException as exc:  # noqa: BLE001 - SystemExit and all: the file is theirs
        if isinstance(exc, KeyboardInterrupt):
            raise
        lines = [f"importing {path.name} raised {_exception_line(exc)}", *_where(exc, str(path))]
        return _report("import_error", lines)
    fn = getattr(learner, function, None)
    adapt = getattr(module, "adapt", None)  # a class exercise: run the class as a function
    if fn is None:
        kind, stub = "function", f"def {module.SIGNATURE}"
        if adapt is not None:
            kind, stub = "class", f"class {function}(nn.Module)"
        return _report(
            "no_function", [f"{path.name} has no {kind} `{function}`: keep the stub's `{stub}`"]
        )
    if adapt is not None:
        try:
            fn = adapt(fn)
        except Wrong as wrong:
            return _report("no_function", wrong.lines)
    elif not callable(fn):
        return _report("no_function", [f"`{function}` in {path.name} is not a function"])
    try:
        return check_function(name, fn, learner_file=str(path), progress=progress)
    except BaseException as exc:  # noqa: BLE001 - e.g. sys.exit() inside their function
        if isinstance(exc, KeyboardInterrupt):
            raise
        lines = [f"{function} raised {_exception_line(exc)}", *_where(exc, str(path))]
        return _report("error", lines)


def main(argv: list[str] | None = None) -> None:
    """The child: `NAME PATH` -> JSON lines on stdout (see the module docstring)."""
    name, path = argv if argv is not None else sys.argv[1:3]
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever the learner's code prints lands on stderr, not in our results
    sys.stdout = sys.stderr
    sys.dont_write_bytecode = True

    import torch

    torch.set_num_threads(1)

    def progress(i: int, total: int, label: str) -> None:
        results.write(json.dumps({"case": i, "of": total, "label": label}) + "\n")
        results.flush()

    report = check_file(name, Path(path), progress)
    results.write(json.dumps({"report": report}) + "\n")
    results.flush()


if __name__ == "__main__":
    main()
