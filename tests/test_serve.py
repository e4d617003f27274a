"""`learn-gpt serve`: the page, one app process per websocket drawing the real app, a clean
stop that leaves no app behind, and bad addresses as one-line errors."""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("textual_serve", reason="textual-serve is not installed")
aiohttp = pytest.importorskip("aiohttp")

from tui.cli import main  # noqa: E402

posix_only = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds the app processes through /proc"
)
START = (
    "Serving learn-gpt at http://{host}:{port} — each browser tab runs its own app; Ctrl-C stops"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """The live processes whose parent is `pid` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and alive(int(entry.name)):
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running, or stopped: not gone and not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]


def wait_gone(pids: list[int], seconds: float, leaving: int = 0) -> list[int]:
    """The processes of `pids` still alive once at most `leaving` are (or time is up)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and sum(alive(p) for p in pids) > leaving:
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


@contextmanager
def serving(*args: str) -> Iterator[tuple[subprocess.Popen, queue.Queue]]:
    """`learn-gpt serve ARGS` in a process of its own, with its stdout lines in a queue; on
    the way out it is killed (with any app left) if the test did not stop it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "learn_gpt", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        yield proc, lines
    finally:
        if proc.poll() is None:
            left = children(proc.pid) if Path("/proc").is_dir() else []
            proc.kill()
            for pid in left:
                os.kill(pid, signal.SIGKILL)
            proc.wait(10)
        if proc.stderr is not None:
            proc.stderr.close()


def next_line(lines: queue.Queue, seconds: float = 20) -> str | None:
    return lines.get(timeout=seconds)


async def first_frame(ws, marker: bytes, seconds: float) -> bytes:
    """The terminal output the app sends until it contains `marker`."""
    received = b""
    deadline = time.monotonic() + seconds
    while marker not in received:
        msg = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        assert msg.type == aiohttp.WSMsgType.BINARY, (msg.type, msg.data, received[-500:])
        received += msg.data
    return received


@posix_only
def test_each_tab_runs_the_app_and_nothing_outlives_the_server():
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serving("--host", "127.0.0.1", "--port", str(port), "--threads", "1") as (proc, lines):
        assert next_line(lines) == START.format(host="127.0.0.1", port=port)
        tabs: list[int] = []

        async def browse() -> None:
            async with aiohttp.ClientSession() as session:
                async with session.get(base + "/") as page:
                    assert page.status == 200
                    html = await page.text()
                assert "textual.js" in html and "<div>learn-gpt</div>" in html
                found = re.search(r'data-session-websocket-url="([^"]+)"', html)
                assert found and found.group(1) == f"ws://127.0.0.1:{port}/ws"
                ws_url = found.group(1) + "?width=110&height=32"

                # another site's page, or a name that is not this machine: no app for them
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await session.ws_connect(ws_url, headers={"Origin": "http://evil.example"})
                assert refused.value.status == 403
                async with session.get(base + "/", headers={"Host": f"evil.example:{port}"}) as r:
                    assert r.status == 403
                assert children(proc.pid) == []

                first = await session.ws_connect(ws_url)
                second = await session.ws_connect(ws_url)
                for ws in (first, second):
                    await ws.send_json(["resize", {"width": 110, "height": 32}])
                for ws in (first, second):
                    frame = await first_frame(ws, b"Digits", 25)
                    assert b"\x1b[" in frame and b"Attention" in frame  # the app's tabs, drawn
                apps = children(proc.pid)
                assert len(apps) == 2, apps  # one app process per tab
                for pid in apps:
                    assert cmdline(pid)[1:] == [
                        "-m", "learn_gpt", "--pane", "digits", "--threads", "1"
                    ]  # fmt: skip
                tabs.extend(apps)

                await first.close()  # closing a tab ends its app
                assert len(wait_gone(tabs, 15, leaving=1)) == 1
                # Ctrl-C with a tab still open: the server stops that app too, then exits
                proc.send_signal(signal.SIGINT)
                stopping = time.monotonic() + 8  # the tab is told at once, before its app quits
                msg = await second.receive(timeout=8)
                while msg.type == aiohttp.WSMsgType.BINARY:
                    msg = await second.receive(timeout=max(0.1, stopping - time.monotonic()))
                assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)

        asyncio.run(browse())
        assert proc.wait(30) == 0
        assert wait_gone(tabs, 5) == []
        assert next_line(lines) == "learn-gpt serve: stopped"
        assert proc.stderr.read() == ""  # no traceback, no warning from asyncio or aiohttp


def test_another_address_than_loopback_is_warned_about():
    port = free_port()
    with serving("--host", "0.0.0.0", "--port", str(port)) as (proc, lines):
        assert next_line(lines) == START.format(host="0.0.0.0", port=port)
        warning = next_line(lines)
        assert warning.startswith(
            "warning: 0.0.0.0 is not a loopback address: anyone who can reach it can run the app"
        )
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0


def cli(capsys, *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    assert out == ""
    return exit_info.value.code, err


def test_a_port_in_use_is_one_line_and_exit_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = cli(capsys, "serve", "--port", str(port))
    assert code == 2
    assert err == (
        f"learn-gpt: error: port {port} on 127.0.0.1 is in use: choose another with --port\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--port", "0"), "--port"),
        (("--port", "65536"), "--port"),
        (("--host", "nosuch.invalid"), "unknown host 'nosuch.invalid' for --host"),
        (("--pane", "nowhere"), "unknown pane 'nowhere'"),
        (("--threads", "0"), "--threads"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(args, message, capsys):
    code, err = cli(capsys, "serve", *args)
    assert code == 2
    assert err.startswith("learn-gpt: error: ") and message in err
    assert err.count("\n") == 1, err


def test_help_stays_quick_without_textual_serve():
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        "try:\n    main(['serve', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('textual_serve', 'aiohttp', 'textual', 'torch')"
        " if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "--port" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_an_app_that_does_not_quit_is_killed(monkeypatch):
    from tui.cli import serve

    monkeypatch.setattr(serve, "STOP_SECONDS", 0.3)

    class Stuck:  # textual-serve's AppService, for an app that ignores "quit"
        _process = None

        async def stop(self) -> None:
            await asyncio.sleep(60)

    async def stop_it() -> int | None:
        stuck = Stuck()
        stuck._process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "import time; time.sleep(60)"
        )
        started = time.monotonic()
        await serve.stop_app(stuck)
        assert time.monotonic() - started < 10
        return stuck._process.returncode

    assert asyncio.run(stop_it()) == -signal.SIGKILL
