"""Atomic file writes, and the sweeping of what an interrupted one left behind.

`write_atomically` writes to a hidden temp file in the destination's folder
(`.NAME.XXXXXXXX.tmp`), flushes and fsyncs it, then renames it over the destination with
`os.replace`: a crash, a Ctrl-C or a full disk mid-write leaves the previous file (or no file)
whole, never a half-written one. Ctrl-C, SIGTERM and SIGHUP wait while the file is written
(`signals_held`) and reach their handlers once it is in place: a second Ctrl-C pressed during a
checkpoint's save interrupts just after it, instead of inside torch's writer, which turned the
interrupt into a RuntimeError and a traceback. A failure removes the temp file; only a kill
(SIGKILL, a power cut) can leave one, and `sweep_leftovers` removes those the next time the same
destination is written.

Which leftovers are swept: files in the destination's folder named like that destination's
temp files (`.NAME.` + a random part without a dot + the suffix; a temp file of another
destination, even `NAME.other`, never matches) whose modification time is more than
`STALE_AFTER` (60 s) old. A live writer touches its temp file with every chunk it writes and a
write takes seconds, so a file left untouched for a minute has no writer. (Two saves of the
same file at the same moment, where one could sweep the other's temp file, are not a case the
app has.) Nothing else is ever removed, and a leftover that cannot be removed is left alone:
sweeping never makes a write fail.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

STALE_AFTER = 60.0  # seconds a temp file must lie untouched before it counts as a leftover


def sweep_leftovers(
    folder: str | Path, prefix: str, suffix: str = "", older_than: float = STALE_AFTER
) -> list[Path]:
    """Remove the regular files in `folder` named `prefix` + a random part with no "." +
    `suffix`, last modified more than `older_than` seconds ago; return the ones removed."""
    cutoff = time.time() - older_than
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:  # no folder yet (or unreadable): nothing to sweep
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        middle = name[len(prefix) : len(name) - len(suffix)]
        if not middle or "." in middle:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                continue
            os.unlink(entry.path)
        except OSError:  # gone already, or not ours to remove: leave it
            continue
        removed.append(Path(entry.path))
    return removed


HELD_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextmanager
def signals_held() -> Iterator[None]:
    """Within the block, Ctrl-C, SIGTERM and SIGHUP are noted, not acted on; as it ends, each
    that came is raised again for the handler that was there before (an ignored signal stays
    ignored). Outside the main thread, where Python cannot set handlers, it holds nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    previous = {}
    for signum in HELD_SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, lambda number, frame: came.append(number))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        for signum in dict.fromkeys(came):
            signal.raise_signal(signum)


def temp_prefix(path: Path) -> str:
    """The start of the names of `path`'s temp files (their end is ".tmp")."""
    return f".{path.name}."


def write_atomically(
    path: str | Path, write: Callable[[BinaryIO], None], *, overwrite: bool = True
) -> Path:
    """Call `write` on a temp file beside `path`, then make it `path` in one step.

    Leftover temp files of `path` from a killed write are swept first (see the module's
    docstring). With `overwrite=False` an existing `path` is never replaced: FileExistsError
    (where the file system cannot hard-link, an existing file is checked for just before the
    rename instead). On any failure the temp file is removed and the error raised as it came.
    Stop signals wait until the file is in place (`signals_held`).
    The file gets the ordinary mode 0o644 (mkstemp makes it private)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(path.parent, temp_prefix(path), ".tmp")
    with signals_held():
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path), suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            if overwrite:
                os.replace(tmp, path)
            else:
                _link_new(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return path


def _link_new(tmp: str, path: Path) -> None:
    """Put `tmp` at `path` only if nothing is there (FileExistsError otherwise)."""
    try:
        os.link(tmp, path)  # atomic, and fails if `path` exists
    except FileExistsError:
        raise
    except OSError:  # no hard links here (FAT, some network drives)
        if os.path.lexists(path):
            raise FileExistsError(path) from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def write_text_atomically(path: str | Path, text: str, *, overwrite: bool = True) -> Path:
    """`write_atomically` for UTF-8 text."""
    data = text.encode("utf-8")

    def write(fh: BinaryIO) -> None:
        fh.write(data)

    return write_atomically(path, write, overwrite=overwrite)
