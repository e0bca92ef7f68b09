"""The pages browsers open: the reference public app at ``/`` (``web/app/``), which runs on the
public API alone, the officials' console at ``/console/`` (``web/console/``), which runs on an
official's token, and the big screen at ``/screen/`` (``web/screen/``), live from the supervision
feed: the public's counts, or discipline's events in a tab signed in at the console. Their scripts
and styles are under ``/static/``. All are served with a content security policy that lets them
reach nothing but this server, so a kiosk, a WeChat page, a hall's screen or an office PC cannot
load anything from elsewhere by mistake; all are revalidated on every visit.

The console's page says whether the server runs in development (``data-dev="1"``), where it offers
the development tokens; it is the only difference between the page in development and in service."""

from __future__ import annotations

import functools
import hashlib

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from api.static_files import WEB_DIR

# Only this server: scripts, styles, images (maps), fetches; data: for the empty icon.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
)


@functools.cache
def _page(path: str, *, dev: bool = False) -> tuple[bytes, str]:
    body = (WEB_DIR / path).read_bytes()
    if dev:
        body = body.replace(b'data-dev=""', b'data-dev="1"', 1)
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


async def home(request: Request) -> Response:
    """The public app's page."""
    return _serve(request, *_page("app/index.html"))


async def console(request: Request) -> Response:
    """The officials' console's page (纪检监管版 and 部门版, by the token's role)."""
    return _serve(request, *_page("console/index.html", dev=request.app.state.settings.dev))


async def screen(request: Request) -> Response:
    """The big screen's page (大屏幕, 1920×1080)."""
    return _serve(request, *_page("screen/index.html"))


def _serve(request: Request, body: bytes, etag: str) -> Response:
    # no-cache with an ETag: a kiosk picks up a new release on its next load, never a stale page.
    headers = {
        "ETag": etag,
        "Cache-Control": "no-cache",
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    if etag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return HTMLResponse(body, headers=headers)
