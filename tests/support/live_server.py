"""Any ASGI app on a real socket at 127.0.0.1, served by uvicorn in a thread.

    with serve(app) as base_url:
        httpx.get(f"{base_url}/health")

The socket is bound before the thread starts (port 0: the OS picks a free
port), so the URL is known up front and there is no race for the port. On exit
the server is asked to stop and the thread is joined; requests still running
get ``timeout_graceful_shutdown`` seconds before uvicorn cancels them.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.types import ASGIApp

STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 10.0


def bind_free_socket() -> socket.socket:
    """A socket bound to a free port on 127.0.0.1 (not yet listening)."""
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto says TCP; with proto 0 every response waits out a 40 ms delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serve(app: ASGIApp, sock: socket.socket | None = None, **config: Any) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 on a free port; yields ``http://127.0.0.1:<port>``.

    Pass ``sock`` (from ``bind_free_socket``) when the app must know its own
    address before it is built (Liner's OAuth redirect URI depends on it).

    ``config`` overrides uvicorn.Config options. The defaults keep the run
    quiet and predictable: the asyncio loop, h11, no websockets (whose
    deprecation warnings would be errors under pytest), no access log, and
    uvicorn's logging config left alone so it does not rewire the test's loggers.
    """
    options: dict[str, Any] = {
        "loop": "asyncio",
        "http": "h11",
        "ws": "none",
        "lifespan": "auto",
        "log_level": "warning",
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 3,
    }
    options.update(config)
    sock = sock or bind_free_socket()
    try:
        port = sock.getsockname()[1]
        # uvicorn leaves signal handling alone outside the main thread.
        server = uvicorn.Server(uvicorn.Config(app, **options))
        failure: list[BaseException] = []

        def run() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as error:  # surfaced in the main thread below
                failure.append(error)

        thread = threading.Thread(target=run, name=f"live-server-{port}", daemon=True)
        thread.start()
        try:
            _wait_until_started(server, thread, failure)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(SHUTDOWN_TIMEOUT)
            if thread.is_alive():  # a request ignored the graceful timeout: stop waiting for it
                server.force_exit = True
                thread.join(SHUTDOWN_TIMEOUT)
            if thread.is_alive():
                raise RuntimeError("the live server did not stop")
        if failure:
            raise RuntimeError("the live server crashed") from failure[0]
    finally:
        sock.close()


def _wait_until_started(
    server: uvicorn.Server, thread: threading.Thread, failure: list[BaseException]
) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if failure:
            raise RuntimeError("the live server failed to start") from failure[0]
        if not thread.is_alive():
            raise RuntimeError("the live server exited before it started")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the live server did not start within {STARTUP_TIMEOUT} s")
        time.sleep(0.01)
