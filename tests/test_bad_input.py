"""Bad numbers and settings are one line and a non-zero exit, never a traceback and never
accepted silently: seeds beyond 64 bits, sizes too large for memory, a negative length, a
temperature of nan or inf, an empty --device, and a resumed run given another text or preset."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.data.sources import PRETRAINED_GPT
from tui.cli import main
from tui.cli.app import too_large_line

HUGE = "1180591620717411303424"  # 2**70


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return done.value.code, out, err


def one_line(err: str) -> bool:
    return len(err.strip().splitlines()) == 1 and "Traceback" not in err


# every command that trains or samples, each stopped as early as it can be
TRAINING = [
    ["train", "mlp", "--epochs", "1"],
    ["train", "gpt", "--max-iters", "1"],
    ["train", "induction", "--steps", "1"],
    ["train", "ladder", "--rungs", "1", "--iters", "5"],
    ["train", "translate", "--steps", "1"],
    ["sample", str(PRETRAINED_GPT), "-n", "1"],
]


def said(command: list[str]) -> str:
    return " ".join(command[:2])


@pytest.mark.parametrize("command", TRAINING, ids=said)
@pytest.mark.parametrize("seed", [HUGE, "-1"])
def test_a_seed_out_of_range_is_refused(command, seed, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, *command, "--seed", seed)
    assert code == 2 and one_line(err) and "--seed" in err, err
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing saved


def test_a_model_too_large_for_memory_is_one_line(capsys, tmp_path):
    """4,000,000 wide: its first matrix alone would be 192 TB, beyond any address space."""
    code, out, err = cli(
        capsys, "train", "gpt", "--n-embd", "4000000", "--n-head", "1", "--max-iters", "1",
        "--out", str(tmp_path / "g.pt"),
    )  # fmt: skip
    assert code == 1 and one_line(err) and "too large: not enough memory" in err, err
    assert "GB at once" in err


def test_what_torch_and_python_say_when_memory_runs_out_becomes_one_line():
    said = RuntimeError(
        "[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate "
        "memory: you tried to allocate 313600000000 bytes. Error code 12"
    )
    assert too_large_line(said) == (
        "too large: not enough memory (313.6 GB at once); choose smaller sizes, width or batch"
    )
    assert too_large_line(MemoryError()).startswith("too large: not enough memory;")
    assert too_large_line(RuntimeError("mat1 and mat2 shapes cannot be multiplied")) is None


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["-n", "-5"], "'-n' / '--tokens'"),
        (["--temperature", "nan"], "--temperature must be a finite number, got nan"),
        (["--temperature", "inf"], "--temperature must be a finite number, got inf"),
        (["--device", ""], "--device is empty"),
    ],
)
def test_bad_sampling_settings_are_refused(args, said, capsys):
    code, out, err = cli(capsys, "sample", str(PRETRAINED_GPT), *args)
    assert code == 2 and one_line(err) and said in err and out == "", err


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("resume") / "g.pt"
    with pytest.raises(SystemExit) as done:
        main(["train", "gpt", "--preset", "tiny", "--n-layer", "1", "--max-iters", "2",
              "--eval-interval", "2", "--threads", "1", "--out", str(path)])  # fmt: skip
    assert done.value.code == 0
    return path


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--corpus", "shakespeare"], "--corpus shakespeare differs from the checkpoint's sample"),
        (["--preset", "cpu"], "--preset with --resume"),
    ],
)
def test_a_resumed_run_refuses_another_text_or_preset(checkpoint, args, said, capsys):
    before = checkpoint.read_bytes()
    code, out, err = cli(capsys, "train", "gpt", "--resume", str(checkpoint), *args)
    assert code == 2 and one_line(err) and said in err, err
    assert checkpoint.read_bytes() == before
    code, out, err = cli(
        capsys, "train", "gpt", "--resume", str(checkpoint), "--corpus", "sample",
        "--max-iters", "3", "--threads", "1",
    )  # fmt: skip
    assert code == 0 and "Resuming" in out, err


def test_sample_and_the_app_take_threads(capsys, monkeypatch):
    import torch

    try:
        code, out, err = cli(capsys, "sample", str(PRETRAINED_GPT), "-n", "5", "--threads", "2")
        assert code == 0 and torch.get_num_threads() == 2, err
    finally:
        torch.set_num_threads(1)  # the suite's own policy
    code, _, err = cli(capsys, "sample", str(PRETRAINED_GPT), "-n", "5", "--threads", "0")
    assert code == 2 and "--threads must be at least 1" in err

    from tui.app import LearnGPTApp

    opened = []
    monkeypatch.setattr(
        LearnGPTApp, "run", lambda app: opened.append((app.threads, app.first_pane))
    )
    assert cli(capsys, "--threads", "1", "--pane", "copying")[0] == 0
    assert opened == [(1, "copying")]
    code, _, err = cli(capsys, "--threads", "0")
    assert code == 2 and one_line(err) and "--threads" in err and opened == [(1, "copying")]


@pytest.mark.parametrize(
    "command",
    [
        *TRAINING,
        ["train", "sentences", "--steps", "1"],
        ["exercise", "check", "positional_encoding", "pe.py"],
        ["lesson", "1", "--verify"],
    ],
    ids=said,
)
def test_every_command_that_runs_torch_takes_threads(command, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pe.py").write_text("def positional_encoding(T, d):\n    return None\n")
    code, out, err = cli(capsys, *command, "--threads", "0")
    assert code == 2 and one_line(err) and "--threads must be at least 1" in err, err
    assert not list(tmp_path.rglob("*.pt"))  # refused before any training or saving


@pytest.mark.parametrize(
    "args, said",
    [
        (["train", "mlp", "--eta", "inf"], "--eta must be a positive number"),
        (["train", "mlp", "--lmbda", "inf"], "--lmbda must be zero or positive"),
        (["train", "gpt", "--lr", "inf"], "--lr must be a positive number"),
        (["train", "gpt", "--preset", ""], "--preset: is empty"),
        (["train", "gpt", "--corpus", " "], "--corpus: is empty"),
        (["train", "mlp", "--data-dir", "/nonexistent/folder"], "does not exist"),
        (["train", "gpt", "--data-dir", "/nonexistent/folder"], "does not exist"),
        (["train", "mlp", "--epochs", HUGE], "--epochs must be at most 100,000"),
        (["train", "gpt", "--max-iters", HUGE], "--max-iters must be at most 100,000,000"),
        (["train", "induction", "--steps", HUGE], "--steps"),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, list) else None,
)
def test_what_the_sweep_found_accepted_is_refused(args, said, capsys, tmp_path, monkeypatch):
    """tools/adversarial.py found these accepted: an infinite rate trained to nothing, an empty
    name chose the default, a data folder that is not there was silently skipped, and 2**70
    epochs started training that would never end."""
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, *args, "--threads", "1")
    assert code == 2 and one_line(err) and said in err, err
    assert list(tmp_path.iterdir()) == []
