"""A checked learner's child process, read and stopped within bounds.

The learner's code may print without end, start processes of its own (even in a new session,
out of the child's process group) or raise an exception whose message is megabytes long. None
of that may cost the checker more than a bounded amount of memory or time:

- both pipes are read by threads as the child writes, keeping at most KEEP_BYTES of the
  learner's printing (its last part; the count of what was left out is said) and at most
  KEEP_BYTES of result lines;
- while the child runs, every process below it is noted from /proc (Linux) every WATCH
  seconds, wherever its session is; when the child ends or its time is up, its process group
  and every process noted are killed;
- a line in a report (an exception's message, say) is cut to LINE_CHARS characters;
- the wait ends when the child has ended and its pipes have closed, or GRACE seconds after the
  child ended if something that escaped still holds them open (its reading thread is left).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

KEEP_BYTES = 256 * 1024  # of each pipe
LINE_CHARS = 300  # of each line a report shows
GRACE = 1.0  # seconds the pipes may stay open after the child has ended
WATCH = 0.1  # seconds between two looks at the processes below the child


class _Tail:
    """The last `limit` bytes written to a pipe, and how many came before them."""

    def __init__(self, limit: int) -> None:
        self.limit, self.kept, self.size, self.dropped = limit, deque(), 0, 0

    def read(self, pipe) -> None:  # noqa: ANN001 - a binary file
        try:
            while chunk := pipe.read1(65536):
                self.kept.append(chunk)
                self.size += len(chunk)
                while self.size - len(self.kept[0]) >= self.limit:
                    self.size -= len(first := self.kept.popleft())
                    self.dropped += len(first)
        except (OSError, ValueError):  # closed under us: what was read stays
            pass

    def text(self) -> str:
        return b"".join(self.kept).decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Ended:
    out: str  # the result lines (the last KEEP_BYTES of them)
    err: str  # what the learner's code printed (its last KEEP_BYTES)
    dropped: int  # bytes of printing left out before `err`
    code: int | None
    timed_out: bool


def cut(line: str, chars: int = LINE_CHARS) -> str:
    """A line of at most `chars` characters, saying how many were left out."""
    if len(line) <= chars:
        return line
    return f"{line[:chars]}… ({len(line) - chars:,} more characters)"


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, theirs, ...), from /proc; [] where there is none."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def stop(proc: subprocess.Popen, noted: set[int]) -> None:
    """Kill the child, its process group, the processes `noted` below it and any still there."""
    below = noted | set(descendants(proc.pid) if proc.poll() is None else [])
    for kill, target in [(os.killpg, proc.pid)] + [(os.kill, p) for p in sorted(below)]:
        try:
            kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        proc.kill()
    except ProcessLookupError:
        pass


def run_bounded(proc: subprocess.Popen, timeout: float) -> Ended:
    """Wait for `proc` (started with binary stdout/stderr pipes and its own session) at most
    `timeout` seconds, reading both pipes within bounds; stop it and all below it then."""
    tails = {"out": _Tail(KEEP_BYTES), "err": _Tail(KEEP_BYTES)}
    readers = [
        threading.Thread(target=tails[name].read, args=(pipe,), daemon=True)
        for name, pipe in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    noted: set[int] = set()
    deadline, timed_out = time.monotonic() + timeout, False
    try:
        while proc.poll() is None:
            if time.monotonic() >= deadline:
                timed_out = True
                break
            noted.update(descendants(proc.pid))
            time.sleep(WATCH)
    finally:
        stop(proc, noted)
    proc.wait()
    until = time.monotonic() + GRACE
    for reader in readers:
        reader.join(max(0.0, until - time.monotonic()))
    return Ended(
        tails["out"].text(), tails["err"].text(), tails["err"].dropped, proc.returncode, timed_out
    )
