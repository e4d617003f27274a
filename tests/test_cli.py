"""The `learn-gpt` command: quick help, one-line errors, training, Ctrl-C and resume."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from tui.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_help_imports_neither_torch_nor_textual():
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('torch', 'textual', 'numpy') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "Usage" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_engine_never_imports_textual_or_rich():
    for path in (ROOT / "engine").rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in ("textual", "rich"), f"{path} imports {name}"


def test_help_names_the_subcommands_and_the_pane_option(capsys):
    code, out, _ = run_cli("--help", capsys=capsys)
    assert code == 0
    for word in ("train", "data", "sample", "--pane"):
        assert word in out


@pytest.mark.parametrize(
    "args,message",
    [
        (["--sizes", "100,30,10"], "--sizes must start with 784"),
        (["--eta", "-3"], "--eta must be a positive number"),
        (["--batch-size", "0"], "--batch-size must be at least 1"),
        (["--sizes", "a,b"], "comma-separated"),
        (["--epochs", "many"], "--epochs"),
        (["--cost", "hinge"], "unknown --cost"),
        (["--device", "tpu"], "unknown device"),
        (["--threads", "0"], "--threads must be at least 1"),
        (["--bogus"], "No such option"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(args, message, capsys):
    code, out, err = run_cli("train", "mlp", *args, capsys=capsys)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_bad_files_are_one_line_and_exit_1(tmp_path, capsys):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    for args in (
        ["--resume", str(bad)],
        ["--resume", str(tmp_path / "none.pt")],
        ["--data", str(tmp_path)],
    ):
        code, _, err = run_cli("train", "mlp", *args, capsys=capsys)
        assert code == 1 and len(err.strip().splitlines()) == 1, err


def test_train_mlp_one_epoch_offline_on_the_sample(tmp_path, capsys):
    out_file = tmp_path / "net.pt"
    code, out, err = run_cli(
        "train", "mlp", "--epochs", "1", "--data", "sample", "--out", str(out_file), capsys=capsys
    )
    assert code == 0, err
    assert "Epoch 0: " in out and "/ 2000" in out
    correct = int(out.split("Epoch 0: ")[1].split(" /")[0])
    assert correct > 1500  # one epoch on 8,000 digits already gets most of them
    assert out_file.is_file() and "checkpoint" in out
    assert torch.get_num_threads() == 1


def test_resume_keeps_settings_and_extends_epochs(tmp_path, capsys):
    ckpt = tmp_path / "net.pt"
    run_cli(
        "train",
        "mlp",
        "--epochs",
        "1",
        "--data",
        "sample",
        "--sizes",
        "784,12,10",
        "--out",
        str(ckpt),
        capsys=capsys,
    )
    code, _, err = run_cli("train", "mlp", "--resume", str(ckpt), "--eta", "0.1", capsys=capsys)
    assert code == 2 and "differs from the checkpoint's 3.0" in err
    code, out, _ = run_cli("train", "mlp", "--resume", str(ckpt), "--epochs", "2", capsys=capsys)
    assert code == 0
    assert "Epoch 1: " in out and "Epoch 0: " not in out


def test_ctrl_c_saves_a_checkpoint_that_resumes(tmp_path):
    ckpt = tmp_path / "run.pt"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "100"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "learn_gpt",
            "train",
            "mlp",
            "--data",
            "sample",
            "--epochs",
            "200",
            "--out",
            str(ckpt),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 60
    while not ckpt.exists() and time.monotonic() < deadline:  # saved after each epoch
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "Continue with: learn-gpt train mlp --resume" in out

    from engine.mlp_run import MLPRun

    run = MLPRun.load(ckpt)
    assert 1 <= run.epoch < 200 and len(run.accuracy) == run.epoch


def test_data_info_lists_the_sample_and_search_path(shared_data, capsys):
    code, out, _ = run_cli("data", "info", "--data-dir", str(shared_data), capsys=capsys)
    assert code == 0
    assert "mnist-sample" in out and "--data-dir" in out


def test_download_unknown_data_set_is_exit_2(capsys):
    code, _, err = run_cli("data", "download", "cifar", capsys=capsys)
    assert code == 2 and "unknown data set 'cifar'" in err


FIXTURES = Path(__file__).parent / "exercise_mistakes"


def test_train_mlp_with_a_learners_backprop(tmp_path, capsys):
    out = tmp_path / "mine.pt"

    def train_with(fixture: str) -> tuple[int, str, str]:
        args = ("--backprop", str(FIXTURES / fixture), "--data", "sample", "--epochs", "1")
        return run_cli("train", "mlp", *args, "--out", str(out), capsys=capsys)

    code, _, err = train_with("backprop_mean.py")
    assert code == 1 and len(err.strip().splitlines()) == 1 and not out.exists()
    code, stdout, err = train_with("backprop_ok.py")
    assert code == 0, err
    assert "Backprop: yours" in stdout and "Epoch 0:" in stdout


def test_lesson_lists_prints_one_and_refuses_an_unknown_one(capsys):
    code, out, _ = run_cli("lesson", capsys=capsys)
    assert code == 0 and "Encoder, decoder, translation" in out and "learn-gpt lesson N" in out
    code, out, _ = run_cli("lesson", "10", capsys=capsys)
    assert code == 0 and "Step 5 of 5" in out and "learn-gpt train translate --seed 1" in out
    code, out, _ = run_cli("lesson", "attention", capsys=capsys)
    assert code == 0 and "Lesson 4" in out
    code, _, err = run_cli("lesson", "42", capsys=capsys)
    assert code == 2 and err.strip() == (
        "learn-gpt: error: no lesson '42': choose 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 "
        "(see `learn-gpt lesson`)"
    )


@pytest.mark.parametrize("task", ["sentences", "translate"])
def test_toy_tasks_refuse_zero_steps_before_any_work(task, capsys):
    code, out, err = run_cli("train", task, "--steps", "0", capsys=capsys)
    assert code == 2 and out == "" and "--steps" in err and len(err.strip().splitlines()) == 1


def test_every_pane_of_the_app_opens_by_name():
    from tui.cli.app import PANE_NAMES
    from tui.panes.catalog import PANES

    assert set(PANE_NAMES) == set(PANES)
