"""Every command that writes checks where before any work: an empty name, a folder, a path
under a file, /proc, a read-only and a full file system (conftest's real tmpfs mounts) are
each one line and a non-zero exit, and nothing trains, downloads or is written first."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.destination import DestinationError, check_destination
from tui.cli import main


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return done.value.code, out, err


def test_a_good_place_is_taken_and_nothing_is_left_there(tmp_path: Path):
    target = tmp_path / "new" / "deeper" / "m.pt"
    assert check_destination(target) == target
    assert list(tmp_path.iterdir()) == []  # no folder made, no probe left
    assert check_destination(tmp_path / "m.pt") == tmp_path / "m.pt"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("folder", "is a folder: name a file in it, such as"),
        ("under-file", "is a file, not a folder"),
        ("empty", "--out is empty"),
    ],
)
def test_bad_names_are_refused(tmp_path: Path, where: str, said: str):
    (tmp_path / "a-file").write_text("x")
    path = {"folder": str(tmp_path), "under-file": str(tmp_path / "a-file" / "m.pt")}
    with pytest.raises(DestinationError, match=said):
        check_destination(path.get(where, " "))


def test_a_read_only_or_full_file_system_is_refused(bad_folder: Path):
    reason = "read-only" if bad_folder.name == "read-only" else "full"
    with pytest.raises(DestinationError, match=reason):
        check_destination(bad_folder / "runs" / "m.pt")
    assert list(bad_folder.iterdir()) == []


BAD = {  # where to write, and what the line says
    "/proc": ("/proc/x.pt", "/proc cannot take a file"),
    "folder": ("{tmp}", "is a folder"),
    "under a file": ("{tmp}/a-file/m.pt", "a-file is a file, not a folder"),
}
COMMANDS = {  # a command that would train or write, with its destination option
    "train mlp": ["train", "mlp", "--epochs", "1", "--out"],
    "train gpt": ["train", "gpt", "--preset", "tiny", "--max-iters", "5", "--out"],
    "train translate": ["train", "translate", "--steps", "5", "--out"],
    "train sentences": ["train", "sentences", "--steps", "5", "--out"],
    "exercise start": ["exercise", "start", "head", "--folder"],
}


CASES = [(c, b) for c in COMMANDS for b in BAD if (c, b) != ("exercise start", "folder")]


@pytest.mark.parametrize(("command", "bad"), CASES)  # a folder is where exercise start writes
def test_every_writer_refuses_a_bad_place_before_any_work(command, bad, tmp_path, capsys):
    (tmp_path / "a-file").write_text("x")
    where, said = BAD[bad]
    if command == "exercise start":  # it takes a folder
        where = where.removesuffix("/x.pt").removesuffix("/m.pt")
    if bad == "/proc" and not Path("/proc/self").exists():
        pytest.skip("no /proc here")
    code, out, err = cli(capsys, *COMMANDS[command], where.format(tmp=tmp_path))
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert said in err and "Traceback" not in err
    assert "step" not in out and "Epoch" not in out  # refused before it trained


def test_the_default_runs_folder_in_a_read_only_or_full_working_folder(
    bad_folder, monkeypatch, capsys
):
    monkeypatch.chdir(bad_folder)
    for command in (["train", "mlp", "--epochs", "1"], ["train", "translate", "--steps", "5"]):
        code, out, err = cli(capsys, *command)
        assert code == 1 and "cannot write runs/" in err and "Epoch" not in out, err
    code, _, err = cli(capsys, "exercise", "start", "head")
    assert code == 1 and "cannot write head.py in ." in err


def test_a_download_into_a_cache_that_cannot_take_it_is_refused_before_fetching(
    bad_folder, monkeypatch, capsys
):
    monkeypatch.setenv("LEARN_GPT_CACHE_DIR", str(bad_folder / "cache"))
    code, out, err = cli(
        capsys, "data", "download", "tinyshakespeare", "--mirror", "http://0.0.0.0:9"
    )
    assert code == 1 and f"cannot download tinyshakespeare into {bad_folder}" in err, err
