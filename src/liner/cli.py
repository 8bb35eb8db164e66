"""The `liner` command: serve the app, prepare the store."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from liner.config import Settings

app = typer.Typer(help="Liner: a calm, album-first music-taste page.", no_args_is_help=True)
store_app = typer.Typer(help="The data store.", no_args_is_help=True)
app.add_typer(store_app, name="store")


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment; invalid values stop start-up with a clear message."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = ["Liner cannot start: the settings are not valid."]
        for error in exc.errors():
            name = "_".join(str(p) for p in error["loc"]).upper()
            where = f"LINER_{name}" if name else "settings"
            lines.append(f"  {where}: {error['msg']}")
        typer.echo("\n".join(lines), err=True)
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (production).")] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request (paths only).")] = False,
) -> None:
    """Run Liner's web app (granian, the fastest ASGI server measured: bench/PUBLIC_PAGE.md)."""
    from granian import Granian
    from granian.constants import Interfaces

    overrides: dict[str, Any] = {}
    if "LINER_BASE_URL" not in os.environ:
        # Without an explicit public URL, it is where we listen (Spotify wants 127.0.0.1,
        # never localhost, in redirect URIs).
        shown = "127.0.0.1" if host in ("0.0.0.0", "localhost", "::") else host  # noqa: S104
        overrides["base_url"] = f"http://{shown}:{port}"
    load_settings(**overrides)  # stop here, with a clear message, on invalid settings
    if "base_url" in overrides:  # workers read their settings from the environment
        os.environ["LINER_BASE_URL"] = overrides["base_url"]
    settings = load_settings()
    if settings.sandbox:
        typer.echo(
            f"Liner on {settings.base_url} with the built-in Spotify sandbox "
            f"(data in {settings.data_dir.resolve()})."
        )
    Granian(
        "liner.web.asgi:app",
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.ASGI,
        log_access=access_log,
        # The path without its query string: OAuth callbacks carry codes in the query.
        log_access_format=ACCESS_LOG_FORMAT,
    ).serve()


ACCESS_LOG_FORMAT = '%(addr)s - "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1f ms'


@store_app.command("init")
def store_init() -> None:
    """Create the store's table and indexes if missing (idempotent)."""
    from liner.adapters.store.table import Table
    from liner.bootstrap import build_item_store
    from liner.ports.items import StoreError

    settings = load_settings()
    try:
        created = Table(build_item_store(settings)).create()
    except StoreError as exc:
        typer.echo(f"Could not prepare the store: {exc}", err=True)
        raise typer.Exit(1) from None
    where = (
        f"DynamoDB table {settings.dynamodb_table!r}"
        if settings.store.value == "dynamodb"
        else f"{settings.store.value} store in {settings.data_dir}"
    )
    typer.echo(f"Created the {where}." if created else f"The {where} is ready.")


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
