"""Where a command will write, checked before any work: a run that trains for an hour and then
cannot save has lost the hour.

`check_destination(path)` refuses, each in one line (DestinationError): an empty name, a
folder, a path under a file, and a place that cannot take a file. The last is found by doing
it: a probe of PROBE_BYTES is written and fsynced in the nearest folder that exists (the
missing ones are made only when the real file is written) and removed at once, so a read-only
file system, a folder without write permission, a pseudo file system such as /proc and a full
disk all fail here with their reason, not after training. A disk that fills up later is still
possible; the atomic write (engine.atomic) then keeps the previous file whole.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from engine.errors import EngineError

PROBE_BYTES = 1 << 20  # a checkpoint needs at least this much room (the smallest is ~0.1 MB)
REASONS = {
    errno.EROFS: "is on a read-only file system",
    errno.ENOSPC: "is full (less than 1 MiB free)",
    errno.EDQUOT: "is over its disk quota",
    errno.EFBIG: "cannot take a file of 1 MiB (a file size limit)",
    errno.EACCES: "is not writable (permission denied)",
    errno.EPERM: "is not writable (operation not permitted)",
}


class DestinationError(EngineError):
    """A place the command cannot write its file to; one line."""


def check_destination(path: str | Path, what: str = "--out", example: str = "model.pt") -> Path:
    """`path` (user-expanded) if a file can be written there; DestinationError otherwise."""
    if not str(path).strip():
        raise DestinationError(f"{what} is empty: name a file, such as runs/{example}")
    path = Path(path).expanduser()
    if path.is_dir():
        raise DestinationError(f"{what} {path} is a folder: name a file in it, such as "
                               f"{path / example}")  # fmt: skip
    check_folder(path.parent, f"cannot write {path}")
    return path


def check_folder(folder: Path, said: str) -> None:
    """That files can be made in `folder` (or, where it is missing, in the nearest folder above
    it that exists): DestinationError (`said`: and the reason) if not."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise DestinationError(f"{said}: {folder} is a file, not a folder")
    probe = None
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".learn-gpt-probe.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(b"\0" * PROBE_BYTES)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        reason = REASONS.get(exc.errno or 0, f"cannot take a file ({exc.strerror or exc})")
        raise DestinationError(f"{said}: {folder} {reason}") from None
    finally:
        if probe is not None:
            Path(probe).unlink(missing_ok=True)
