"""The verdict on a learner's exercise, reached from what their code returned, by code that never
runs theirs.

The child process (`runner`) imports the learner's file and runs their function on every case;
what it sends back is a *trial*: the outputs, never a verdict. A learner's file runs in that
child with every power the child has (it can patch the checker, write to its results, exit
early), so nothing it sends can say "passed". `judge` builds the cases afresh here, computes the
reference, and compares; from the child it accepts only outputs to compare and, at worst, a
failure (its code raised, does not compile, is still the stub).

A trial, as the child writes it (plain data and tensors, so it loads with weights_only=True):

    {"outputs": [record, ...],   one per case run, in order
     "stopped": report or None,  why the child stopped early: a failing report only
     "probe": data}              what the exercise's `probe(fn)` gathered (when it has one)

    record = {"got": [(name, tensor), ...] or None, "wrong": [lines] or None,
              "changed": [input names changed in place], "shipped": module.ship(result) or None}
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import torch

from engine.child_output import cut
from engine.exercise_checks.common import ATOL, RTOL, Case, Named, clone, first_difference, matches

Trial = dict[str, Any]
Report = dict[str, Any]

# what a child may say of itself: each is a failure, so a forged one only fails the learner
FAILURES = ("not_written", "error", "syntax", "import_error", "no_function", "mismatch")


def report(status: str, lines: list[str], hints: list[str] | None = None, **counts: int) -> Report:
    return {
        "status": status,
        "passed": status == "passed",
        "lines": lines,
        "hints": hints or [],
        "cases_run": counts.get("cases_run", 0),
        "cases_total": counts.get("cases_total", 0),
    }


def record(got: Named | None, wrong: list[str] | None, changed: list[str], shipped: Any) -> dict:
    return {"got": got, "wrong": wrong, "changed": changed, "shipped": shipped}


def variant_hints(module: ModuleType, case: Case, got: Named) -> list[str]:
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


def _well_formed(record: Any, expected: Named) -> bool:
    """`record` has the form the child writes, its outputs named as the reference's are."""
    if not isinstance(record, dict) or set(record) != {"got", "wrong", "changed", "shipped"}:
        return False
    if not isinstance(record["changed"], list):
        return False
    wrong = record["wrong"]
    if wrong is not None:
        return isinstance(wrong, list) and all(isinstance(line, str) for line in wrong)
    got = record["got"]
    return (
        isinstance(got, list)
        and all(isinstance(g, tuple) and len(g) == 2 and type(g[1]) is torch.Tensor for g in got)
        and [g[0] for g in got] == [name for name, _ in expected]
    )


def judge_case(module: ModuleType, case: Case, record: Any, i: int, total: int) -> Report | None:
    """The failing report for case `i` of `total`, or None when the learner's output on it is
    the reference's. The child calls this too, only to know when to stop."""
    where = f"case {i} of {total}: {case.label}"
    counts = {"cases_run": i, "cases_total": total}
    expected = module.unpack(module.reference(*clone(case.args)), case)
    if not _well_formed(record, expected):
        return forged(counts)
    if record["changed"]:
        return report(
            "mismatch",
            [
                where,
                f"{module.FUNCTION} changed its input {cut(str(record['changed'][0]))} in place",
                "compute new tensors instead (no `+=`, `.add_()`, or assignment into "
                "an input): the caller still needs its inputs",
            ],
            **counts,
        )
    if record["wrong"] is not None:
        return report("mismatch", [where, *map(cut, record["wrong"])], **counts)
    got = record["got"]
    rtol = getattr(module, "RTOL", RTOL)
    atol = getattr(module, "ATOL", ATOL)
    problem = first_difference(expected, got, rtol, atol)
    if problem is None and hasattr(module, "check_result"):
        problem = module.check_result(record["shipped"], case)
    if problem is None:
        return None
    observe = getattr(module, "observe", None)
    facts = observe(got, expected, case) if observe else []
    return report("mismatch", [where, *problem, *facts], variant_hints(module, case, got), **counts)


def forged(counts: dict[str, int]) -> Report:
    return report(
        "crash",
        [
            "the check's results are not in the form the checker writes them: something in "
            "the file under test wrote to them, so there is no verdict"
        ],
        **counts,
    )


def _child_failure(stopped: Any, total: int) -> Report:
    """The child's own report of a failure, checked to be one (and its text cut to lines)."""
    fields = ("status", "lines", "hints", "cases_run", "cases_total")
    if not (isinstance(stopped, dict) and stopped.get("status") in FAILURES):
        return forged({"cases_total": total})
    if not all(k in stopped for k in fields) or not all(
        isinstance(s, str) for s in [*stopped["lines"], *stopped["hints"]]
    ):
        return forged({"cases_total": total})
    run = stopped["cases_run"] if isinstance(stopped["cases_run"], int) else 0
    return report(
        stopped["status"],
        [cut(s) for s in stopped["lines"]],
        [cut(s) for s in stopped["hints"]],
        cases_run=min(max(run, 0), total),
        cases_total=total,
    )


def judge(module: ModuleType, trial: Any) -> Report:
    """The verdict on `trial` (see the module docstring) for the exercise `module`."""
    cases: list[Case] = module.cases()
    total = len(cases)
    if not isinstance(trial, dict) or not isinstance(trial.get("outputs"), list):
        return forged({"cases_total": total})
    outputs = trial["outputs"]
    if len(outputs) > total:
        return forged({"cases_total": total})
    for i, (case, output) in enumerate(zip(cases, outputs), start=1):
        failed = judge_case(module, case, output, i, total)
        if failed is not None:
            return failed
    if trial.get("stopped") is not None:
        return _child_failure(trial["stopped"], total)
    if len(outputs) < total:
        return forged({"cases_run": len(outputs), "cases_total": total})
    counts = {"cases_run": total, "cases_total": total}
    if hasattr(module, "judge_probe"):
        if "probe" not in trial:
            return forged(counts)
        try:
            problem = module.judge_probe(trial["probe"])
        except Exception:  # data no probe of ours writes
            return forged(counts)
        if problem:
            lines = [f"all {total} cases match, but a further check does not:", *problem]
            return report("mismatch", lines, **counts)
    return report(
        "passed", [f"{module.FUNCTION} matches the reference on all {total} cases"], **counts
    )
