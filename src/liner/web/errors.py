"""One place that renders every error: the JSON envelope under /api, HTML elsewhere.

A 500 shows no internals; the traceback goes to the log only.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from liner import errors
from liner.ports.items import StoreError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: ("bad_request", "The request could not be understood."),
    401: ("unauthenticated", "Please sign in first."),
    403: ("forbidden", "You cannot do that."),
    404: ("not_found", "There is nothing here."),
    405: ("method_not_allowed", "That method is not allowed here."),
    413: ("too_large", "That request is too large."),
    429: ("rate_limited", "Too many requests. Please slow down."),
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def envelope(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = {}
    if extra.get("retry_after") is not None:
        headers["Retry-After"] = str(int(extra["retry_after"]))
    return JSONResponse(
        {"data": None, "error": {"code": code, "message": message, **extra}},
        status_code=status,
        headers=headers,
    )


def render(request: Request, status: int, code: str, message: str, **extra: Any) -> Response:
    if is_api(request):
        return envelope(status, code, message, **extra)
    from liner.web.pages import render_error

    response = render_error(request, status=status, message=message, code=code)
    if extra.get("retry_after") is not None:
        response.headers["Retry-After"] = str(int(extra["retry_after"]))
    return response


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.LinerError)
    async def liner_error(request: Request, exc: errors.LinerError) -> Response:
        return render(request, exc.status, exc.code, exc.message, **exc.extra)

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> Response:
        log.error("store error: %s", exc)
        err = errors.StoreUnavailable()
        return render(request, err.status, err.code, err.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        err = errors.InvalidInput()
        return render(request, err.status, err.code, err.message, details=details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code, message = _HTTP_CODES.get(exc.status_code, ("error", "Something went wrong."))
        return render(request, exc.status_code, code, message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render(
            request, 500, "internal", "Something went wrong on our side. Please try again."
        )
