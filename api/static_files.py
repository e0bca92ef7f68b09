"""The browser files under ``web/``, served at ``/static/…``: the vendored packages (GraphiQL,
React), our GraphiQL page's script and style, and the public web app (``web/app/``).

Only the kinds of file a page loads are served, each with its type stated here (not guessed from
the machine's mime tables) and UTF-8 for text. Vendored files live in a folder named by their
version, so a new version is a new URL and browsers may keep them a year; the rest are
revalidated on every use (``no-cache`` with the ETag and Last-Modified Starlette gives them).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
VERSIONED = "vendor"  # the first folder of files whose URL names their version
FOR_A_YEAR = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class WebFiles(StaticFiles):
    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        path = Path(full_path)
        media_type = MEDIA_TYPES.get(path.suffix)
        if media_type is None:  # scripts, READMEs and licences of the folder are not pages' files
            raise HTTPException(404)
        relative = PurePosixPath(path.relative_to(WEB_DIR).as_posix())
        response = FileResponse(path, status_code=status_code, stat_result=stat_result, media_type=media_type)
        response.headers["Cache-Control"] = FOR_A_YEAR if relative.parts[0] == VERSIONED else REVALIDATE
        response.headers["X-Content-Type-Options"] = "nosniff"
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response


def static_files() -> WebFiles:
    return WebFiles(directory=WEB_DIR)
