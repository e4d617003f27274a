"""Exercises: right answers pass, each known mistake fails with its hint, and files that do not
compile, raise or never return give a clear report instead of a crash."""

from __future__ import annotations

import inspect
import os
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch
import typer

from engine.errors import ConfigError, EngineError
from engine.exercise_checks import NAMES
from engine.exercise_checks.common import clone, first_difference
from engine.exercise_checks.judge import variant_hints
from engine.exercise_checks.runner import (
    check_file,
    check_function,
    exercise_module,
    load_module,
)
from engine.exercises import (
    EXERCISES,
    CheckReport,
    check,
    get_exercise,
    load_learner_function,
    write_stub,
)

FIXTURES = Path(__file__).parent / "exercise_mistakes"
# the exercises where the learner writes a function (the classes: tests/test_ladder_exercises.py)
FUNCTIONS = tuple(name for name in NAMES if not hasattr(exercise_module(name), "adapt"))

# (fixture, exercise, a word its hint must contain)
MISTAKES = [
    ("feedforward_transposed", "feedforward", "transposed"),
    ("feedforward_no_sigmoid", "feedforward", "no sigmoid"),
    ("backprop_transposed", "backprop", "transposed"),
    ("backprop_no_sigmoid_prime", "backprop", "sigmoid derivative"),
    ("backprop_mean", "backprop", "divided by m"),
    ("update_mini_batch_no_mean", "update_mini_batch", "not divided by the mini-batch size"),
    ("update_mini_batch_decay_biases", "update_mini_batch", "not to the biases"),
    ("positional_encoding_swapped", "positional_encoding", "swapped"),
    ("positional_encoding_frequency", "positional_encoding", "share one frequency"),
    ("attention_no_scale", "attention", "√d"),
    ("attention_wrong_axis", "attention", "wrong axis"),
    ("attention_anti_causal", "attention", "wrong side"),
    ("multi_head_attention_wrong_scale", "multi_head_attention", "head size"),
    ("multi_head_attention_bad_merge", "multi_head_attention", "joined wrongly"),
    ("sample_temperature_after_softmax", "sample", "after the softmax"),
    ("sample_top_k_not_renormalised", "sample", "not renormalised"),
]

THROUGH_A_CHILD = ("backprop", "sample")  # the fakes of the CLI tests below return these
LOOP_LIMIT = 6.0  # seconds: the child must import torch and reach case 1 on a busy machine

PRINTS_AND_PASSES = """
import torch

print("hello from the learner")


def positional_encoding(T, d):
    from positional_encoding_ok import positional_encoding as theirs

    return theirs(T, d)
"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CheckReport]:
    """Every file the tests look at, checked in child processes two at a time (each child
    spends about a second importing torch)."""
    folder = tmp_path_factory.mktemp("learner")
    (folder / "backprop.py").write_text("def backprop(weights, biases, x, y)\n    return [], []\n")
    (folder / "positional_encoding.py").write_text(PRINTS_AND_PASSES)
    (folder / "positional_encoding_ok.py").write_text(
        (FIXTURES / "positional_encoding_ok.py").read_text()
    )
    jobs: dict[str, tuple[str, Path, float]] = {  # two right answers go through a child too
        f"{name}_ok": (name, FIXTURES / f"{name}_ok.py", 20.0) for name in THROUGH_A_CHILD
    }
    jobs["attention_no_scale"] = ("attention", FIXTURES / "attention_no_scale.py", 20.0)
    jobs |= {
        "syntax": ("backprop", folder / "backprop.py", 20.0),
        "raises": ("backprop", FIXTURES / "raises.py", 20.0),
        "loops": ("backprop", FIXTURES / "loops.py", LOOP_LIMIT),
        "stub": ("backprop", EXERCISES["backprop"].stub, 20.0),
        "prints": ("positional_encoding", folder / "positional_encoding.py", 20.0),
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(check, *job) for key, job in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize("name", THROUGH_A_CHILD)
def test_a_right_answer_passes_through_the_child(reports, name):
    report = reports[f"{name}_ok"]
    assert report.passed, report.lines + report.hints + [report.output]
    assert report.status == "passed"
    assert report.cases_run == report.cases_total >= 6
    assert not report.hints


@pytest.mark.parametrize("name", NAMES)
def test_every_reference_solution_passes(name):
    """In this process, through the code the child runs (a child each would cost seconds)."""
    report = check_file(name, FIXTURES / f"{name}_ok.py")
    assert report["status"] == "passed", report["lines"] + report["hints"]
    assert report["cases_run"] == report["cases_total"] >= 6
    assert not report["hints"]


@pytest.mark.parametrize("stem,name,word", MISTAKES)
def test_each_mistake_fails_with_its_hint(stem, name, word):
    """In this process, through the code the child runs (a child per file would cost a
    second each); the child's own round trip is tested with attention_no_scale below."""
    report = check_file(name, FIXTURES / f"{stem}.py")
    assert report["status"] == "mismatch"
    assert not report["passed"]
    assert report["lines"][0].startswith(f"case {report['cases_run']} of {report['cases_total']}:")
    assert len(report["hints"]) == 1, report["hints"]
    assert word in report["hints"][0]


def test_a_mistake_checked_in_a_child_keeps_its_hint(reports):
    report = reports["attention_no_scale"]
    assert report.status == "mismatch" and not report.passed
    assert report.lines[0] == "case 1 of 9: q, k (4, 8), v (4, 8), causal=True"
    assert report.lines[1].startswith("weights differs at [")
    assert report.hints == [exercise_module("attention").VARIANTS[0].hint]


def test_the_first_mismatch_says_which_output_and_where():
    lines = check_file("backprop", FIXTURES / "backprop_transposed.py")["lines"]
    assert "nabla_w[0] has shape (4, 3), expected (3, 4)" in lines
    axis = check_file("attention", FIXTURES / "attention_wrong_axis.py")["lines"]
    assert any(line.startswith("weights differs at [") for line in axis)
    assert any("sums to" in line and "not 1" in line for line in axis)
    anti = check_file("attention", FIXTURES / "attention_anti_causal.py")["lines"]
    assert any("a later position" in line for line in anti)


def test_a_syntax_error_is_reported_with_its_line(reports):
    report = reports["syntax"]
    assert report.status == "syntax"
    assert "does not compile" in report.lines[0] and "line 1" in report.lines[0]
    assert "def backprop" in report.lines[1]


def test_an_exception_is_reported_with_the_learners_line_and_what_it_printed(reports):
    report = reports["raises"]
    assert report.status == "error"
    assert "raised RuntimeError" in report.lines[1]
    assert "at line 8 of raises.py, in backprop" in report.lines[2]
    assert "weights[0].T @ x" in report.lines[2]
    assert any("shapes on that line" in hint for hint in report.hints)
    assert "debug: x has shape (4, 5)" in report.output


def test_a_loop_that_never_ends_is_stopped_at_the_time_limit(reports):
    report = reports["loops"]
    assert report.status == "timeout"
    assert report.seconds < LOOP_LIMIT + 5
    assert f"stopped after {LOOP_LIMIT:g} s during case 1 of 8" in report.lines[0]
    assert "loop" in report.lines[1]


def test_the_stub_is_not_written_yet(reports):
    report = reports["stub"]
    assert report.status == "not_written"
    assert "not written yet" in report.lines[0]


def test_printing_does_not_disturb_the_report_and_helpers_beside_the_file_import(reports):
    report = reports["prints"]
    assert report.passed, report.lines
    assert "hello from the learner" in report.output


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_stub_declares_the_checked_signature_and_is_not_written(name):
    assert tuple(EXERCISES) == NAMES
    exercise = EXERCISES[name]
    module = exercise_module(name)
    stub = load_module(exercise.stub, f"stub_{name}")
    fn = getattr(stub, name)
    assert tuple(inspect.signature(fn).parameters) == module.ARG_NAMES
    assert module.SIGNATURE.startswith(f"{name}(" + ", ".join(module.ARG_NAMES))
    assert fn.__doc__ and "torch" in fn.__doc__
    report = check_file(name, exercise.stub)
    assert report["status"] == "not_written", report


@pytest.mark.parametrize("name", NAMES)
def test_every_known_mistake_is_caught_and_named(name):
    """Each variant the check knows is wrong on some case, and then its own hint is given."""
    module = exercise_module(name)
    for variant in module.VARIANTS:
        for case in module.cases():
            try:  # some mistakes raise on some shapes (a transposed matrix that does not fit)
                theirs = module.unpack(variant.fn(*clone(case.args)), case)
            except Exception:
                continue
            expected = module.unpack(module.reference(*clone(case.args)), case)
            if first_difference(expected, theirs) is not None:
                break
        else:
            pytest.fail(f"{variant.name} gives the right answer on every case")
        assert variant.hint in variant_hints(module, case, theirs), variant.name


def _engine_attention(q, k, v, causal=True):
    from engine.attention import attention

    out, stages = attention(q, k, v, mask="causal" if causal else "none", capture=True)
    fused, _ = attention(q, k, v, mask="causal" if causal else "none")
    torch.testing.assert_close(fused, out)
    return out, stages.weights


def _engine_sample(logits, temperature, top_k, generator):
    from engine.sample import next_token_probs

    probs = next_token_probs(logits, temperature, top_k)
    if temperature == 0:
        return int(probs.argmax()), probs
    return int(torch.multinomial(probs, 1, generator=generator)), probs


def _engine_functions():
    from engine.exercise_checks.mlp_cases import engine_backprop, engine_network
    from engine.positional import sinusoidal_table

    return {
        "feedforward": lambda w, b, a: engine_network(w, b).feedforward(a),
        "backprop": engine_backprop,  # the reference is autograd: this checks the engine
        "positional_encoding": sinusoidal_table,
        "attention": _engine_attention,
        "sample": _engine_sample,
    }


@pytest.mark.parametrize("name", ["feedforward", "backprop", "positional_encoding", "attention"])
def test_the_engine_itself_passes(name):
    report = check_function(name, _engine_functions()[name])
    assert report["status"] == "passed", report


def test_the_engine_sampler_passes():
    report = check_function("sample", _engine_functions()["sample"])
    assert report["status"] == "passed", report


def test_sample_must_draw_with_the_generator_and_at_random():
    from engine.sample import next_token_probs

    def greedy(logits, temperature, top_k, generator):
        probs = next_token_probs(logits, temperature, top_k)
        return int(probs.argmax()), probs

    def global_rng(logits, temperature, top_k, generator):
        probs = next_token_probs(logits, temperature, top_k)
        token = probs.argmax() if temperature == 0 else torch.multinomial(probs, 1)
        return int(token), probs

    report = check_function("sample", greedy)
    assert report["status"] == "mismatch"
    assert "not the likeliest token" in report["lines"][-1]
    report = check_function("sample", global_rng)
    assert report["status"] == "mismatch"
    assert "generator=generator" in report["lines"][-1]


def test_a_missing_function_or_a_failing_import_is_a_report(tmp_path):
    wrong_name = tmp_path / "a.py"
    wrong_name.write_text("def back_prop(weights, biases, x, y):\n    return [], []\n")
    report = check_file("backprop", wrong_name)
    assert report["status"] == "no_function"
    assert "no function `backprop`" in report["lines"][0]
    broken = tmp_path / "b.py"
    broken.write_text("import numpy_that_is_not_there\n")
    report = check_file("backprop", broken)
    assert report["status"] == "import_error"
    assert "ModuleNotFoundError" in report["lines"][0]


def test_changing_an_input_in_place_is_named(tmp_path):
    path = tmp_path / "attention.py"
    path.write_text(
        textwrap.dedent(
            """
            import math
            import torch

            def attention(q, k, v, causal=True):
                q /= math.sqrt(q.shape[-1])
                scores = q @ k.transpose(-2, -1)
                if causal:
                    T = q.shape[-2]
                    scores = scores.masked_fill(torch.ones(T, T).triu(1).bool(), float("-inf"))
                weights = torch.softmax(scores, dim=-1)
                return weights @ v, weights
            """
        )
    )
    report = check_file("attention", path)
    assert report["status"] == "mismatch"
    assert "changed its input q in place" in report["lines"][1]


def test_unknown_exercise_and_missing_file_are_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match="choose feedforward, backprop"):
        get_exercise("softmax")
    with pytest.raises(EngineError, match="exercise start backprop"):
        check("backprop", tmp_path / "backprop.py")


def test_training_with_the_learners_backprop_learns_like_the_engine():
    from engine.data.digits import load_sample
    from engine.mlp import Network

    fn = load_learner_function(FIXTURES / "backprop_ok.py", "backprop")
    digits = load_sample()
    images, labels = digits.train.as_pair()
    train = (images[:1000], labels[:1000])
    test = tuple(t[:1000] for t in digits.test.as_pair())
    nets = {}
    for who, backprop in (("learner", fn), ("engine", None)):
        net = Network([784, 30, 10], init="scaled", seed=0, backprop_fn=backprop)
        events = list(net.SGD(train, 1, 10, 3.0, test_data=test, seed=0))
        nets[who] = (net, events[-1].correct)
    learner, correct = nets["learner"]
    assert correct > 500, correct  # chance is 100 of 1000
    engine, engine_correct = nets["engine"]
    assert abs(correct - engine_correct) <= 5
    for ours, theirs in zip(learner.weights, engine.weights):
        torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-4)


def test_a_learners_backprop_is_refused_for_other_costs():
    from engine.mlp import Network

    fn = load_learner_function(FIXTURES / "backprop_ok.py", "backprop")
    with pytest.raises(ConfigError, match="quadratic"):
        Network([4, 3, 2], cost="cross-entropy", backprop_fn=fn)
    net = Network([4, 3, 2], activation="relu")
    with pytest.raises(ConfigError, match="sigmoid"):
        net.use_backprop(fn)


# -- the command-line functions ---------------------------------------------------------------


def test_list_names_every_exercise(capsys):
    from tui.cli.exercise import list_exercises

    list_exercises()
    out = capsys.readouterr().out
    for name in NAMES:
        assert name in out


def test_start_copies_the_stub_and_never_overwrites(tmp_path, capsys):
    from tui.cli.exercise import start_exercise

    start_exercise("attention", tmp_path / "mine")
    target = tmp_path / "mine" / "attention.py"
    assert target.read_text() == EXERCISES["attention"].stub.read_text()
    assert "exercise check attention" in capsys.readouterr().out
    target.write_text("# my work\n")
    with pytest.raises(EngineError, match="already exists"):
        start_exercise("attention", tmp_path / "mine")
    assert target.read_text() == "# my work\n"
    with pytest.raises(ConfigError, match="choose"):
        start_exercise("nope", tmp_path)


def test_a_full_disk_during_start_leaves_no_stub_and_the_next_start_works(
    tmp_path, monkeypatch, capsys
):
    import errno

    from tui.cli.app import main

    monkeypatch.chdir(tmp_path)

    def disk_full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(SystemExit) as stopped:
        main(["exercise", "start", "attention"])  # the command's check finds the disk full
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is full" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no stub, no temp file, no probe
    with pytest.raises(EngineError, match="No space left on device"):
        write_stub("attention", tmp_path)  # a disk that fills after the check
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        main(["exercise", "start", "attention"])
    assert stopped.value.code == 0
    assert (tmp_path / "attention.py").read_text() == EXERCISES["attention"].stub.read_text()


def test_a_write_that_fails_midway_leaves_no_part_of_the_stub(tmp_path):
    """No monkeypatching: the real command, with files limited to 100 bytes (the stub is
    longer), so the write itself fails partway, as on a disk that fills."""
    resource = pytest.importorskip("resource")  # POSIX only
    import signal
    import subprocess
    import sys

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(
            resource.RLIMIT_FSIZE, (100, resource.getrlimit(resource.RLIMIT_FSIZE)[1])
        )

    run = [sys.executable, "-c", "from tui.cli import main; main()", "exercise", "start"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    failed = subprocess.run(
        [*run, "attention"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=small_files,
    )
    assert failed.returncode == 1  # the command's check: a 1 MiB probe cannot be written
    assert failed.stderr.count("\n") == 1 and "file size limit" in failed.stderr
    assert list(tmp_path.iterdir()) == []
    stub = "from engine.exercises import write_stub; write_stub('attention', '.')"
    midway = subprocess.run(  # past the check, the stub's own write fails partway
        [sys.executable, "-c", stub], cwd=tmp_path, env=env, capture_output=True, text=True,
        preexec_fn=small_files,
    )  # fmt: skip
    assert "could not write" in midway.stderr and "EngineError" in midway.stderr
    assert list(tmp_path.iterdir()) == []
    worked = subprocess.run(
        [*run, "attention"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert worked.returncode == 0, worked.stderr
    assert (tmp_path / "attention.py").read_text() == EXERCISES["attention"].stub.read_text()


def test_an_empty_stub_an_older_start_left_is_replaced(tmp_path, capsys):
    from tui.cli.exercise import start_exercise

    (tmp_path / "attention.py").write_bytes(b"")
    start_exercise("attention", tmp_path)
    assert (tmp_path / "attention.py").read_text() == EXERCISES["attention"].stub.read_text()
    out = " ".join(capsys.readouterr().out.split())
    assert "replaced the empty file" in out
    assert [p.name for p in tmp_path.iterdir()] == ["attention.py"]


def test_check_prints_a_pass_and_a_failure_with_its_hint(tmp_path, monkeypatch, capsys, reports):
    import tui.cli.exercise as cli

    monkeypatch.chdir(tmp_path)
    given = {}

    def fake_check(name, path, timeout=20.0, threads=1):
        given["path"] = path
        return reports["sample_ok" if name == "sample" else "attention_no_scale"]

    monkeypatch.setattr("engine.exercises.check", fake_check)
    cli.check_exercise("sample", None)  # default path: ./sample.py
    assert given["path"] == Path("sample.py")
    assert "sample passes: all 12 cases" in capsys.readouterr().out
    with pytest.raises(typer.Exit) as stopped:
        cli.check_exercise("attention", tmp_path / "attention.py")
    assert stopped.value.exit_code == 1
    out = " ".join(capsys.readouterr().out.split())  # Rich wraps at the console's width
    assert "is wrong at case 1 of 9" in out and "hint:" in out and "√d" in out


def test_checked_backprop_refuses_a_failing_file_in_one_line(monkeypatch, reports):
    import tui.cli.exercise as cli

    failing = CheckReport(
        "backprop", FIXTURES / "backprop_mean.py", "mismatch", 1, 8, ["case 1 of 8: ...", "x"]
    )
    monkeypatch.setattr("engine.exercises.check", lambda *a, **k: failing)
    with pytest.raises(EngineError) as refused:
        cli.checked_backprop(FIXTURES / "backprop_mean.py")
    assert "does not pass its check" in str(refused.value)
    assert "\n" not in str(refused.value)
    monkeypatch.setattr("engine.exercises.check", lambda *a, **k: reports["backprop_ok"])
    fn = cli.checked_backprop(FIXTURES / "backprop_ok.py")
    assert callable(fn) and fn.__name__ == "backprop"
