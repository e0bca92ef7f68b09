"""The reference public app at ``/`` (``web/app/``; its script and style under ``/static/app/``): one
page that runs in the browser on the public API alone. It is served with a content security policy
that lets it reach nothing but this server, so a kiosk or a WeChat page built on it cannot load
anything from elsewhere by mistake."""

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
def _page() -> tuple[bytes, str]:
    body = (WEB_DIR / "app" / "index.html").read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


async def home(request: Request) -> Response:
    """The app's page, revalidated on every visit (``no-cache`` with an ETag): a kiosk picks up a
    new release on its next load and never keeps a stale page."""
    body, etag = _page()
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
