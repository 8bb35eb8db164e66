"""Jinja2 templates (autoescaped) and the helpers pages share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from liner.web.presenters import iso

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.filters["iso"] = iso


def _human_time(value: Any) -> str:
    if value is None:
        return "never"
    return str(value.strftime("%-d %b %Y, %H:%M UTC"))


templates.env.filters["human_time"] = _human_time


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    # Pages for a signed-in person must never be stored by a shared cache.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def render_error(request: Request, *, status: int, message: str, code: str) -> HTMLResponse:
    return page(
        request, "error.html", status=status, status_code=status, message=message, code=code
    )
