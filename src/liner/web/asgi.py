"""`uvicorn liner.web.asgi:app` (settings from the environment) for multi-worker serving."""

from __future__ import annotations

from liner.web.app import create_app

app = create_app()
