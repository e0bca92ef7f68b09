"""How errors reach clients: a Chinese message and a stable ``extensions.code``, never a stack
trace or SQL text. This module is the one place that decides it.

Outside GraphQL's own answers, a refusal is raised, never built into a response where it happens:
an :class:`HTTPError` (the request itself, a token, a budget) or a :class:`DomainError` (a rule of
the service), both rendered by :func:`render`, which the app registers once as its exception
handler. Inside a GraphQL answer, :func:`format_error` gives each error the same shape.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.responses import JSONResponse
from db.executor import UNAVAILABLE
from domain.errors import DomainError, NotFound

log = logging.getLogger("sunshine.errors")


class HTTPError(Exception):
    """A refusal of the HTTP request: its status, a stable code and a message in Chinese."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


# The codes of a limit's refusal: answered with HTTP 429 and Retry-After (``retryAfter`` in the
# error's extensions, in seconds), whether the limit is the gate's or a resolver's.
LIMIT_CODES = frozenset({"RATE_LIMITED", "TOO_MANY_ATTEMPTS"})


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


# Starlette's own refusals (a path no route has, a method a route does not take), in our shape.
_STARLETTE = {
    404: ("NOT_FOUND", "没有这个地址"),
    405: ("METHOD_NOT_ALLOWED", "该地址不接受这种请求方法"),
}


async def render_starlette(request: Request, exc: HTTPException) -> Response:
    """A refusal of Starlette's routing, answered as every other refusal is."""
    code, message = _STARLETTE.get(exc.status_code, ("BAD_REQUEST", "请求不合法"))
    return JSONResponse({"errors": [error_body(code, message)]}, exc.status_code, headers=exc.headers)


async def render(request: Request, exc: Exception) -> Response:
    """The one answer to a refusal: ``{"errors": [{message, extensions: {code}}]}``, logged as
    one line at INFO, without a traceback (a refusal is not a fault)."""
    if isinstance(exc, HTTPError | DomainError):
        request_id = request.scope.get("state", {}).get("request_id", "")
        log.info("refused", extra={"request_id": request_id, "code": exc.code})
    if isinstance(exc, HTTPError):
        error = error_body(exc.code, exc.message)
        if exc.code in LIMIT_CODES and exc.headers and "Retry-After" in exc.headers:
            error["extensions"]["retryAfter"] = int(exc.headers["Retry-After"])
        return JSONResponse({"errors": [error]}, status_code=exc.status, headers=exc.headers)
    if isinstance(exc, DomainError):
        body = {"errors": [error_body(exc.code, exc.message)]}
        return JSONResponse(body, status_code=404 if isinstance(exc, NotFound) else 400)
    raise exc  # registered only for the two classes above


DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
_UNAVAILABLE = (DATABASE_UNAVAILABLE, "数据库暂时不可用，请稍后重试")


async def render_unavailable(request: Request, exc: Exception) -> Response:
    """The database is away outside a GraphQL answer (a bulk download, a compiled answer): 503."""
    log.warning("database unavailable", extra={"path": request.url.path, "error": repr(exc)})
    body = {"errors": [error_body(*_UNAVAILABLE)]}
    return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})


async def render_bug(request: Request, exc: Exception) -> Response:
    """A bug outside GraphQL's answer (a route, a compiled answer, the budget's store): logged in
    full, answered as the coded INTERNAL_ERROR with the request id, as inside GraphQL."""
    request_id = request.scope.get("state", {}).get("request_id", "")
    log.error("request failed", exc_info=exc, extra={"request_id": request_id, "path": request.url.path})
    body = {"errors": [error_body("INTERNAL_ERROR", f"服务器内部错误，请稍后重试（请求编号 {request_id}）")]}
    # Starlette answers this handler outside every middleware, so it says no-store itself.
    return JSONResponse(body, status_code=500, headers={"Cache-Control": "no-store"})


EXCEPTION_HANDLERS: dict[Any, Any] = {
    Exception: render_bug,
    HTTPException: render_starlette,
    HTTPError: render,
    DomainError: render,
    **dict.fromkeys(UNAVAILABLE, render_unavailable),
}


class UncachedErrors:
    """No error is kept by a cache: every answer of status 400 or more says ``no-store`` and
    carries no validator (ETag, Last-Modified), whichever route or handler made it. An error may
    pass (a database restarting) and must not be served again after it has."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_uncached(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                headers = MutableHeaders(scope=message)
                headers["Cache-Control"] = "no-store"
                for validator in ("ETag", "Last-Modified"):
                    if validator in headers:
                        del headers[validator]
            await send(message)

        await self.app(scope, receive, send_uncached)


def format_error(error: GraphQLError, *, request_id: str) -> dict[str, Any]:
    """One GraphQL error as the client sees it, logged once: a refusal at INFO, the database away
    at WARNING, a bug at ERROR."""
    original = error.original_error
    if isinstance(original, UNAVAILABLE):
        log.warning("database unavailable", extra={"request_id": request_id, "error": repr(original)})
        formatted = error_body(*_UNAVAILABLE)
    elif original is not None and not isinstance(original, GraphQLError | DomainError):
        # A bug, not a refusal (graphql-core wraps its own refusals, such as a missing variable):
        # log it whole, tell the client only that it happened and the id.
        log.error(
            "resolver failed",
            exc_info=(type(original), original, original.__traceback__),
            extra={"request_id": request_id, "path": error.path},
        )
        formatted = error_body("INTERNAL_ERROR", f"服务器内部错误，请稍后重试（请求编号 {request_id}）")
    else:
        formatted = _refusal(error)
        code = formatted["extensions"]["code"]
        log.info("refused", extra={"request_id": request_id, "code": code, "path": error.path})
    return _located(formatted, error)


def _refusal(error: GraphQLError) -> dict[str, Any]:
    original = error.original_error
    if isinstance(original, DomainError):
        body = error_body(original.code, original.message)
        if original.code in LIMIT_CODES:
            body["extensions"]["retryAfter"] = int(original.details.get("retry_after", 60))
        if "detail" in original.details:
            body["extensions"]["detail"] = str(original.details["detail"])
        return body
    # graphql-core's refusals come already read in Chinese by the schema (schema/refusals.py),
    # with their code and graphql-core's own text as ``detail``, for developers.
    extensions = error.extensions or {}
    if not extensions.get("code"):  # a shape nobody has read yet: still no English in the message
        extensions = {"code": "GRAPHQL_VALIDATION_FAILED", "detail": error.message}
        return {**error_body("GRAPHQL_VALIDATION_FAILED", "查询不合法"), "extensions": extensions}
    body = error_body(str(extensions["code"]), error.message)
    if "detail" in extensions:
        body["extensions"]["detail"] = extensions["detail"]
    return body


def _located(formatted: dict[str, Any], error: GraphQLError) -> dict[str, Any]:
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        formatted["path"] = error.path
    return formatted
