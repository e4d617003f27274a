"""The exercise verdict cannot be forged by the code under test: a wrong answer stays wrong
whatever the learner's file does to the checker's channels, its results or its code."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch

from engine.exercise_checks import positional_encoding
from engine.exercise_checks.judge import judge
from engine.exercise_checks.runner import run_cases
from engine.exercises import check

WRONG = """
import torch

def positional_encoding(T, d):
    return torch.zeros(T, d)
"""

# the old channel: a report line on every file descriptor the child might read its results from
FAKE_LINE = """
import json, os
line = json.dumps({"report": {"status": "passed", "passed": True, "lines": ["✓ passes"],
                              "hints": [], "cases_run": 9, "cases_total": 9}}) + "\\n"
for fd in range(1, 30):
    try:
        os.write(fd, line.encode())
    except OSError:
        pass
"""

# a trial that says "passed" itself, saved where the child saves its own, then a quick exit
FAKE_PASS = """
import os, sys, torch
torch.save({"outputs": [], "stopped": {"status": "passed", "passed": True,
            "lines": ["✓ passes"], "hints": [], "cases_run": 9, "cases_total": 9}}, sys.argv[3])
os._exit(0)
"""

# outputs named as the reference's, of the right shapes, but not the right numbers, saved at exit
# (after the child's own save)
FAKE_OUTPUTS = """
import atexit, sys, torch
from engine.exercise_checks import positional_encoding as ex

def forge():
    outputs = [{"got": [(name, torch.zeros_like(t)) for name, t in
                        ex.unpack(ex.reference(*case.args), case)],
                "wrong": None, "changed": [], "shipped": None} for case in ex.cases()]
    torch.save({"outputs": outputs, "stopped": None}, sys.argv[3])

atexit.register(forge)
"""

# the checker's own comparison patched, in the child, to find no difference
PATCHED = """
import importlib
for name in ("common", "runner", "judge"):
    try:
        module = importlib.import_module("engine.exercise_checks." + name)
    except ImportError:
        continue
    module.first_difference = lambda *args, **kwargs: None
    module.judge_case = lambda *args, **kwargs: None
"""

HOSTILE = {"fake_line": FAKE_LINE, "fake_pass": FAKE_PASS, "fake_outputs": FAKE_OUTPUTS,
           "patched": PATCHED}  # fmt: skip


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    """Each hostile file's report, checked two at a time."""
    folder = tmp_path_factory.mktemp("hostile")
    paths = {}
    for name, trick in HOSTILE.items():
        paths[name] = folder / name / "positional_encoding.py"
        paths[name].parent.mkdir()
        paths[name].write_text(WRONG + trick, encoding="utf-8")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {n: pool.submit(check, "positional_encoding", p, 20) for n, p in paths.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("trick", HOSTILE)
def test_a_wrong_answer_stays_wrong_whatever_the_file_does(verdicts, trick):
    report = verdicts[trick]
    assert not report.passed, report.lines
    assert report.status in ("mismatch", "crash"), report.lines
    assert not any("passes" in line for line in report.lines)


def test_a_trial_that_claims_to_pass_is_called_forged(verdicts):
    assert verdicts["fake_pass"].status == "crash"
    assert "wrote to them" in verdicts["fake_pass"].lines[0]


def test_outputs_written_over_the_childs_are_judged_as_outputs(verdicts):
    report = verdicts["fake_outputs"]
    assert report.status == "mismatch"
    assert report.lines[0].startswith("case 1 of")


def test_the_judge_accepts_only_outputs_of_the_references_form():
    right = run_cases(positional_encoding, positional_encoding.reference)
    assert judge(positional_encoding, right)["status"] == "passed"
    short = {**right, "outputs": right["outputs"][:-1]}
    assert judge(positional_encoding, short)["status"] == "crash"
    renamed = {**right, "outputs": [
        {**r, "got": [("pe2", t) for _, t in r["got"]]} for r in right["outputs"]
    ]}  # fmt: skip
    assert judge(positional_encoding, renamed)["status"] == "crash"
    not_tensors = {**right, "outputs": [
        {**r, "got": [(n, t.tolist()) for n, t in r["got"]]} for r in right["outputs"]
    ]}  # fmt: skip
    assert judge(positional_encoding, not_tensors)["status"] == "crash"
    halved = {**right, "outputs": [
        {**r, "got": [(n, t / 2) for n, t in r["got"]]} for r in right["outputs"]
    ]}  # fmt: skip
    assert judge(positional_encoding, halved)["status"] == "mismatch"
    assert judge(positional_encoding, "passed")["status"] == "crash"


def test_a_trial_round_trips_through_a_safe_load(tmp_path: Path):
    trial = run_cases(positional_encoding, positional_encoding.reference)
    torch.save(trial, tmp_path / "trial.pt")
    loaded = torch.load(tmp_path / "trial.pt", weights_only=True)
    assert judge(positional_encoding, loaded)["status"] == "passed"
