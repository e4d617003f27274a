"""The learner's progress: kept across restarts, and a bad or unwritable file is a one-line
warning (set aside where it can be), never an exception."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine import progress
from engine.progress import (
    FORMAT,
    Progress,
    RungRecord,
    load,
    progress_path,
    record_exercise,
    record_rung,
    record_step,
)
from tui.cli import main


@pytest.fixture
def path() -> Path:
    return progress_path()  # conftest points it at a private folder


def test_it_starts_empty_and_the_tests_never_touch_the_real_file(path):
    assert "progress" in path.parent.name and path.parent != Path.home()
    assert load() == (Progress(), None)


def test_a_pass_stays_after_a_later_failure_and_steps_are_sorted_sets(path):
    assert record_exercise("backprop", passed=True) is None
    first = load()[0].exercises["backprop"]
    assert record_exercise("backprop", passed=False) is None
    assert record_exercise("attention", passed=False) is None
    for lesson, step in ((2, 3), (2, 0), (2, 3), (1, 4)):
        assert record_step(lesson, step) is None
    assert record_rung(3, ["Head", "FeedForward"], 2.25) is None
    now, warning = load()
    assert warning is None
    assert now.passed("backprop") and not now.passed("attention")
    assert now.exercises == {"backprop": first}
    assert not now.last_checks["backprop"].passed and now.last_checks["attention"].when
    assert now.steps == {1: (4,), 2: (0, 3)}
    assert now.seen(2, 3) and not now.seen(2, 1) and not now.seen(5, 0)
    assert now.rungs[3] == RungRecord(("Head", "FeedForward"), 2.25, now.rungs[3].when)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == FORMAT and data["steps"] == {"1": [4], "2": [0, 3]}


def test_progress_survives_a_restart(path):
    code = (
        "from engine.progress import record_exercise, record_step, record_rung\n"
        "assert record_exercise('feedforward', True) is None\n"
        "assert record_step(4, 2, followed=True) is None\n"
        "assert record_rung(1, ['Bigram'], 4.5) is None\n"
    )
    env = {**os.environ}  # carries $LEARN_GPT_PROGRESS_FILE
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    now, warning = load()
    assert warning is None
    assert now.passed("feedforward") and now.seen(4, 2) and now.rungs[1].val_loss == 4.5
    assert now.followed == (4, 2)
    record_step(4, 3)  # and the other way: written here, read by a fresh process
    seen = subprocess.run(
        [sys.executable, "-c", "from engine.progress import load; print(load()[0].steps)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert seen.stdout.strip() == "{4: (2, 3)}"
    assert load()[0].followed == (4, 2)  # a step only read is not where the learner was


def good_file(**changes) -> str:
    data = {"format": FORMAT, "version": 1, "exercises": {}, "steps": {}, "rungs": {}}
    return json.dumps({**data, **changes})


@pytest.mark.parametrize(
    "text,why",
    [
        ("{not json", "not valid JSON (line 1)"),
        ("[1, 2]", "not a learn-gpt progress file"),
        ('{"name": "some-other-app", "items": []}', "not a learn-gpt progress file"),
        (good_file(version=7), "newer learn-gpt (version 7)"),
        (good_file(version="1"), "version is not a number"),
        (good_file(exercises={"backprop": 3}), "pass of 'backprop' is not a time"),
        (good_file(exercises={"backprop": "yesterday"}), "is not a time"),
        (good_file(steps={"1": [0, "two"]}), "steps of lesson 1 are not step numbers"),
        (good_file(steps={"one": [0]}), "lesson 'one' is not a number"),
        (good_file(steps=[1]), '"steps" is not a table'),
        (good_file(rungs={"2": {"theirs": "Head", "val_loss": 1.0}}), "pieces of rung 2"),
        (good_file(rungs={"2": {"theirs": [], "val_loss": True}}), "loss of rung 2"),
        (good_file(followed={"lesson": 2}), '"followed" is not a lesson and a step'),
        (good_file(followed=[2, 1]), '"followed" is not a lesson and a step'),
    ],
)
def test_a_bad_file_is_set_aside_in_one_line_and_progress_starts_afresh(path, text, why):
    path.write_text(text, encoding="utf-8")
    now, warning = load()
    assert now == Progress()
    assert warning is not None and why in warning and "\n" not in warning
    (aside,) = path.parent.glob("progress.json.bad-*")
    assert aside.name in warning and aside.read_text(encoding="utf-8") == text
    assert not path.exists()
    assert record_step(1, 0) is None and load() == (Progress(steps={1: (0,)}), None)


def test_a_binary_file_and_a_folder_are_set_aside_too(path):
    path.write_bytes(b"\xff\xfe\x00garbage")
    warning = record_exercise("sample", passed=True)
    assert warning and "not text" in warning and "set aside" in warning
    assert load()[0].passed("sample")  # and the record after it was kept
    path.unlink()
    path.mkdir()
    now, warning = load()
    assert now == Progress() and warning and "it is a folder" in warning
    assert len(list(path.parent.glob("progress.json.bad-*"))) == 2


def test_two_set_asides_in_the_same_second_keep_both(path):
    for text in ("{", "["):
        path.write_text(text, encoding="utf-8")
        assert load()[1]
    assert sorted(p.read_text() for p in path.parent.glob("progress.json.bad-*")) == ["[", "{"]


def test_a_full_disk_is_a_warning_and_the_old_file_stays(path, monkeypatch):
    assert record_exercise("backprop", passed=True) is None
    before = path.read_text(encoding="utf-8")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(progress, "write_text_atomically", full)
    warning = record_step(1, 2)
    assert warning == f"progress: could not save {path} (No space left on device); it is not kept"
    assert path.read_text(encoding="utf-8") == before


def test_a_bad_file_that_cannot_be_moved_is_never_overwritten(path, monkeypatch):
    path.write_text("{", encoding="utf-8")

    def refuse(self, target):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "rename", refuse)
    warning = record_exercise("backprop", passed=True)
    assert warning and "nor moved aside (Permission denied)" in warning and "\n" not in warning
    assert path.read_text(encoding="utf-8") == "{"


def test_a_path_under_a_file_is_a_warning(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv(progress.ENV_PROGRESS_FILE, str(tmp_path / "file" / "progress.json"))
    now, warning = load()
    assert now == Progress() and warning and "\n" not in warning
    assert record_step(1, 0)  # a warning, no exception


# -- the command line ----------------------------------------------------------------------------
FIXTURES = Path(__file__).parent / "exercise_mistakes"
ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return exit_info.value.code, out + err


def test_check_records_the_result_and_list_shows_it(path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    ok = str(FIXTURES / "feedforward_ok.py")
    code, out = run_cli("exercise", "check", "feedforward", ok, capsys=capsys)
    assert code == 0 and "passes" in out
    assert load()[0].passed("feedforward")
    record_exercise("attention", passed=False)
    code, out = run_cli("exercise", "list", capsys=capsys)
    day = load()[0].exercises["feedforward"][:10]
    assert code == 0 and re.search(rf"feedforward +✓ {day} ", out)
    assert re.search(r"attention +tried ", out) and not re.search(r"backprop +(✓|tried)", out)
    assert f"Your progress is kept in {path}" in out
    path.write_text("{", encoding="utf-8")
    code, out = run_cli("exercise", "list", capsys=capsys)
    (warning,) = [line for line in out.splitlines() if "set aside" in line]
    assert code == 0 and "not valid JSON" in warning and "Traceback" not in out


def watch(*args: str) -> subprocess.Popen:
    """`learn-gpt exercise watch ARGS` in a child, its output merged and read line by line."""
    return subprocess.Popen(
        [sys.executable, "-m", "learn_gpt", "exercise", "watch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},  # carries the private progress file
        cwd=ROOT,
        # Ctrl-C reaches it even where this runs with SIGINT ignored (a background job)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def read_until(proc: subprocess.Popen, words: str, deadline: float) -> str:
    """The child's output up to the first line holding `words`; fails past `deadline`."""
    seen = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        assert line, f"the watch ended before {words!r}:\n{seen}"
        seen += line
        if words in line:
            return seen
    pytest.fail(f"no {words!r} in time:\n{seen}")


def test_watch_checks_again_on_each_save_and_stops_when_it_passes(tmp_path, path):
    mine = tmp_path / "wrong.py"
    mine.write_bytes((FIXTURES / "feedforward_transposed.py").read_bytes())
    proc = watch("feedforward", str(mine))
    try:
        deadline = time.monotonic() + 60
        seen = read_until(proc, "save it to check again (Ctrl-C stops)", deadline)
        seen += read_until(proc, "hint: your output is transposed", deadline)
        assert "is wrong at case 1 of 8" in seen
        mine.write_bytes((FIXTURES / "feedforward_ok.py").read_bytes())
        later = mine.stat().st_mtime + 5
        os.utime(mine, (later, later))  # a new stamp even on a coarse clock
        seen += read_until(proc, "Well done!", deadline)
        assert "✓ feedforward passes" in seen
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.communicate()
    now = load()[0]
    assert now.passed("feedforward") and now.last_checks["feedforward"].passed


def test_watch_waits_for_a_missing_file_and_ctrl_c_stops_it(tmp_path):
    proc = watch("feedforward", str(tmp_path / "not_yet.py"))
    try:
        seen = read_until(proc, "is not there yet: waiting for it", time.monotonic() + 30)
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert rest.strip().splitlines() == [f"Stopped watching {tmp_path / 'not_yet.py'}."]
    assert "Traceback" not in seen + rest


def test_watch_refuses_a_folder_and_a_bad_timeout_in_one_line(tmp_path, capsys):
    code, out = run_cli("exercise", "watch", "feedforward", str(tmp_path), capsys=capsys)
    assert code == 1 and out.strip() == f"learn-gpt: {tmp_path} is a folder, not a file"
    code, out = run_cli("exercise", "watch", "feedforward", "--timeout", "0", capsys=capsys)
    assert code == 2 and out.strip() == "learn-gpt: error: --timeout must be positive, got 0"
