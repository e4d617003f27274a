"""Try learn-gpt as a hostile user would and count what holds: bad numbers and bad paths on
every command, each expected to end in one line on stderr and a non-zero exit, never a
traceback, and never with a file written; then the app at terminal sizes from tiny to huge,
each expected to draw and quit cleanly.

    python tools/adversarial.py            # prints each failure and the tried/held counts

Commands run in this process through `tui.cli.main` (one torch import for all), on one thread,
in a scratch folder; each case stops before training starts, so the sweep takes a minute or so.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HUGE = "1180591620717411303424"  # 2**70
SHIPPED = str(ROOT / "engine" / "pretrained" / "gpt-shakespeare-char.pt")

# (command, the options that make it stop early and safely)
COMMANDS = {
    "train mlp": ["train", "mlp", "--epochs", "1", "--data", "sample"],
    "train gpt": ["train", "gpt", "--max-iters", "1"],
    "train induction": ["train", "induction", "--steps", "1"],
    "train ladder": ["train", "ladder", "--rungs", "1", "--iters", "5"],
    "train translate": ["train", "translate", "--steps", "1"],
    "train sentences": ["train", "sentences", "--steps", "1"],
    "sample": ["sample", SHIPPED, "-n", "1"],
}
# bad values of each option, for the commands that have it
BAD_NUMBERS = {
    "--seed": [HUGE, "-1", "x", ""],
    "--threads": ["0", "-2", "x"],
    "--device": ["", "bogus", "cuda:99", "cuda:x", "mps"],
}
BAD_BY_COMMAND = {
    "train mlp": {
        "--sizes": ["784,100000000,10", "785,30,10", "784,0,10", "784,,10", "a,b", "784"],
        "--epochs": ["0", "-1", HUGE],
        "--batch-size": ["0", "-3"],  # a batch larger than the data is the whole set: fine
        "--eta": ["nan", "inf", "-1", "0"],
        "--lmbda": ["nan", "inf", "-1"],
        "--cost": ["square"],
        "--data": ["nowhere", "mnist"],
        "--data-dir": ["/nonexistent/folder", "notes.txt"],
    },
    "train gpt": {
        "--n-embd": ["4000000", "0", "-4", "7"],
        "--n-head": ["0", "3"],
        "--n-layer": ["0", "-1"],
        "--block-size": ["0", "100000000"],
        "--batch-size": ["0", "1000000000"],
        "--lr": ["nan", "inf", "-0.1", "0"],
        "--dropout": ["1.5", "-0.1", "nan"],
        "--max-iters": ["0", "-1"],
        "--eval-interval": ["0", "-5"],
        "--preset": ["huge", ""],
        "--corpus": ["/nonexistent.txt", "", "/proc/self/mem"],
        "--data-dir": ["/nonexistent/folder"],
        "--score": ["triple"],
        "--mask": ["diagonal", "window:0", "window:x"],
        "--resume": ["/nonexistent.pt", ".", SHIPPED],
    },
    "train induction": {"--layers": ["0", "9"], "--steps": ["0", "-1"]},
    "train ladder": {"--rungs": ["0", "9", "3-1", "x"], "--iters": ["0", "-1"],
                     "--mine": ["/nonexistent"]},  # fmt: skip
    "train translate": {"--steps": ["0", "-1"]},
    "train sentences": {"--steps": ["0", "-1"]},
    "sample": {
        "-n": ["-5", "x"],
        "--temperature": ["nan", "inf", "-1"],
        "--top-k": ["0", "-1"],
        "--top-p": ["0", "1.5", "nan", "-0.2"],
    },
}
# destinations that cannot take the file (made in the scratch folder by `scratch`); root
# writes into a read-only folder all the same, so that case is tried only for other users
BAD_OUTS = ["folder", "", "file/under.pt", "/proc/x.pt"] + (["readonly/x.pt"] * (os.getuid() != 0))
OUT_COMMANDS = ["train mlp", "train gpt", "train translate", "train sentences", "train ladder"]
OTHER = [
    ["sample", "/nonexistent.pt"],
    ["sample", "."],
    ["sample", "empty.pt"],
    ["sample", "notes.txt"],
    ["exercise", "check", "nonesuch"],
    ["exercise", "check", "backprop", "/nonexistent.py"],
    ["exercise", "check", "backprop", "folder"],
    ["exercise", "check", "backprop", "notes.txt", "--timeout", "0"],
    ["exercise", "check", "backprop", "notes.txt", "--timeout", "nan"],
    ["exercise", "start", "backprop", "readonly"],
    ["exercise", "start", "nonesuch"],
    ["lesson", "99"],
    ["lesson", "1", "--verify", "--threads", "0"],
    ["data", "download", "nonesuch"],
    ["serve", "--port", "0"],
    ["serve", "--port", "70000"],
    ["serve", "--host", "no.such.host.invalid"],
    ["--pane", "kitchen"],
    ["--threads", "0"],
    ["train"],
    ["nonesuch"],
]
SIZES = [(1, 1), (10, 5), (20, 8), (40, 12), (60, 20), (80, 24), (120, 36), (200, 60), (400, 120)]
PANES = ("digits", "attention", "lab", "sampling", "lessons", "build", "copying")


@dataclass
class Tally:
    tried: int = 0
    held: int = 0

    def add(self, ok: bool, what: str, why: str) -> None:
        self.tried += 1
        self.held += ok
        if not ok:
            print(f"  FAILED {what}: {why}")


def cases() -> Iterator[tuple[str, list[str]]]:
    """(category, argv) of every bad command line."""
    for name, base in COMMANDS.items():
        options = {**BAD_NUMBERS, **BAD_BY_COMMAND.get(name, {})}
        if name in ("train induction", "train translate", "train sentences"):
            options.pop("--device", None)  # these run on the CPU only: no --device option
        for option, values in options.items():
            for value in values:
                yield "bad numbers and names", [*base, option, value]
    for name in OUT_COMMANDS:
        for out in BAD_OUTS:
            yield "bad destinations", [*COMMANDS[name], "--out", out]
    for argv in OTHER:
        yield "bad files and commands", argv


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A scratch working folder with the awkward things the cases name in it."""
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        (here / "folder").mkdir()
        (here / "file").write_text("a file, not a folder\n")
        (here / "readonly").mkdir()
        (here / "empty.pt").write_bytes(b"")
        (here / "notes.txt").write_text("def backprop(:\n")
        (here / "readonly").chmod(stat.S_IRUSR | stat.S_IXUSR)
        old = Path.cwd()
        os.chdir(here)
        try:
            yield here
        finally:
            os.chdir(old)
            (here / "readonly").chmod(0o755)


def run(argv: list[str]) -> tuple[int | None, str, str]:
    """Exit code (None: an exception escaped main, i.e. a traceback), stdout and stderr."""
    from tui.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
            code: int | None = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:  # noqa: BLE001 - that is what is being counted
            err.write(f"Traceback: {type(exc).__name__}: {exc}\n")
            code = None
    return code, out.getvalue(), err.getvalue()


def command_lines() -> dict[str, Tally]:
    import torch

    torch.set_num_threads(1)
    tallies: dict[str, Tally] = {}
    with scratch() as here:
        for category, argv in cases():
            before = {p for p in here.rglob("*") if p.suffix == ".pt"}
            code, _, err = run(argv)
            written = {p for p in here.rglob("*") if p.suffix == ".pt"} - before
            lines = [line for line in err.strip().splitlines() if line.strip()]
            why = ""
            if code is None or "Traceback" in err:
                why = "traceback: " + err.strip().splitlines()[-1][:160]
            elif code == 0:
                why = "accepted"
            elif len(lines) != 1:
                why = f"{len(lines)} lines on stderr: {err.strip()[:160]!r}"
            elif written:
                why = f"wrote {sorted(map(str, written))}"
            tallies.setdefault(category, Tally()).add(not why, " ".join(argv), why)
            torch.set_num_threads(1)
    return tallies


async def one_size(pane: str, size: tuple[int, int]) -> str:
    """'' if the app draws `pane` at `size`, takes a few keys and quits; else why not."""
    from tui.app import LearnGPTApp

    app = LearnGPTApp(pane=pane, threads=1)
    try:
        async with app.run_test(size=size) as pilot:
            await pilot.pause(0.5)
            for key in ("tab", "down", "?", "escape", "right"):
                await pilot.press(key)
            await pilot.pause(0.2)
            await pilot.press("q")
    except BaseException as exc:  # noqa: BLE001 - that is what is being counted
        return f"{type(exc).__name__}: {exc}"[:160]
    return "" if app.return_code in (0, None) else f"exit {app.return_code}"


def terminal_sizes() -> Tally:
    tally = Tally()
    for pane in PANES:
        for size in SIZES:
            why = asyncio.run(one_size(pane, size))
            tally.add(not why, f"{pane} at {size[0]}x{size[1]}", why)
    return tally


def main() -> None:
    tallies = command_lines()
    tallies["terminal sizes"] = terminal_sizes()
    print(f"{'case':<26} {'tried':>6} {'held':>6}")
    for category, tally in tallies.items():
        print(f"{category:<26} {tally.tried:>6} {tally.held:>6}")
    tried = sum(t.tried for t in tallies.values())
    held = sum(t.held for t in tallies.values())
    print(f"{'all':<26} {tried:>6} {held:>6}")
    sys.exit(0 if held == tried else 1)


if __name__ == "__main__":
    main()
