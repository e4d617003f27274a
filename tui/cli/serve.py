"""`learn-gpt serve`: the app in a browser, through textual-serve.

Each websocket (each browser tab) gets its own `learn-gpt` process, which textual-serve drives
with Textual's web driver. textual-serve (and aiohttp under it) is imported inside the command,
so `learn-gpt --help` stays quick.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import os
import shlex
import signal
import socket
import sys
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer

from tui.cli.options import DataDir, Device, Threads

if TYPE_CHECKING:
    from aiohttp import web

STOP_SECONDS = 10.0  # how long an app gets to quit when its tab closes or the server stops
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def app_command(pane: str, data_dir: str | None, threads: int | None, device: str = "auto") -> str:
    """The shell command that runs one app: this Python, so it works in a venv off the PATH;
    `exec` so the process textual-serve holds (and stops) is the app itself, not a shell."""
    argv = [sys.executable, "-m", "learn_gpt", "--pane", pane]
    if data_dir is not None:
        argv += ["--data-dir", data_dir]
    if threads is not None:
        argv += ["--threads", str(threads)]
    if device != "auto":
        argv += ["--device", device]
    return ("exec " if os.name == "posix" else "") + shlex.join(argv)


def is_loopback(name: str) -> bool:
    """Whether a host name or address (as in a Host header, without the port) is this machine."""
    name = name.strip("[]").lower()
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return name in LOOPBACK_NAMES


def resolve(host: str, port: int) -> bool:
    """Check that `host` names addresses here; True when every one of them is loopback."""
    from engine.errors import ConfigError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
        raise ConfigError(f"unknown host {host!r} for --host: {reason}") from None
    return all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def url_for(host: str, port: int) -> str:
    name = f"[{host}]" if ":" in host else host
    return f"http://{name}:{port}"


def make_server(command: str, host: str, port: int, loopback: bool) -> Any:
    """A textual-serve Server that builds its page's links from the address the browser used,
    refuses other sites' pages (and, when it listens on loopback only, other host names: DNS
    rebinding) and, when it stops, stops every app it started."""
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server, to_int

    class LearnGPTServer(Server):
        def __init__(self) -> None:
            super().__init__(command, host=host, port=port, title="learn-gpt")
            self.sockets: set[web.WebSocketResponse] = set()

        def check(self, request: web.Request) -> None:
            """403 for a Host this server is not, or a page from another origin."""
            try:
                name = urlsplit(f"//{request.host}").hostname or ""
            except ValueError:  # a malformed Host header
                name = ""
            if loopback and not is_loopback(name):
                raise web.HTTPForbidden(text="learn-gpt serve answers on loopback names only")
            origin = request.headers.get("Origin")
            if origin is not None and urlsplit(origin).netloc != request.host:
                raise web.HTTPForbidden(text="cross-origin request refused")

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            self.check(request)
            # textual-serve writes absolute links from public_url; use the address this
            # browser came in on (rendering below has no await, so no other request interleaves)
            self.public_url = f"{request.scheme}://{request.host}"
            return await super().handle_index(request)

        async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
            self.check(request)
            websocket = web.WebSocketResponse(heartbeat=15)
            await websocket.prepare(request)
            service = AppService(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            self.sockets.add(websocket)
            try:
                await service.start(
                    to_int(request.query.get("width", "80"), 80),
                    to_int(request.query.get("height", "24"), 24),
                )
                await self._process_messages(websocket, service)
            finally:
                self.sockets.discard(websocket)
                await stop_app(service)
                await websocket.close()
            return websocket

        async def on_startup(self, app: web.Application) -> None:
            """No banner: the command prints its own line once the port is bound."""

        async def on_shutdown(self, app: web.Application) -> None:
            """Close every tab's websocket, which ends its handler and stops its app."""
            await asyncio.gather(*(ws.close() for ws in list(self.sockets)))

    return LearnGPTServer()


async def stop_app(service: Any) -> None:
    """Ask the app to quit, as textual-serve does; kill it if it has not within STOP_SECONDS."""
    try:
        await asyncio.wait_for(asyncio.shield(service.stop()), STOP_SECONDS)
    except TimeoutError:
        pass
    finally:  # also when the handler is cancelled: no app outlives its tab or the server
        process = service._process  # textual-serve keeps it private; 1.1.3 is pinned for dev
        if process is not None:
            try:  # its output has ended: let asyncio reap it before any kill (which would)
                await asyncio.wait_for(process.wait(), 1)
            except TimeoutError:
                process.kill()
                await process.wait()


async def run(server: Any, host: str, port: int, announce: list[str]) -> None:
    """Bind, print the start lines, serve until SIGINT, SIGTERM or SIGHUP, then stop cleanly."""
    from aiohttp import web

    from engine.errors import ConfigError

    runner = web.AppRunner(await server._make_app(), shutdown_timeout=STOP_SECONDS * 2)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", None)):
                raise ConfigError(
                    f"port {port} on {host} is in use: choose another with --port"
                ) from None
            raise ConfigError(f"cannot listen on {host} port {port}: {exc.strerror}") from None
        for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None:
                try:
                    loop.add_signal_handler(sig, stop.set)
                except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C raises instead
                    pass
        for line in announce:
            print(line, flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()


def command(
    host: Annotated[
        str, typer.Option(help="Address to listen on; anything but loopback lets others in.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port to listen on.")] = 8000,
    pane: Annotated[str, typer.Option(help="The pane each new tab opens on.")] = "digits",
    data_dir: DataDir = None,
    threads: Threads = None,
    device: Device = "auto",
) -> None:
    """Serve the app in a browser: each tab runs its own learn-gpt."""
    from engine.errors import EngineError
    from tui.cli.app import check_app_options

    check_app_options(pane, threads, device)  # once here, not in every tab's app
    try:
        import textual_serve.server  # noqa: F401
    except ImportError:
        raise EngineError(
            "serving in a browser needs textual-serve: pip install 'textual-serve>=1.1,<2'"
        ) from None
    loopback = resolve(host, port)
    url = url_for(host, port)
    announce = [f"Serving learn-gpt at {url} — each browser tab runs its own app; Ctrl-C stops"]
    if not loopback:
        announce.append(
            f"warning: {host} is not a loopback address: anyone who can "
            "reach it can run the app, and through it read and write your files"
        )
    server = make_server(
        app_command(pane, str(data_dir.resolve()) if data_dir else None, threads, device),
        host,
        port,
        loopback,
    )
    try:
        asyncio.run(run(server, host, port, announce))
    except KeyboardInterrupt:  # where signal handlers cannot be set (Windows)
        pass
    print("learn-gpt serve: stopped", flush=True)
