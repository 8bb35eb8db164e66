"""The `liner` command: the README's first command, settings errors, `store init`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from liner.cli import app
from support.liner_app import consent_form
from support.live_server import bind_free_socket
from support.personas import ALICE

LINER = str(Path(sys.executable).with_name("liner"))


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINER_")}
    env.update(extra)
    return env


def test_invalid_settings_stop_start_up_with_the_variable_named(tmp_path: Path) -> None:
    result = subprocess.run(
        [LINER, "serve", "--port", "1"],
        env=_env(LINER_STORE="postgres", LINER_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Liner cannot start" in result.stderr
    assert "LINER_STORE" in result.stderr
    assert "Traceback" not in result.stderr


def test_store_init_creates_the_dynamodb_table_once(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = f"liner-cli-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("LINER_STORE", "dynamodb")
    monkeypatch.setenv("LINER_DYNAMODB_TABLE", table)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto_endpoint)
    runner = CliRunner()
    first = runner.invoke(app, ["store", "init"])
    assert first.exit_code == 0, first.output
    assert f"Created the DynamoDB table '{table}'" in first.output
    second = runner.invoke(app, ["store", "init"])
    assert second.exit_code == 0, second.output
    assert "is ready" in second.output


def test_store_init_reports_an_unreachable_dynamodb_clearly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sock = bind_free_socket()  # bound, never listening: connections are refused
    port = sock.getsockname()[1]
    monkeypatch.setenv("LINER_STORE", "dynamodb")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    try:
        result = CliRunner().invoke(app, ["store", "init"])
    finally:
        sock.close()
    assert result.exit_code == 1
    assert "Could not prepare the store" in result.output


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`liner serve` as a person runs it: its own process, the embedded default."""
    sock = bind_free_socket()
    port = sock.getsockname()[1]
    sock.close()
    process = subprocess.Popen(
        [LINER, "serve", "--port", str(port)],
        env=_env(LINER_DATA_DIR=str(tmp_path / "data")),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "liner serve exited early"
            assert time.monotonic() < deadline, "liner serve did not start"
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
        assert process.stdout is not None
        process.stdout.close()


def test_liner_serve_runs_the_whole_sign_in_on_the_embedded_default(
    served: str, tmp_path: Path
) -> None:
    with httpx.Client(base_url=served, timeout=30) as client:
        start = client.get("/auth/spotify")
        assert start.headers["location"].startswith(served + "/sandbox/spotify/authorize")
        consent = client.get(start.headers["location"])
        action, fields = consent_form(consent.text, ALICE)
        decision = client.post(str(consent.url.join(action)), data=fields)
        callback = client.get(decision.headers["location"])
        assert callback.headers["location"] == "/welcome"
        csrf = client.get("/api/v1/me").json()["data"]["csrf_token"]
        client.post("/welcome", data={"handle": "maren", "csrf_token": csrf})
        dashboard = client.get("/dashboard")
        assert dashboard.status_code == 200
        assert "Top albums" in dashboard.text
    data = tmp_path / "data"
    assert (data / "liner.sqlite3").exists()
    assert (data / "token.key").stat().st_mode & 0o777 == 0o600
    assert (data / "secret.key").stat().st_mode & 0o777 == 0o600
