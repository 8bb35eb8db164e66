"""A published page under load: Liner's production server beside nginx serving the same bytes.

Usage: .venv/bin/python bench/public_page.py [--duration 10] [--workers 2] [--rounds 1]
                                             [--server 'COMMAND {host} {port} {workers}']

It seeds a temporary SQLite data dir with one realistic published page (50 artists,
50 tracks, 5 albums, liner notes from the offline writer), starts Liner with the
production command the README documents (`liner serve --host --port --workers`),
fetches the page once, writes those exact bytes to a static file served by nginx,
and measures both with `wrk -t2 -c64 --latency`, each run preceded by a short
warm-up. It prints req/s, p50, p99 and errors for both, the ratio app/nginx, and
PASS/FAIL against the bar: at least a third of nginx's throughput, p99 under 15 ms,
no errors. It always exits 0: it is a benchmark, not a test.

`--server` starts the same app (`liner.web.asgi:app`, settings from the environment)
with a raw command line instead of `liner serve`, to compare ASGI servers, e.g.
  --server 'uvicorn liner.web.asgi:app --host {host} --port {port} --workers {workers}
            --no-access-log'
  --server 'granian --interface asgi --host {host} --port {port} --workers {workers}
            liner.web.asgi:app'
A bare program name is looked up in this venv's bin first.

wrk, the app and nginx share the machine: on 2 cores wrk's own two threads take a
good part of the CPU away from whichever server it measures, nginx included.
Everything listens on 127.0.0.1 only; every process started here is stopped on the
way out (also on Ctrl-C or an error).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _paths  # noqa: F401
from liner.bootstrap import build
from liner.config import Settings
from liner.ports.store import User
from store_round_trips import realistic_snapshot

HOST = "127.0.0.1"
HANDLE = "maren"
CONNECTIONS = 64
THREADS = 2
WARM_UP_SECONDS = 2
# A browser's User-Agent, so the app takes its usual path for a real visit (view
# counting decides per request; crawlers and empty agents are turned away earlier).
BROWSER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
BAR_RATIO = 1 / 3
BAR_P99_MS = 15.0
VENV_BIN = Path(sys.executable).parent


# --- seeding ------------------------------------------------------------------------------


def seed(data_dir: Path, base_url: str) -> None:
    """One person with a snapshot, a handle, liner notes, and a published page."""

    async def run() -> None:
        services = build(Settings(data_dir=data_dir, base_url=base_url, store="sqlite"))
        # The preview image would fetch album covers from the (fake) image hosts in the
        # snapshot; the page only links to it, so it plays no part here.
        services.publishing.on_change = None
        try:
            now = datetime.now(UTC)
            user_id = "bench" + "0" * 27
            services.table.create_user(
                User(id=user_id, display_name="Maren Solberg", created_at=now)
            )
            services.table.claim_refresh(user_id, now=now, lease_seconds=120, token="seed")
            services.table.save_snapshot(
                user_id,
                realistic_snapshot(now),
                next_refresh_at=now + timedelta(days=1),
                token="seed",
            )
            await services.handles.claim(user_id, HANDLE)
            await services.notes.generate(user_id, "all")
            await services.publishing.set_publication(user_id, published=True)
        finally:
            await services.aclose()

    asyncio.run(run())


# --- processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def started(
    argv: list[str], *, log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Run argv in its own process group; on the way out stop that group (and only it)."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        if process.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)  # its group: uvicorn's or granian's workers too
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait)
    # Workers that outlived their parent are still in the group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:  # loopback only
                if answer.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise SystemExit(f"{url} did not come up within {timeout:.0f} s.\n{tail}")


def fetch(url: str) -> tuple[bytes, str]:
    request = urllib.request.Request(url, headers={"User-Agent": BROWSER_AGENT})
    with urllib.request.urlopen(request, timeout=5) as answer:  # loopback only
        if answer.status != 200:
            raise SystemExit(f"{url} answered {answer.status}")
        return answer.read(), answer.headers.get("Content-Type", "")


def app_command(server: str | None, port: int, workers: int) -> list[str]:
    if server is None:
        return [
            str(VENV_BIN / "liner"),
            "serve",
            *("--host", HOST, "--port", str(port), "--workers", str(workers)),
        ]
    argv = [part.format(host=HOST, port=port, workers=workers) for part in shlex.split(server)]
    if "/" not in argv[0] and (VENV_BIN / argv[0]).exists():
        argv[0] = str(VENV_BIN / argv[0])
    return argv


def nginx_conf(root: Path, port: int, content_type: str, run_dir: Path) -> str:
    temp = {
        name: run_dir / name
        for name in ("client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp")
    }
    for path in temp.values():
        path.mkdir()
    return f"""\
daemon off;
worker_processes auto;
pid {run_dir / "nginx.pid"};
error_log {run_dir / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    # Both servers keep wrk's connections for the whole run.
    keepalive_requests 10000000;
    client_body_temp_path {temp["client_body_temp"]};
    proxy_temp_path {temp["proxy_temp"]};
    fastcgi_temp_path {temp["fastcgi_temp"]};
    uwsgi_temp_path {temp["uwsgi_temp"]};
    scgi_temp_path {temp["scgi_temp"]};
    types {{ }}
    default_type "{content_type}";
    server {{
        listen {HOST}:{port};
        root {root};
    }}
}}
"""


# --- measuring ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    non_2xx_3xx: int
    requests: int

    @property
    def errors(self) -> int:
        return self.socket_errors + self.non_2xx_3xx


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if found is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(found[1]) * _UNIT_MS[found[2]]


def parse_wrk(name: str, output: str) -> Result:
    def number(pattern: str) -> str:
        found = re.search(pattern, output, re.MULTILINE)
        if found is None:
            raise SystemExit(f"unexpected wrk output (no {pattern!r}):\n{output}")
        return found[1]

    socket_errors = 0
    found = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if found:
        socket_errors = sum(int(n) for n in found.groups())
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Result(
        name=name,
        requests_per_second=float(number(r"^Requests/sec:\s+([\d.]+)")),
        p50_ms=_ms(number(r"^\s+50%\s+(\S+)")),
        p99_ms=_ms(number(r"^\s+99%\s+(\S+)")),
        socket_errors=socket_errors,
        non_2xx_3xx=int(non_ok[1]) if non_ok else 0,
        requests=int(number(r"^\s+(\d+) requests in")),
    )


def wrk(url: str, seconds: int) -> str:
    argv = [
        "wrk",
        *(f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"),
        *("-H", f"User-Agent: {BROWSER_AGENT}"),
        url,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def measure(name: str, url: str, seconds: int) -> Result:
    wrk(url, WARM_UP_SECONDS)  # every worker renders the page and fills its pointer cache
    return parse_wrk(name, wrk(url, seconds))


def report(app: Result, nginx: Result, label: str) -> None:
    print(f"{'':24s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} {'errors':>7s} {'requests':>9s}")
    for result in (app, nginx):
        print(
            f"{result.name:24s} {result.requests_per_second:9.0f} {result.p50_ms:8.2f} "
            f"{result.p99_ms:8.2f} {result.errors:7d} {result.requests:9d}"
        )
    ratio = app.requests_per_second / nginx.requests_per_second
    print(f"app / nginx = {ratio:.2f}   ({label})")

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    print(f"{verdict(ratio >= BAR_RATIO)} throughput: {ratio:.2f} of nginx (bar: >= 0.33)")
    print(f"{verdict(app.p99_ms < BAR_P99_MS)} p99: {app.p99_ms:.2f} ms (bar: < {BAR_P99_MS} ms)")
    print(
        f"{verdict(app.errors == 0)} errors: {app.socket_errors} socket, "
        f"{app.non_2xx_3xx} non-2xx/3xx (bar: none)"
    )


# --- the run ------------------------------------------------------------------------------


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, default=2, help="app worker processes")
    parser.add_argument("--rounds", type=int, default=1, help="app/nginx pairs to measure")
    parser.add_argument(
        "--server",
        default=None,
        help="raw server command for liner.web.asgi:app ({host} {port} {workers} filled in); "
        "default: liner serve",
    )
    args = parser.parse_args()
    # A plain `kill` unwinds like Ctrl-C, so the servers started below are stopped too.
    signal.signal(signal.SIGTERM, _interrupted)
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (Debian packages: wrk, nginx-light)")

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="liner-bench-")))
        app_port, nginx_port = free_port(), free_port()
        base_url = f"http://{HOST}:{app_port}"
        data_dir = tmp / "data"
        seed(data_dir, base_url)

        env = {k: v for k, v in os.environ.items() if not k.startswith("LINER_")}
        env |= {
            "LINER_DATA_DIR": str(data_dir),
            "LINER_STORE": "sqlite",
            "LINER_BASE_URL": base_url,
        }
        argv = app_command(args.server, app_port, args.workers)
        app_log = tmp / "app.log"
        app = stack.enter_context(started(argv, log=app_log, env=env))
        wait_until_up(f"{base_url}/healthz", app, app_log, timeout=60)
        page_url = f"{base_url}/{HANDLE}"
        body, content_type = fetch(page_url)

        # nginx's workers may run as another user: the static tree is world-readable.
        www = tmp / "www"
        www.mkdir()
        (www / f"{HANDLE}.html").write_bytes(body)
        tmp.chmod(0o755)
        www.chmod(0o755)
        run_dir = tmp / "nginx"
        run_dir.mkdir()
        conf = run_dir / "nginx.conf"
        conf.write_text(nginx_conf(www, nginx_port, content_type, run_dir))
        nginx_log = run_dir / "stdout.log"
        nginx = stack.enter_context(
            started(
                ["nginx", "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", str(conf)],
                log=nginx_log,
            )
        )
        static_url = f"http://{HOST}:{nginx_port}/{HANDLE}.html"
        wait_until_up(static_url, nginx, nginx_log, timeout=20)
        static_body, static_type = fetch(static_url)
        assert static_body == body and static_type == content_type, (static_type, content_type)

        label = " ".join(Path(argv[0]).name if i == 0 else a for i, a in enumerate(argv))
        print(f"page: {len(body)} bytes, {content_type}; app: {label}")
        print(
            f"wrk -t{THREADS} -c{CONNECTIONS} -d{args.duration}s --latency "
            f"(after a {WARM_UP_SECONDS} s warm-up); {os.cpu_count()} CPUs shared by wrk and "
            "the server"
        )
        for number in range(1, args.rounds + 1):
            # Other work on the machine skews both figures: show how busy it was.
            load = os.getloadavg()[0]
            print(f"\nround {number}/{args.rounds} (load average before: {load:.2f})")
            app_result = measure(f"liner ({args.workers} worker(s))", page_url, args.duration)
            nginx_result = measure("nginx (static file)", static_url, args.duration)
            report(app_result, nginx_result, label)
        after, _ = fetch(page_url)
        if after != body:
            print("note: the page changed during the run (its bytes differ from nginx's copy)")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        raise SystemExit("interrupted: every process started here was stopped") from None
