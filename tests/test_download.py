"""Downloads against a real HTTP server on 127.0.0.1: good, gzipped, truncated, corrupt, down,
stopped midway. The Digits pane's download tests serve MNIST with the same server (`serving`)."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from engine.data.download import (
    DownloadError,
    NoNetworkError,
    RemoteFile,
    download_all,
    download_events,
    download_file,
    is_present,
    sha256_of,
)
from engine.destination import DestinationError
from engine.events import DownloadProgress


@dataclass
class Route:
    body: bytes
    status: int = 200
    content_length: int | None = None  # None: the real length; -1: send no Content-Length
    hold_after: int | None = None  # send this many bytes, then the rest once `released` is set


@dataclass
class Server:
    url: str
    routes: dict[str, Route] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    released: threading.Event = field(default_factory=threading.Event)

    def serve(self, path: str, body: bytes, **kw: int | None) -> str:
        self.routes[path] = Route(body, **kw)
        return self.url + path


@contextmanager
def serving() -> Iterator[Server]:
    """An HTTP server on 127.0.0.1, in a thread, while the block runs."""
    state = Server(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits[self.path] = state.hits.get(self.path, 0) + 1
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            self.send_response(route.status)
            length = len(route.body) if route.content_length is None else route.content_length
            if length >= 0:
                self.send_header("Content-Length", str(length))
            self.end_headers()  # HTTP/1.0: the connection closes after the body
            held = len(route.body) if route.hold_after is None else route.hold_after
            self.wfile.write(route.body[:held])
            if held < len(route.body):
                self.wfile.flush()
                state.released.wait(timeout=30)
                try:
                    self.wfile.write(route.body[held:])
                except ConnectionError:  # the client stopped reading: a stopped download
                    pass

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.released.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[Server]:
    with serving() as state:
        yield state


def unreachable_url(path: str = "/") -> str:
    """A URL on 127.0.0.1 whose port nobody listens on (it was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_clean(dest: Path, *expected: str) -> None:
    """The dest dir holds exactly the expected files: no temp or partial leftovers."""
    names = sorted(p.name for p in dest.iterdir()) if dest.exists() else []
    assert names == sorted(expected)


@pytest.fixture
def payload() -> bytes:
    return os.urandom(200_000)  # several 64 KiB chunks


def test_good_file_downloads_with_progress(server: Server, payload: bytes, tmp_path: Path) -> None:
    dest = tmp_path / "cache" / "mnist"  # parents are created
    f = RemoteFile("data.bin", server.serve("/data.bin", payload), sha(payload))
    calls: list[tuple[str, int, int | None]] = []
    path = download_file(f, dest, progress=lambda *a: calls.append(a))
    assert path == dest / "data.bin"
    assert path.read_bytes() == payload
    assert path.stat().st_mode & 0o777 == 0o644  # an ordinary file, not mkstemp's private one
    assert is_present(f, dest)
    assert {c[0] for c in calls} == {"data.bin"}
    assert {c[2] for c in calls} == {len(payload)}
    counts = [c[1] for c in calls]
    assert len(counts) >= 4
    assert counts == sorted(set(counts))  # strictly increasing
    assert counts[-1] == len(payload)
    assert_clean(dest, "data.bin")


def test_progress_total_falls_back_to_size(server: Server, payload: bytes, tmp_path: Path) -> None:
    url = server.serve("/nolen", payload, content_length=-1)
    f = RemoteFile("nolen", url, sha(payload), size=len(payload))
    calls: list[tuple[str, int, int | None]] = []
    download_file(f, tmp_path, progress=lambda *a: calls.append(a))
    assert {c[2] for c in calls} == {len(payload)}
    assert calls[-1][1] == len(payload)
    assert_clean(tmp_path, "nolen")


def test_gzipped_file_checked_on_decompressed_bytes(
    server: Server, payload: bytes, tmp_path: Path
) -> None:
    packed = gzip.compress(payload)
    f = RemoteFile("d.gz", server.serve("/d.gz", packed), sha(payload), gzipped=True)
    path = download_file(f, tmp_path)
    assert path.read_bytes() == packed  # kept compressed on disk
    assert sha256_of(path, gzipped=True) == sha(payload)
    assert sha256_of(path) == sha(packed)
    assert is_present(f, tmp_path)
    # The sha of the compressed bytes is not what a gzipped RemoteFile is checked against.
    wrong = RemoteFile("d.gz", f.url, sha(packed), gzipped=True)
    assert not is_present(wrong, tmp_path)
    assert_clean(tmp_path, "d.gz")


def test_truncated_response_leaves_nothing(server: Server, payload: bytes, tmp_path: Path) -> None:
    url = server.serve("/short", payload, content_length=len(payload) + 5000)
    f = RemoteFile("short", url, sha(payload))
    with pytest.raises(DownloadError, match="truncated") as err:
        download_file(f, tmp_path)
    assert f"got {len(payload)} of {len(payload) + 5000} bytes" in str(err.value)
    assert_clean(tmp_path)


def test_wrong_checksum_discards_and_keeps_existing(
    server: Server, payload: bytes, tmp_path: Path
) -> None:
    f = RemoteFile("data.bin", server.serve("/data.bin", b"not the payload"), sha(payload))
    with pytest.raises(DownloadError, match="checksum mismatch") as err:
        download_file(f, tmp_path)
    assert sha(payload)[:12] in str(err.value)
    assert "\n" not in str(err.value)
    assert_clean(tmp_path)

    # A good copy is in place; the server now serves something else; a forced re-download fails
    # and must leave the good copy exactly as it was.
    (tmp_path / "data.bin").write_bytes(payload)
    with pytest.raises(DownloadError, match="checksum"):
        download_all([f], tmp_path, force=True)
    assert server.hits["/data.bin"] == 2
    assert (tmp_path / "data.bin").read_bytes() == payload
    assert is_present(f, tmp_path)
    assert_clean(tmp_path, "data.bin")


def test_server_down_is_no_network(tmp_path: Path) -> None:
    f = RemoteFile("x.bin", unreachable_url("/x.bin"), sha(b""))
    with pytest.raises(NoNetworkError) as err:
        download_file(f, tmp_path, timeout=5)
    msg = str(err.value)
    assert isinstance(err.value, DownloadError)
    assert "\n" not in msg
    assert "127.0.0.1" in msg and "LEARN_GPT_DATA_DIR" in msg
    assert_clean(tmp_path)


def test_http_404(server: Server, tmp_path: Path) -> None:
    f = RemoteFile("gone.bin", server.url + "/gone.bin", sha(b""))
    with pytest.raises(DownloadError, match="404") as err:
        download_file(f, tmp_path)
    assert not isinstance(err.value, NoNetworkError)
    assert "\n" not in str(err.value)
    assert_clean(tmp_path)


def test_download_all_skips_present_and_force_refetches(
    server: Server, payload: bytes, tmp_path: Path
) -> None:
    other = b"second file"
    files = [
        RemoteFile("a.bin", server.serve("/a.bin", payload), sha(payload)),
        RemoteFile("b.gz", server.serve("/b.gz", gzip.compress(other)), sha(other), gzipped=True),
    ]
    paths = download_all(files, tmp_path)
    assert paths == [tmp_path / "a.bin", tmp_path / "b.gz"]
    assert server.hits == {"/a.bin": 1, "/b.gz": 1}

    assert download_all(files, tmp_path) == paths
    assert server.hits == {"/a.bin": 1, "/b.gz": 1}  # nothing fetched

    (tmp_path / "a.bin").write_bytes(b"damaged")  # a bad copy is not "present"
    download_all(files, tmp_path)
    assert server.hits == {"/a.bin": 2, "/b.gz": 1}
    assert (tmp_path / "a.bin").read_bytes() == payload

    download_all(files, tmp_path, force=True)
    assert server.hits == {"/a.bin": 3, "/b.gz": 2}
    assert_clean(tmp_path, "a.bin", "b.gz")


@pytest.mark.parametrize(
    "body",
    [b"this is not gzip at all", gzip.compress(b"x" * 10_000)[:-12]],
    ids=["not-gzip", "cut-short"],
)
def test_corrupt_gzip(server: Server, body: bytes, tmp_path: Path) -> None:
    f = RemoteFile("bad.gz", server.serve("/bad.gz", body), sha(b"x" * 10_000), gzipped=True)
    with pytest.raises(DownloadError) as err:
        download_file(f, tmp_path)
    assert "gzip" in str(err.value)
    assert "\n" not in str(err.value)
    assert_clean(tmp_path)


def test_interrupt_leaves_nothing(server: Server, payload: bytes, tmp_path: Path) -> None:
    (tmp_path / "data.bin").write_bytes(b"old")
    f = RemoteFile("data.bin", server.serve("/data.bin", payload), sha(payload))

    def interrupt(name: str, done: int, total: int | None) -> None:
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download_file(f, tmp_path, progress=interrupt)
    assert (tmp_path / "data.bin").read_bytes() == b"old"
    assert_clean(tmp_path, "data.bin")


def test_the_next_download_removes_what_a_killed_one_left(
    server: Server, payload: bytes, tmp_path: Path
) -> None:
    old = os.path.getmtime(tmp_path) - 3600
    killed = tmp_path / ".data.bin.part-k1ll3d00"  # a download killed an hour ago
    killed.write_bytes(payload[:70_000])
    os.utime(killed, (old, old))
    fresh = tmp_path / ".data.bin.part-l1v3n0w0"  # one being written now
    fresh.write_bytes(b"")
    other = tmp_path / ".other.bin.part-k1ll3d00"  # another file's: not this download's
    other.write_bytes(b"x")
    os.utime(other, (old, old))
    f = RemoteFile("data.bin", server.serve("/data.bin", payload), sha(payload))
    download_file(f, tmp_path)
    assert (tmp_path / "data.bin").read_bytes() == payload
    assert_clean(tmp_path, "data.bin", fresh.name, other.name)


def test_download_events_say_each_files_bytes_and_skip_what_is_present(
    server: Server, payload: bytes, tmp_path: Path
) -> None:
    other = b"second file"
    files = [
        RemoteFile("a.bin", server.serve("/a.bin", payload), sha(payload)),
        RemoteFile("b.bin", server.serve("/b.bin", other), sha(other)),
    ]
    (tmp_path / "b.bin").write_bytes(other)  # already here, verified: not fetched again
    events = list(download_events(files, tmp_path))
    assert {e.name for e in events} == {"a.bin"} and server.hits == {"/a.bin": 1}
    assert all(e.index == 0 and e.files == 2 and e.total == len(payload) for e in events)
    assert [e.done for e in events] == sorted({e.done for e in events})
    assert events[0].done == 0 and events[-1].done == len(payload)
    assert_clean(tmp_path, "a.bin", "b.bin")


def test_download_events_stopped_midway_keep_only_whole_files(
    server: Server, payload: bytes, tmp_path: Path
) -> None:
    """A worker stopped between two events closes the generator: the file being written goes,
    the files already verified stay."""
    files = [
        RemoteFile("a.bin", server.serve("/a.bin", b"first"), sha(b"first")),
        RemoteFile("b.bin", server.serve("/b.bin", payload), sha(payload)),
    ]
    with closing(download_events(files, tmp_path)) as events:
        for event in events:
            assert isinstance(event, DownloadProgress)
            if event.name == "b.bin" and event.done > 0:
                assert any(p.name.startswith(".b.bin.part-") for p in tmp_path.iterdir())
                break
    assert_clean(tmp_path, "a.bin")


def test_download_events_refuse_a_folder_they_cannot_write_before_fetching(
    server: Server, bad_folder: Path
) -> None:
    f = RemoteFile("a.bin", server.serve("/a.bin", b"data"), sha(b"data"))
    said = re.escape(f"cannot download into {bad_folder / 'mnist'}: {bad_folder} ")
    with pytest.raises(DestinationError, match=said):
        next(download_events([f], bad_folder / "mnist"))
    assert server.hits == {}


def cli(*args: str) -> tuple[int, str]:
    import contextlib
    import io

    from tui.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exit_info:
        main(list(args))
    return exit_info.value.code, err.getvalue()


def test_cli_downloads_mnist_into_the_cache_and_training_finds_it(
    server, shared_data, private_dirs
):
    for path in (shared_data / "mnist").iterdir():
        server.serve(f"/mnist/{path.name}", path.read_bytes())
    code, err = cli("data", "download", "mnist", "--mirror", server.url + "/mnist")
    assert code == 0, err
    assert sorted(p.name for p in (private_dirs / "mnist").iterdir()) == sorted(
        p.name for p in (shared_data / "mnist").iterdir()
    )
    from engine.data.digits import load_digits

    digits = load_digits("mnist")
    assert len(digits.test) == 10_000 and "cache" in digits.source


def test_cli_download_with_wrong_files_or_no_network_is_one_line(server, private_dirs):
    from engine.data.sources import BUNDLED_DIR

    for path in (BUNDLED_DIR / "mnist-sample").iterdir():  # real IDX files, wrong checksums
        server.serve(f"/{path.name}", path.read_bytes())
    code, err = cli("data", "download", "mnist", "--mirror", server.url)
    assert code == 1 and "checksum mismatch" in err and len(err.strip().splitlines()) == 1
    assert not any((private_dirs / "mnist").iterdir())

    code, err = cli("data", "download", "mnist", "--mirror", unreachable_url())
    assert code == 1 and "cannot reach" in err and len(err.strip().splitlines()) == 1
