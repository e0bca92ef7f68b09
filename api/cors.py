"""Cross-origin calls, as browsers need them: the public's pages on any site may call the public
API (no credentials: anonymous GETs and vetted POSTs); only the origins named in ``CORS_ORIGINS``
may send an official's token (``Authorization``, with its reason of access, ``X-Access-Reason``)
from a browser.

Preflight requests (``OPTIONS`` with ``Access-Control-Request-Method``) are answered here, before
routing; every other answer to a request with an ``Origin`` carries the allow and expose headers.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from api.responses import JSONResponse

PUBLIC_HEADERS = ("content-type", "x-client-key", "x-request-id", "if-none-match", "if-modified-since")
EXPOSED = ("ETag", "Last-Modified", "Retry-After", "RateLimit", "RateLimit-Policy", "X-Request-ID")
METHODS = "GET, POST"


class CORSMiddleware:
    def __init__(self, app: ASGIApp, *, official_origins: frozenset[str]) -> None:
        self.app = app
        self.official_origins = official_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        official = origin in self.official_origins
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(origin, official, headers)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out["Access-Control-Allow-Origin"] = origin if official else "*"
                out["Access-Control-Expose-Headers"] = ", ".join(EXPOSED)
                out.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _preflight(self, origin: str, official: bool, headers: Headers) -> Response:
        allowed = {*PUBLIC_HEADERS, *(("authorization", "x-access-reason") if official else ())}
        asked = {
            h.strip().lower()
            for h in headers.get("access-control-request-headers", "").split(",")
            if h.strip()
        }
        method = headers["access-control-request-method"].upper()
        if method not in ("GET", "POST") or not asked <= allowed:
            # Refused: no allow headers, so the browser stops; the body says why for whoever reads it.
            message = "跨域请求不被允许：只有登记的来源（CORS_ORIGINS）能发送官方令牌"
            return JSONResponse({"errors": [error_body("CORS_REFUSED", message)]}, status_code=400)
        return Response(
            status_code=204,
            headers={
                "Access-Control-Allow-Origin": origin if official else "*",
                "Access-Control-Allow-Methods": METHODS,
                "Access-Control-Allow-Headers": ", ".join(sorted(allowed)),
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            },
        )
