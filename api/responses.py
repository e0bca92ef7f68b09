"""The JSON every route answers with."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class JSONResponse(Response):
    """UTF-8 JSON without ``\\uXXXX`` escapes: escaped Chinese nearly doubles a response."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
