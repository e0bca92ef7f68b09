"""Bulk open data (开放数据) for third-party transparency sites, streamed so that no table is held in
memory: ``/open-data/<dataset>.jsonl`` or ``.csv``, with a stable column list and Last-Modified.

Datasets: ``powers`` (every published or cancelled power with its process map), ``case-statistics``
(counts per power and month, anonymised), ``department-rankings?period=2026-10`` and
``fund-aggregates?year=2026`` (per fund, township and month, small groups withheld).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any

import asyncpg
import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from api.errors import error_body
from api.graphql_http import JSONResponse
from db import calendar as db_calendar
from db import org
from db import subsidies as db_subsidies
from db.queries import load
from domain.errors import DomainError
from domain.performance import Period, parse_period
from services import performance

Q = load("open_data")
CHUNK = 500

COLUMNS: dict[str, Sequence[str]] = {
    "powers": (
        "code",
        "name",
        "category",
        "department_code",
        "department_name",
        "status",
        "service_level",
        "legal_basis",
        "conditions",
        "fee_yuan",
        "fee_basis",
        "statutory_limit_days",
        "promised_limit_days",
        "visits_needed",
        "parallel_approval",
        "published_on",
        "steps",
        "edges",
    ),
    "case-statistics": (
        "power_code",
        "department_code",
        "month",
        "received",
        "completed",
        "on_time",
        "approved",
    ),
    "department-rankings": (
        "period",
        "rank",
        "grade",
        "department_code",
        "department_name",
        "score",
        "bonus",
        "deductions",
        "completed",
        "on_time",
        "late_cases",
        "yellow_cards",
        "red_cards",
        "bad_ratings",
        "complaints",
    ),
    "fund-aggregates": (
        "year",
        "fund_code",
        "fund_name",
        "township_code",
        "period",
        "withheld",
        "amount_yuan",
        "beneficiaries",
    ),
}


def _value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # Decimal: exact, as text


def _encoder(fmt: str, columns: Sequence[str]) -> tuple[Callable[[dict[str, Any]], bytes], bytes, str]:
    if fmt == "jsonl":
        return (
            lambda row: orjson.dumps({c: _value(row.get(c)) for c in columns}) + b"\n",
            b"",
            "application/x-ndjson; charset=utf-8",
        )

    def line(values: Sequence[Any]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer).writerow(values)
        return buffer.getvalue().encode("utf-8")

    # A BOM so that spreadsheet programs read the Chinese as UTF-8.
    return (
        lambda row: line(["" if (v := _value(row.get(c))) is None else v for c in columns]),
        "\ufeff".encode() + line(columns),
        "text/csv; charset=utf-8",
    )


async def _cursor_rows(pool: asyncpg.Pool, query: str, *args: Any) -> AsyncIterator[dict[str, Any]]:
    async with pool.acquire() as conn, conn.transaction(readonly=True):
        async for record in conn.cursor(query, *args, prefetch=CHUNK):
            yield dict(record)


async def _rankings(pool: asyncpg.Pool, period: Period, today: date) -> AsyncIterator[dict[str, Any]]:
    async with pool.acquire() as conn:
        calendar = await db_calendar.get_calendar(conn)
        departments = {
            d.id: d for d in await org.list_departments(conn, region_code=None, service_level=None)
        }
        scores = await performance.evaluate(
            conn, period=period, calendar=calendar, today=today, department_ids=list(departments)
        )
    for s in scores:
        d = departments[s.facts.department_id]
        yield {
            "period": period.label,
            "rank": s.rank,
            "grade": s.grade,
            "department_code": d.code,
            "department_name": d.name,
            "score": s.score,
            "bonus": s.bonus,
            "deductions": s.deductions,
            "completed": s.facts.completed,
            "on_time": s.facts.on_time,
            "late_cases": s.facts.late,
            "yellow_cards": s.facts.yellow_cards,
            "red_cards": s.facts.red_cards,
            "bad_ratings": s.facts.bad_ratings,
            "complaints": s.facts.complaints,
        }


async def _fund_aggregates(pool: asyncpg.Pool, year: int) -> AsyncIterator[dict[str, Any]]:
    async with pool.acquire() as conn:
        funds = {f.id: f for f in await db_subsidies.list_funds(conn)}
        minimum = await db_subsidies.get_min_group_size(conn)
        rows = await db_subsidies.list_aggregates(
            conn, year=year, region_prefix=None, by_village=False, by_month=True, fund_id=None
        )
    for r in rows:
        hidden = r.beneficiaries < minimum
        yield {
            "year": year,
            "fund_code": funds[r.fund_id].code,
            "fund_name": funds[r.fund_id].name,
            "township_code": r.region_code,
            "period": r.period,
            "withheld": hidden,
            "amount_yuan": None if hidden else r.amount_yuan,
            "beneficiaries": None if hidden else r.beneficiaries,
        }


def make_endpoint(today: Callable[[], date]) -> Callable[[Request], Any]:
    async def open_data(request: Request) -> Response:
        dataset, fmt = request.path_params["dataset"], request.path_params["fmt"]
        if dataset not in COLUMNS or fmt not in ("jsonl", "csv"):
            body = {
                "errors": [error_body("UNKNOWN_DATASET", f"可下载：{'、'.join(COLUMNS)}（.jsonl 或 .csv）")]
            }
            return JSONResponse(body, status_code=404)
        pool: asyncpg.Pool = request.app.state.pool
        modified: datetime | None = None
        try:
            if dataset == "powers":
                rows = _cursor_rows(pool, Q.powers)
                modified = await pool.fetchval(Q.powers_modified)
            elif dataset == "case-statistics":
                rows = _cursor_rows(pool, Q.case_statistics)
                modified = await pool.fetchval(Q.cases_modified)
            elif dataset == "department-rankings":
                # parsed before the answer starts, so a bad period is a 400, not a broken stream
                period = parse_period(request.query_params.get("period", ""))
                rows = _rankings(pool, period, today())
            else:
                year = request.query_params.get("year", "")
                if not year.isdigit():
                    raise DomainError("请用 ?year=2026 指定年度", code="INVALID_FIELD")
                rows = _fund_aggregates(pool, int(year))
        except DomainError as exc:
            return JSONResponse({"errors": [error_body(exc.code, exc.message)]}, status_code=400)
        encode, head, media = _encoder(fmt, COLUMNS[dataset])

        async def stream() -> AsyncIterator[bytes]:
            if head:
                yield head
            async for row in rows:
                yield encode(row)

        headers = {
            "Last-Modified": format_datetime((modified or datetime.now(UTC)).astimezone(UTC), usegmt=True),
            "Cache-Control": "public, max-age=300",
            "Content-Disposition": f'attachment; filename="{dataset}.{fmt}"',
        }
        return StreamingResponse(stream(), media_type=media, headers=headers)

    return open_data
