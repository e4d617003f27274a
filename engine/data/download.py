"""Download data set files into a cache directory, safely.

Every file is checked against a known sha256 and written atomically: it is streamed into a
hidden temp file next to its destination and only renamed into place once it is complete and
verified, so an interrupted or corrupt download never leaves a half-written file behind (and
the partial file a kill left is swept by the next download of the same file).

`fetch` is the download as a generator of (bytes so far, total), so a worker can stop it between
two chunks (closing it discards the partial file); `download_file` drives it with a progress
callback (the CLI), `download_events` yields engine events for the app.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from engine.atomic import sweep_leftovers
from engine.destination import check_folder
from engine.errors import EngineError
from engine.events import DownloadProgress

_DOWNLOAD_CHUNK = 64 * 1024
_HASH_CHUNK = 1024 * 1024
# What reading a damaged gzip file can raise (BadGzipFile is an OSError).
_GZIP_ERRORS = (OSError, EOFError, zlib.error)


@dataclass(frozen=True)
class RemoteFile:
    """One file of a data set: where it lives, and the sha256 of its content."""

    name: str  # file name in the destination dir, e.g. "train-images-idx3-ubyte.gz"
    url: str  # full URL
    sha256: str  # sha256 hex of the content; if gzipped, of the *decompressed* bytes
    size: int | None = None  # expected download size, for progress when no Content-Length
    gzipped: bool = False  # kept as downloaded (.gz) but checked on its decompressed bytes


class DownloadError(EngineError):
    """A download failed; str(e) is one line a learner can act on."""


class NoNetworkError(DownloadError):
    """The host could not be reached at all (no network, DNS failure, refused connection)."""


ProgressCallback = Callable[[str, int, int | None], None]  # (name, bytes so far, total|None)


def sha256_of(path: Path, gzipped: bool = False) -> str:
    """Hash a file in 1 MiB chunks (of its decompressed bytes if gzipped), never all in memory."""
    digest = hashlib.sha256()
    with gzip.open(path, "rb") if gzipped else open(path, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def is_present(file: RemoteFile, dest_dir: Path) -> bool:
    """True if the file is already in dest_dir with the right content (so no download needed)."""
    path = Path(dest_dir) / file.name
    if not path.is_file():
        return False
    try:
        return sha256_of(path, file.gzipped) == file.sha256.lower()
    except _GZIP_ERRORS:
        return False


def _open(file: RemoteFile, timeout: float) -> http.client.HTTPResponse:
    """Open the URL, turning urllib's many failure types into one-line DownloadErrors."""
    host = urllib.parse.urlsplit(file.url).hostname or file.url
    try:
        return urllib.request.urlopen(file.url, timeout=timeout)
    except urllib.error.HTTPError as e:
        e.close()
        raise DownloadError(f"{file.name}: server answered HTTP {e.code} for {file.url}") from e
    except urllib.error.URLError as e:
        if isinstance(e.reason, OSError):  # refused, DNS failure (gaierror), timeout, unreachable
            raise NoNetworkError(
                f"cannot reach {host}: no network? Put the files in a data directory instead "
                "(--data-dir or LEARN_GPT_DATA_DIR)"
            ) from e
        raise DownloadError(f"{file.name}: cannot download {file.url} ({e.reason})") from e
    except (OSError, http.client.HTTPException) as e:  # reached the host, then it failed
        raise DownloadError(f"{file.name}: connection to {host} failed ({e}); try again") from e
    except ValueError as e:  # malformed URL
        raise DownloadError(f"{file.name}: invalid URL {file.url!r}") from e


def _stream(
    file: RemoteFile, out: BinaryIO, timeout: float
) -> Generator[tuple[int, int | None], None, str]:
    """Copy the response body into `out`, yielding (bytes so far, total) from 0 on; return the
    sha256 of the raw bytes."""
    digest = hashlib.sha256()
    got = 0
    with _open(file, timeout) as resp:
        length = resp.headers.get("Content-Length", "")
        expected = int(length) if length.isdigit() else None
        total = expected if expected is not None else file.size
        yield 0, total
        while True:
            try:
                chunk = resp.read(_DOWNLOAD_CHUNK)
            except http.client.IncompleteRead as e:  # the server closed early
                chunk = e.partial
            except OSError as e:  # reset, timeout mid-body
                raise DownloadError(
                    f"{file.name}: connection broke after {got} bytes ({e}); try again"
                ) from e
            if not chunk:
                break
            out.write(chunk)
            digest.update(chunk)
            got += len(chunk)
            yield got, total
    if expected is not None and got < expected:
        raise DownloadError(f"{file.name}: download truncated: got {got} of {expected} bytes")
    return digest.hexdigest()


def fetch(
    file: RemoteFile, dest_dir: Path, timeout: float = 30.0
) -> Generator[tuple[int, int | None], None, Path]:
    """Download one file into dest_dir, verified and atomically, yielding (bytes so far, total)
    as they arrive and returning its path; on any failure, or when closed before its end (a
    stopped worker), leave no trace.

    A kill (which no `except` sees) can leave the hidden `.NAME.part-XXXXXXXX` behind: the
    next download of NAME removes those untouched for over a minute (engine.atomic's rule; a
    live download writes to its file every chunk), and no other file."""
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(dest_dir, f".{file.name}.part-")  # what a killed download of it left
    fd, tmp_name = tempfile.mkstemp(prefix=f".{file.name}.part-", dir=dest_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            got = yield from _stream(file, out, timeout)
            out.flush()
            os.fsync(out.fileno())
        if file.gzipped:
            try:
                got = sha256_of(tmp, gzipped=True)
            except _GZIP_ERRORS as e:
                raise DownloadError(
                    f"{file.name}: the download is not a valid gzip file ({e}); it was discarded"
                ) from e
        expected = file.sha256.lower()
        if got != expected:
            raise DownloadError(
                f"{file.name}: checksum mismatch (expected sha256 {expected[:12]}…, "
                f"got {got[:12]}…); the download was discarded"
            )
        dest = dest_dir / file.name
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a data set is an ordinary file
        os.replace(tmp, dest)
        return dest
    except BaseException:  # includes KeyboardInterrupt and GeneratorExit: no partial file
        tmp.unlink(missing_ok=True)
        raise


def download_file(
    file: RemoteFile,
    dest_dir: Path,
    progress: ProgressCallback | None = None,
    timeout: float = 30.0,
) -> Path:
    """`fetch` to its end, calling `progress(name, bytes so far, total)` for every chunk; an
    exception from `progress` (a Ctrl-C) closes the download, which discards the partial file."""
    with closing(fetch(file, dest_dir, timeout)) as steps:
        while True:
            try:
                done, total = next(steps)
            except StopIteration as end:
                return end.value
            if progress:
                progress(file.name, done, total)


def download_all(
    files: Sequence[RemoteFile],
    dest_dir: Path,
    progress: ProgressCallback | None = None,
    force: bool = False,
    timeout: float = 30.0,
) -> list[Path]:
    """Make sure every file is in dest_dir, downloading only what is missing (or all if force)."""
    dest_dir = Path(dest_dir)
    paths = []
    for file in files:
        if not force and is_present(file, dest_dir):
            paths.append(dest_dir / file.name)
        else:
            paths.append(download_file(file, dest_dir, progress, timeout))
    return paths


def download_events(
    files: Sequence[RemoteFile], dest_dir: Path, timeout: float = 30.0
) -> Iterator[DownloadProgress]:
    """`download_all` for a worker: the bytes of each missing file as `DownloadProgress`
    events. The folder is checked first, so a read-only or full disk is one line before any
    download; stopping between two events (closing the generator) discards the file being
    written and keeps the files already verified."""
    dest_dir = Path(dest_dir)
    check_folder(dest_dir, f"cannot download into {dest_dir}")
    for index, file in enumerate(files):
        if is_present(file, dest_dir):
            continue
        with closing(fetch(file, dest_dir, timeout)) as steps:
            for done, total in steps:
                yield DownloadProgress(file.name, index, len(files), done, total)
