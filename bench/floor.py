"""The floor: the public hot paths served by a bare Starlette + asyncpg app with hand-written SQL
and no GraphQL, answering the same JSON shape. The bench runs it beside the real server and
reports the real server's throughput as a share of this one's.

    python -m bench.floor PORT DATABASE_URL
"""

from __future__ import annotations

import base64
import contextlib
import sys
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.masking import mask_name
from domain.supervision import query_code_hash

CASE = """
SELECT c.case_no, c.state, c.received_at, c.accepted_on, c.promised_due_on, c.completed_on,
       c.applicant_name, c.query_code_hash, p.code, p.name, d.name AS department,
       (SELECT json_agg(json_build_object('stepKey', s.step_key, 'startedOn', s.started_on,
                                          'finishedOn', s.finished_on) ORDER BY s.started_at)
        FROM case_steps s WHERE s.case_id = c.id) AS timeline
FROM cases c JOIN powers p ON p.id = c.power_id JOIN departments d ON d.id = c.department_id
WHERE c.case_no = $1
"""
POWER = """
SELECT p.code, p.name, p.category, p.legal_basis, p.conditions, p.promised_limit_days, p.statutory_limit_days,
       p.fee_yuan, d.name AS department,
       (SELECT json_agg(json_build_object('key', s.key, 'name', s.name, 'post', s.post_name,
                                          'limitDays', s.limit_days) ORDER BY s.position)
        FROM process_steps s WHERE s.power_id = p.id) AS nodes,
       (SELECT json_agg(json_build_object('source', f.key, 'target', t.key))
        FROM process_edges e JOIN process_steps f ON f.id = e.from_step_id
        JOIN process_steps t ON t.id = e.to_step_id WHERE e.power_id = p.id) AS edges
FROM powers p JOIN departments d ON d.id = p.department_id
WHERE p.code = $1 AND p.status <> 'draft'
"""
PAGE = """
SELECT p.code, p.name, p.category, p.promised_limit_days, d.code AS department_code, d.short_name
FROM powers p JOIN departments d ON d.id = p.department_id
WHERE p.status = 'published' AND ($1::text IS NULL OR p.code > $1)
ORDER BY p.code LIMIT 20
"""


def _json(body: Any) -> Response:
    return Response(orjson.dumps(body, default=str), media_type="application/json")


async def case_status(request: Request) -> Response:
    data = await request.json()
    variables = data["variables"]
    row = await request.app.state.pool.fetchrow(CASE, variables["caseNo"])
    if row is None or row["query_code_hash"] != query_code_hash(variables["caseNo"], variables["queryCode"]):
        return _json({"errors": [{"message": "未找到该办件", "extensions": {"code": "CASE_NOT_FOUND"}}]})
    record = dict(row)
    del record["query_code_hash"]
    record["applicant_name"] = mask_name(record["applicant_name"])
    record["timeline"] = orjson.loads(record["timeline"] or "[]")
    return _json({"data": {"caseProgress": record}})


async def power_detail(request: Request) -> Response:
    data = await request.json()
    row = await request.app.state.pool.fetchrow(POWER, data["variables"]["code"])
    if row is None:
        return _json({"errors": [{"message": "未找到", "extensions": {"code": "NOT_FOUND"}}]})
    record = dict(row)
    record["nodes"] = orjson.loads(record["nodes"] or "[]")
    record["edges"] = orjson.loads(record["edges"] or "[]")
    return _json({"data": {"power": record}})


async def power_page(request: Request) -> Response:
    data = await request.json()
    cursor = data["variables"].get("after")
    after = base64.urlsafe_b64decode(cursor).decode()[3:] if cursor else None  # the API's "v1:<code>"
    rows = await request.app.state.pool.fetch(PAGE, after)
    return _json({"data": {"powers": {"nodes": [dict(r) for r in rows]}}})


def app(database_url: str) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(database_url, min_size=2, max_size=10)
        yield
        await app.state.pool.close()

    return Starlette(
        routes=[
            Route("/floor/case-status", case_status, methods=["POST"]),
            Route("/floor/power-detail", power_detail, methods=["POST"]),
            Route("/floor/power-page", power_page, methods=["POST"]),
        ],
        lifespan=lifespan,
    )


if __name__ == "__main__":
    uvicorn.run(app(sys.argv[2]), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
