"""moto's server on 127.0.0.1: DynamoDB, KMS and S3 over their real wire protocol."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

# boto3 refuses to sign requests without credentials; these never leave the machine.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_REGION": "eu-west-1",
}


class _OneRequestAtATime:
    """WSGI middleware: moto's backends take no locks, so two concurrent
    TransactWriteItems can both pass their condition checks. DynamoDB itself
    isolates every request; serialising requests gives moto that guarantee
    while connections stay concurrent."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


@contextmanager
def moto_server() -> Iterator[str]:
    """Start moto on a free loopback port; yields its endpoint URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    app = _OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def use_fake_aws_credentials() -> None:
    """Point boto3 at fake credentials for the whole test process."""
    for name, value in FAKE_AWS_ENV.items():
        os.environ[name] = value
    # Never read a developer's real profile or config by accident.
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
