"""`learn-gpt train ladder`: the table a learner reads, their own pieces beside the reference,
one-line refusals, and a Ctrl-C that keeps what finished."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_ladder import NO_MASK_HEAD, write_head

from tui.cli import main


def run_cli(*args: str, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # Rich wraps at 80 otherwise


def test_a_quick_ladder_prints_each_rung_and_the_table(capsys):
    code, out, err = run_cli("train", "ladder", "--rungs", "1-2", "--iters", "100", capsys=capsys)
    assert code == 0, err
    assert "rung 1 bigram: val loss " in out and "after 60 steps" in out
    assert "rung 2 one head: val loss " in out and "(lecture 2.40) after 100 steps" in out
    header = next(line for line in out.splitlines() if "parameters" in line)
    for column in ("rung", "adds", "val loss", "lecture", "seconds", "pieces"):
        assert column in header
    assert out.count("reference") == 2  # nobody's pieces but the engine's


@pytest.mark.parametrize(
    "args, words",
    [
        (["--rungs", "9"], "--rungs '9': rungs are 1 to 7"),
        (["--iters", "0"], "--iters must be at least 1"),
        (  # a folder that is there but holds no corpus
            ["--corpus", "tinyshakespeare", "--data-dir", str(Path(__file__).parent)],
            "tiny Shakespeare",
        ),
        (["--mine", "/nonexistent"], "not a folder"),
    ],
)
def test_bad_settings_are_one_line(args, words, capsys):
    code, out, err = run_cli("train", "ladder", *args, capsys=capsys)
    assert code in (1, 2)
    assert words in err and len(err.strip().splitlines()) == 1, err


def test_your_head_is_checked_and_follows_the_reference(tmp_path: Path, capsys):
    folder = write_head(tmp_path / "mine")
    code, out, err = run_cli(
        "train", "ladder", "--rungs", "2", "--iters", "60", "--mine", str(folder), capsys=capsys
    )
    assert code == 0, err
    assert "✓ Head" in out and "passes its check" in out
    assert "yours (Head) follows the reference's curve" in out
    assert "Head yours" in out
    from engine.progress import load

    kept = load()[0].rungs[2]  # in the learner's progress
    assert kept.theirs == ("head",) and f"val loss {kept.val_loss:.4f}" in out


def test_a_head_without_its_mask_is_named_and_parts(tmp_path: Path, capsys):
    folder = write_head(tmp_path / "wrong", NO_MASK_HEAD)
    code, out, err = run_cli(
        "train", "ladder", "--rungs", "2", "--iters", "60", "--mine", str(folder), capsys=capsys
    )
    assert code == 0, err
    assert "✗ Head" in out and "hint:" in out and "mask" in out
    assert "yours (Head) parts from the reference's curve at step 0" in out


def test_ctrl_c_stops_between_steps_and_keeps_the_finished_rungs(tmp_path: Path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "learn_gpt", "train", "ladder", "--rungs", "1-3", "--iters", "3000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # the bigram's line: the first rung is done
        if line.startswith("rung 1 bigram"):
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "Stopped during rung 2 (Ctrl-C)." in out
    assert "rung 2 one head:" not in out  # it did not pretend to finish
