"""The learner's progress: kept across restarts, and a bad or unwritable file is a one-line
warning (set aside where it can be), never an exception."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
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
        "assert record_step(4, 2) is None\n"
        "assert record_rung(1, ['Bigram'], 4.5) is None\n"
    )
    env = {**os.environ}  # carries $LEARN_GPT_PROGRESS_FILE
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    now, warning = load()
    assert warning is None
    assert now.passed("feedforward") and now.seen(4, 2) and now.rungs[1].val_loss == 4.5
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
