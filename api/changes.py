"""The open-data change feed (变更流) for third-party sites: ``/open-data/changes.jsonl``.

One JSON line per change, oldest first: power adjustments (权力事项调整) and department rankings
published (部门绩效排名发布). ``?since=`` takes a time (ISO 8601; without an offset, Beijing time;
a bare day is its midnight) or the ``cursor`` of the last line read; ``?limit=`` (1–1000, default
500) bounds the page. The next page's address is in ``Link: <…>; rel="next"`` and ``X-Next-Cursor``;
an empty page keeps the reader's position, so a site can poll the same address.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response

from api.data_license import LICENSE_HEADERS
from api.errors import HTTPError
from api.graphql_http import writer_of
from api.replica import ReadRouter
from domain.calendar import CHINA, FIRST_YEAR, china_time
from domain.changes import Position, encode_cursor, parse_since
from domain.viewer import ANONYMOUS
from schema.powers import AdjustmentKind
from services.changes import Change, list_changes

DEFAULT_LIMIT, MAX_LIMIT = 500, 1000
BEGINNING = Position(datetime(FIRST_YEAR, 1, 1, tzinfo=CHINA))  # before anything the service holds


def _line(change: Change) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "cursor": encode_cursor(change.position),
        "at": china_time(change.position.at).isoformat(),
        "kind": change.position.kind,
    }
    if (a := change.adjustment) is not None:
        entry |= {
            "power_code": a.power_code,
            "power_name": a.power_name,
            "department_code": a.department_code,
            "adjustment_kind": AdjustmentKind(a.kind).name,
            "effective_on": a.effective_on.isoformat(),
            "reason": a.reason,
            "document_no": a.document_no,
        }
    if (p := change.period) is not None:
        entry |= {
            "period": p.label,
            "period_start": p.start.isoformat(),
            "period_end": p.end.isoformat(),
            "dataset": "/open-data/department-rankings.jsonl?" + urlencode({"period": p.label}),
        }
    return entry


def _limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LIMIT:
        raise HTTPError(400, "INVALID_PAGE_SIZE", f"参数 limit 应为 1 到 {MAX_LIMIT} 的整数")
    return int(text)


async def changes(request: Request) -> Response:
    since = request.query_params.get("since")
    after = BEGINNING if since is None else parse_since(since)
    limit = _limit(request.query_params.get("limit"))
    await request.app.state.endpoint.charge(request, "open-data:changes")
    reads: ReadRouter = request.app.state.reads
    found = await reads.attempt(
        await reads.route(writer_of(request, ANONYMOUS)),
        lambda read: list_changes(read.pool, after=after, limit=limit),
    )
    body = b"".join(orjson.dumps(_line(c)) + b"\n" for c in found)
    cursor = encode_cursor(found[-1].position if found else after)
    etag = '"' + hashlib.sha256(body + cursor.encode()).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=60",
        "Vary": "Accept-Encoding",
        "X-Next-Cursor": cursor,
        "Link": f'</open-data/changes.jsonl?{urlencode({"since": cursor, "limit": limit})}>; rel="next", '
        + LICENSE_HEADERS["Link"],
        "X-Data-License": LICENSE_HEADERS["X-Data-License"],
    }
    match = request.headers.get("if-none-match", "")
    if etag in {tag.strip() for tag in match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers, media_type="application/x-ndjson; charset=utf-8")
