"""The `liner` command: serve the app, prepare the store."""

from __future__ import annotations

import logging
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
) -> None:
    """Run Liner's web app."""
    import uvicorn

    overrides: dict[str, Any] = {}
    if "LINER_BASE_URL" not in os.environ:
        # Without an explicit public URL, it is where we listen (Spotify wants 127.0.0.1,
        # never localhost, in redirect URIs).
        shown = "127.0.0.1" if host in ("0.0.0.0", "localhost", "::") else host  # noqa: S104
        overrides["base_url"] = f"http://{shown}:{port}"
    settings = load_settings(**overrides)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if settings.sandbox:
        typer.echo(
            f"Liner on {settings.base_url} with the built-in Spotify sandbox "
            f"(data in {settings.data_dir.resolve()})."
        )
    if workers > 1:
        if "base_url" in overrides:  # worker processes read their settings from the environment
            os.environ["LINER_BASE_URL"] = overrides["base_url"]
        uvicorn.run(
            "liner.web.asgi:app",
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            log_config=log_config(),
        )
        return
    from liner.web.app import create_app

    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        proxy_headers=True,
        log_config=log_config(),
    )


class RedactQuery(logging.Filter):
    """Access log lines keep the path, never the query: OAuth callbacks carry codes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            if isinstance(args[2], str):
                args[2] = args[2].split("?", 1)[0]
            record.args = tuple(args)
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with query strings taken out of the access log."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**LOGGING_CONFIG}
    config["filters"] = {"redact_query": {"()": RedactQuery}}
    config["handlers"] = {
        name: {**handler, "filters": ["redact_query"]} if name == "access" else handler
        for name, handler in LOGGING_CONFIG["handlers"].items()
    }
    return config


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
