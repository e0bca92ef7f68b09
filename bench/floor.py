"""The floor: the public hot paths served by a bare Starlette + asyncpg app with hand-written SQL
and no GraphQL, answering the same data as the vetted documents (``tests/test_floor.py`` checks
that each answer equals Sunshine's). The bench runs it beside the real server and reports the real
server's throughput as a share of this one's.

Each endpoint takes one statement: everything a document shows is gathered by PostgreSQL in one
round trip (``json_agg`` subqueries), and what the schema derives in Python (labels, masking, the
map's layout and SVG) is derived here from the same tables and domain functions.

    python -m bench.floor PORT DATABASE_URL
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import os
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain import process_map
from domain.calendar import china_day, china_time
from domain.cases import STATE_LABELS, State, query_code_hash
from domain.masking import mask_name
from domain.process_map_svg import SvgStep, render_svg
from schema.cases import CHANNEL_LABELS
from schema.powers import (
    ADJUSTMENT_LABELS,
    CATEGORY_LABELS,
    STATUS_LABELS,
    AdjustmentKind,
    PowerCategory,
    PowerStatus,
    parallel_branches,
)

CASE = """
SELECT c.case_no, c.query_code_hash, c.state, c.channel, c.received_at, c.accepted_on,
       c.promised_due_on, c.completed_on, c.applicant_name,
       p.code AS power_code, p.name AS power_name, p.promised_limit_days,
       d.name AS department_name, d.phone AS department_phone,
       (SELECT s.name FROM process_steps s
        WHERE s.power_id = c.power_id AND s.key = c.current_step_key) AS current_step_name,
       (SELECT s.key FROM process_steps s
        WHERE s.power_id = c.power_id AND s.key = c.current_step_key) AS current_step_key,
       (SELECT json_agg(json_build_object('stepKey', cs.step_key, 'stepName', coalesce(s.name, cs.step_key),
                                          'startedOn', cs.started_on, 'finishedOn', cs.finished_on)
                        ORDER BY cs.started_at, cs.step_key)
        FROM case_steps cs LEFT JOIN process_steps s ON s.power_id = c.power_id AND s.key = cs.step_key
        WHERE cs.case_id = c.id) AS timeline,
       (SELECT json_agg(json_build_object('caseNo', sc.case_no, 'state', sc.state,
                                          'department', json_build_object('name', sd.name))
                        ORDER BY sc.id)
        FROM cases sc JOIN departments sd ON sd.id = sc.department_id
        WHERE sc.lead_case_id = c.id) AS sub_cases
FROM cases c JOIN powers p ON p.id = c.power_id JOIN departments d ON d.id = c.department_id
WHERE c.case_no = $1
"""
POWER = """
SELECT p.code, p.name, p.category, p.status, p.service_level, p.legal_basis, p.conditions,
       p.procedure, p.fee_yuan, p.fee_basis, p.statutory_limit_days, p.promised_limit_days,
       p.visits_needed, p.parallel_approval, p.consultation_channel, p.complaint_channel,
       p.published_on, d.code AS d_code, d.name AS d_name, d.short_name AS d_short_name,
       d.phone AS d_phone, d.address AS d_address, d.hall AS d_hall,
       (SELECT json_agg(json_build_object('name', m.name, 'copies', m.copies,
                                          'originalRequired', m.original_required, 'note', m.note)
                        ORDER BY m.position)
        FROM power_materials m WHERE m.power_id = p.id) AS materials,
       (SELECT json_agg(json_build_object('kind', a.kind, 'effectiveOn', a.effective_on,
                                          'reason', a.reason, 'documentNo', a.document_no)
                        ORDER BY a.effective_on DESC, a.id DESC)
        FROM power_adjustments a WHERE a.power_id = p.id) AS adjustments,
       (SELECT json_agg(json_build_object('key', s.key, 'name', s.name, 'post', s.post_name,
                                          'limitDays', s.limit_days,
                                          'countsTowardLimit', s.counts_toward_limit,
                                          'checks', s.checks, 'department', sd.short_name)
                        ORDER BY s.position)
        FROM process_steps s JOIN departments sd ON sd.id = s.department_id
        WHERE s.power_id = p.id) AS steps,
       (SELECT json_agg(json_build_object('source', f.key, 'target', t.key, 'condition', e.condition)
                        ORDER BY f.position, t.position)
        FROM process_edges e JOIN process_steps f ON f.id = e.from_step_id
        JOIN process_steps t ON t.id = e.to_step_id WHERE e.power_id = p.id) AS edges
FROM powers p JOIN departments d ON d.id = p.department_id
WHERE p.code = $1 AND p.status <> 'draft'
"""
PAGE = """
SELECT p.code, p.name, p.category, p.promised_limit_days, p.statutory_limit_days, p.visits_needed,
       p.fee_yuan, d.code AS department_code, d.short_name,
       (SELECT count(*) FROM powers WHERE status = 'published') AS total
FROM powers p JOIN departments d ON d.id = p.department_id
WHERE p.status = 'published' AND ($1::text IS NULL OR p.code > $1)
ORDER BY p.code LIMIT $2
"""


def _json(body: Any) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _fee(amount: Decimal | None) -> dict[str, Any]:
    return {
        "free": amount is None or amount == 0,
        "amountYuan": None if amount is None else str(amount),
        "label": "免费" if amount is None else f"{amount:.2f}元",
    }


async def case_status(request: Request) -> Response:
    variables = orjson.loads(await request.body())["variables"]
    case_no, query_code = variables["caseNo"].strip(), variables["queryCode"].strip()
    row = await request.app.state.pool.fetchrow(CASE, case_no)
    expected = row["query_code_hash"] if row else bytes(32)
    if not hmac.compare_digest(expected, query_code_hash(case_no, query_code)) or row is None:
        return _json({"errors": [{"message": "未找到该办件", "extensions": {"code": "CASE_NOT_FOUND"}}]})
    state = State(row["state"])
    completed_on, due = row["completed_on"], row["promised_due_on"]
    today: date = request.app.state.today()
    return _json(
        {
            "data": {
                "caseProgress": {
                    "caseNo": row["case_no"],
                    "state": state.name,
                    "stateLabel": STATE_LABELS[state],
                    "channelLabel": CHANNEL_LABELS.get(row["channel"], row["channel"]),
                    "receivedAt": china_time(row["received_at"]).isoformat(),
                    "acceptedOn": _iso(row["accepted_on"]),
                    "promisedDueOn": _iso(due),
                    "completedOn": _iso(completed_on),
                    "onTime": None if due is None else (completed_on or today) <= due,
                    "currentStepName": row["current_step_name"],
                    "currentStepKey": row["current_step_key"],
                    "applicantName": mask_name(row["applicant_name"]),
                    "power": {
                        "code": row["power_code"],
                        "name": row["power_name"],
                        "promisedLimitDays": row["promised_limit_days"],
                    },
                    "department": {"name": row["department_name"], "phone": row["department_phone"]},
                    "timeline": orjson.loads(row["timeline"] or "[]"),
                    "subCases": [
                        {
                            "caseNo": sub["caseNo"],
                            "stateLabel": STATE_LABELS[State(sub["state"])],
                            "department": sub["department"],
                        }
                        for sub in orjson.loads(row["sub_cases"] or "[]")
                    ],
                }
            }
        }
    )


def _process_map(title: str, steps: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    nodes = [process_map.Node(s["key"], s["name"]) for s in steps]
    links = [process_map.Edge(e["source"], e["target"]) for e in edges]
    start = process_map.validate(nodes, links)
    placement = {p.key: p for p in process_map.layout(nodes, links)}
    svg_steps = [SvgStep(s["key"], s["name"], s["post"], s["limitDays"], s["department"]) for s in steps]
    return {
        "start": start,
        "nodes": [
            {
                "key": s["key"],
                "name": s["name"],
                "post": s["post"],
                "limitDays": s["limitDays"],
                "countsTowardLimit": s["countsTowardLimit"],
                "checks": s["checks"],
                "layer": placement[s["key"]].layer,
                "lane": placement[s["key"]].lane,
                "department": {"shortName": s["department"]},
            }
            for s in steps
        ],
        "edges": edges,
        "branches": [
            {"fork": b.fork, "join": b.join, "steps": b.steps}
            for b in parallel_branches([s["key"] for s in steps], links)
        ],
        "svg": render_svg(title, svg_steps, links),
    }


async def power_detail(request: Request) -> Response:
    variables = orjson.loads(await request.body())["variables"]
    row = await request.app.state.pool.fetchrow(POWER, variables["code"])
    if row is None:
        return _json({"errors": [{"message": "未找到", "extensions": {"code": "NOT_FOUND"}}]})
    return _json(
        {
            "data": {
                "power": {
                    "code": row["code"],
                    "name": row["name"],
                    "category": row["category"].upper(),
                    "categoryLabel": CATEGORY_LABELS[PowerCategory(row["category"])],
                    "status": row["status"].upper(),
                    "statusLabel": STATUS_LABELS[PowerStatus(row["status"])],
                    "serviceLevel": row["service_level"],
                    "legalBasis": row["legal_basis"],
                    "conditions": row["conditions"],
                    "procedure": row["procedure"],
                    "fee": {**_fee(row["fee_yuan"]), "basis": row["fee_basis"]},
                    "statutoryLimitDays": row["statutory_limit_days"],
                    "promisedLimitDays": row["promised_limit_days"],
                    "visitsNeeded": row["visits_needed"],
                    "parallelApproval": row["parallel_approval"],
                    "consultationChannel": row["consultation_channel"],
                    "complaintChannel": row["complaint_channel"],
                    "publishedOn": _iso(row["published_on"]),
                    "department": {
                        "code": row["d_code"],
                        "name": row["d_name"],
                        "shortName": row["d_short_name"],
                        "phone": row["d_phone"],
                        "address": row["d_address"],
                        "hall": row["d_hall"],
                    },
                    "materials": orjson.loads(row["materials"] or "[]"),
                    "adjustments": [
                        {
                            "kind": a["kind"].upper(),
                            "kindLabel": ADJUSTMENT_LABELS[AdjustmentKind(a["kind"])],
                            "effectiveOn": a["effectiveOn"],
                            "reason": a["reason"],
                            "documentNo": a["documentNo"],
                        }
                        for a in orjson.loads(row["adjustments"] or "[]")
                    ],
                    "processMap": _process_map(
                        row["name"], orjson.loads(row["steps"] or "[]"), orjson.loads(row["edges"] or "[]")
                    ),
                }
            }
        }
    )


async def power_page(request: Request) -> Response:
    variables = orjson.loads(await request.body())["variables"]
    size = variables.get("first") or 20
    cursor = variables.get("after")
    after = base64.urlsafe_b64decode(cursor).decode()[3:] if cursor else None  # the API's "v1:<code>"
    rows = await request.app.state.pool.fetch(PAGE, after, size + 1)
    page = rows[:size]
    total = (
        rows[0]["total"]
        if rows
        else await request.app.state.pool.fetchval("SELECT count(*) FROM powers WHERE status = 'published'")
    )
    end = base64.urlsafe_b64encode(f"v1:{page[-1]['code']}".encode()).decode() if page else None
    return _json(
        {
            "data": {
                "powers": {
                    "totalCount": total,
                    "pageInfo": {"hasNextPage": len(rows) > size, "endCursor": end},
                    "nodes": [
                        {
                            "code": r["code"],
                            "name": r["name"],
                            "category": r["category"].upper(),
                            "categoryLabel": CATEGORY_LABELS[PowerCategory(r["category"])],
                            "promisedLimitDays": r["promised_limit_days"],
                            "statutoryLimitDays": r["statutory_limit_days"],
                            "visitsNeeded": r["visits_needed"],
                            "fee": {k: v for k, v in _fee(r["fee_yuan"]).items() if k != "amountYuan"},
                            "department": {"code": r["department_code"], "shortName": r["short_name"]},
                        }
                        for r in page
                    ],
                }
            }
        }
    )


def app(database_url: str, *, today: Callable[[], date] | None = None) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(database_url, min_size=2, max_size=10)
        yield
        await app.state.pool.close()

    starlette = Starlette(
        routes=[
            Route("/floor/case-status", case_status, methods=["POST"]),
            Route("/floor/power-detail", power_detail, methods=["POST"]),
            Route("/floor/power-page", power_page, methods=["POST"]),
        ],
        lifespan=lifespan,
    )
    starlette.state.today = today or (lambda: china_day(datetime.now(UTC)))
    return starlette


def _pinned_today() -> Callable[[], date] | None:
    """The server's pinned "today" (``SUNSHINE_TODAY``, as in api.settings), if any."""
    pinned = os.environ.get("SUNSHINE_TODAY")
    if not pinned:
        return None
    fixed = date.fromisoformat(pinned)
    return lambda: fixed


if __name__ == "__main__":
    uvicorn.run(
        app(sys.argv[2], today=_pinned_today()), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning"
    )
