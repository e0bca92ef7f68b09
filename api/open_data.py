"""Bulk open data (开放数据) for third-party transparency sites, streamed so that no table is held in
memory: ``/open-data/<dataset>.jsonl`` or ``.csv``, with a stable column list and Last-Modified.

Datasets: ``powers`` (every published or cancelled power with its process map, materials and
adjustments), ``case-statistics`` (counts per power and month, anonymised),
``department-rankings?period=2026-10`` (the ranking as published, frozen: the figures
``departmentPerformance`` answers with; the corrections are in that answer) and
``fund-aggregates?year=2026`` (per fund, township and month, small groups withheld).

Enum values are spelled as the GraphQL schema spells them (``PENALTY``, ``PUBLISHED``), every time
is read in China (+08:00), and nested lists (a power's steps, edges, materials, adjustments) are
JSON: nested in JSON Lines, JSON text in one CSV cell.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import asyncpg
import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from api.data_license import LICENSE_HEADERS
from api.errors import HTTPError
from api.graphql_http import writer_of
from api.replica import ReadRouter
from db import calendar as db_calendar
from db import open_data as db_open_data
from db import org
from db import subsidies as db_subsidies
from domain.calendar import check_year, china_time, moment_on
from domain.disclosure import AGGREGATE
from domain.errors import DomainError
from domain.performance import Period, check_ended, parse_period
from domain.rankings import Ranking
from domain.viewer import ANONYMOUS
from schema.powers import AdjustmentKind, PowerCategory, PowerStatus
from services import performance

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # the validators of a file with nothing in it yet
# Part of every ETag: raised when a file's columns or their spelling change, so a validator kept
# from the old layout no longer gets a 304 for data that did not change.
LAYOUT = 3

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
        "procedure",
        "fee_yuan",
        "fee_basis",
        "statutory_limit_days",
        "promised_limit_days",
        "visits_needed",
        "parallel_approval",
        "consultation_channel",
        "complaint_channel",
        "published_on",
        "updated_at",
        "steps",
        "edges",
        "materials",
        "adjustments",
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
        "published_at",
        "rule_version",
        "rank",
        "grade",
        "note",
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
        "serious_errors",
        "unfounded_cards",
        "late_case_cards",
        "bad_ratings",
        "complaints",
        "subsidy_score",
        "subsidy_red_flags",
        "subsidy_yellow_flags",
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
    """A cell as JSON has it: times in China, days as ISO dates, money exact as text; nested
    lists and objects stay nested."""
    if isinstance(value, datetime):
        return china_time(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)  # Decimal: exact, as text


def _cell(value: Any) -> Any:
    """A CSV cell: nested lists and objects as JSON text (a sheet has no nesting)."""
    value = _value(value)
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode()
    return "" if value is None else value


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
        lambda row: line([_cell(row.get(c)) for c in columns]),
        "\ufeff".encode() + line(columns),
        "text/csv; charset=utf-8",
    )


def _power(row: Mapping[str, Any]) -> dict[str, Any]:
    """A power's row as the file has it: the schema's enum names (``serviceLevel`` is text there,
    so ``service_level`` stays ``county``), the nested lists decoded."""
    power = dict(row)
    power["category"] = PowerCategory(row["category"]).name
    power["status"] = PowerStatus(row["status"]).name
    for key in ("steps", "edges", "materials", "adjustments"):
        power[key] = orjson.loads(row[key])
    for adjustment in power["adjustments"]:
        adjustment["kind"] = AdjustmentKind(adjustment["kind"]).name
        adjustment["recorded_at"] = _value(datetime.fromisoformat(adjustment["recorded_at"]))
    return power


async def _powers(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    async for row in rows:
        yield _power(row)


async def _ranking(
    pool: asyncpg.Pool, period: Period, today: date, *, writes: asyncpg.Pool
) -> tuple[Ranking, dict[int, Any]]:
    """The period's ranking as published (published now, on ``writes``, if it never was) and the
    departments."""
    async with pool.acquire() as conn:
        calendar = await db_calendar.get_calendar(conn)
        departments = {
            d.id: d for d in await org.list_departments(conn, region_code=None, service_level=None)
        }
        ranking = await performance.get_ranking(
            conn,
            writes=writes,
            period=period,
            calendar=calendar,
            today=today,
            now=moment_on(today, datetime.now(UTC)),
            department_ids=list(departments),
        )
    return ranking, departments


async def _ranking_rows(ranking: Ranking, departments: Mapping[int, Any]) -> AsyncIterator[dict[str, Any]]:
    for s in ranking.rows:
        d = departments.get(s.facts.department_id)
        yield {
            "period": ranking.period.label,
            "published_at": ranking.published_at,
            "rule_version": ranking.rule_version,
            "rank": s.rank,
            "grade": s.grade,
            "note": s.note,
            "department_code": d.code if d else None,
            "department_name": d.name if d else None,
            "score": s.score,
            "bonus": s.bonus,
            "deductions": s.deductions,
            "completed": s.facts.completed,
            "on_time": s.facts.on_time,
            "late_cases": s.facts.late,
            "yellow_cards": s.facts.yellow_cards,
            "red_cards": s.facts.red_cards,
            "serious_errors": s.facts.serious_errors,
            "unfounded_cards": s.facts.unfounded_cards,
            "late_case_cards": s.facts.late_case_cards,
            "bad_ratings": s.facts.bad_ratings,
            "complaints": s.facts.complaints,
            "subsidy_score": s.subsidy_score,
            "subsidy_red_flags": s.facts.subsidy_red_flags,
            "subsidy_yellow_flags": s.facts.subsidy_yellow_flags,
        }


async def _fund_aggregates(pool: asyncpg.Pool, year: int) -> AsyncIterator[dict[str, Any]]:
    async with pool.acquire() as conn:
        funds = {f.id: f for f in await db_subsidies.list_funds(conn)}
        minimum = await db_subsidies.get_min_group_size(conn)
        rows = await db_subsidies.list_aggregates(
            conn, year=year, region_prefix=None, by_village=False, by_month=True, fund_id=None
        )
    for r in rows:
        # The statistics' rule of schema/subsidies.py: only funds that list no one withhold.
        hidden = funds[r.fund_id].disclosure == AGGREGATE and r.beneficiaries < minimum
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


Rows = AsyncIterator[dict[str, Any]]


async def open_data(request: Request) -> Response:
    dataset, fmt = request.path_params["dataset"], request.path_params["fmt"]
    if dataset not in COLUMNS or fmt not in ("jsonl", "csv"):
        raise HTTPError(404, "UNKNOWN_DATASET", f"可下载：{'、'.join(COLUMNS)}（.jsonl 或 .csv）")
    reads: ReadRouter = request.app.state.reads
    rows, modified = await reads.attempt(
        await reads.route(writer_of(request, ANONYMOUS)), lambda read: _dataset(request, dataset, read.pool)
    )
    await request.app.state.endpoint.charge(request, f"open-data:{dataset}")
    headers = _validators(request, dataset, fmt, modified)
    if _not_modified(request, headers):
        return Response(status_code=304, headers=headers)
    encode, head, media = _encoder(fmt, COLUMNS[dataset])

    async def stream() -> AsyncIterator[bytes]:
        if head:
            yield head
        async for row in rows:
            yield encode(row)

    headers["Content-Disposition"] = f'attachment; filename="{dataset}.{fmt}"'
    return StreamingResponse(stream(), media_type=media, headers=headers)


async def _dataset(request: Request, dataset: str, pool: asyncpg.Pool) -> tuple[Rows, datetime | None]:
    """The dataset's rows, read from ``pool`` as they are sent, and when they last changed."""
    # Every parameter is checked before the answer starts, so a bad one is a 400, not a broken stream.
    if dataset == "powers":
        rows, modified = _powers(db_open_data.list_powers(pool)), await db_open_data.get_powers_modified(pool)
    elif dataset == "case-statistics":
        rows, modified = db_open_data.list_case_statistics(pool), await db_open_data.get_cases_modified(pool)
    elif dataset == "department-rankings":
        period = check_ended(parse_period(request.query_params.get("period", "")), _today(request))
        # Frozen once published: the file changes only if the publication does (it never does).
        ranking, departments = await _ranking(pool, period, _today(request), writes=request.app.state.pool)
        rows, modified = _ranking_rows(ranking, departments), ranking.published_at
    else:
        year = request.query_params.get("year", "")
        if not (year.isascii() and year.isdigit()):
            raise DomainError("请用 ?year=2026 指定年度", code="INVALID_FIELD")
        checked = check_year(int(year))
        rows = _fund_aggregates(pool, checked)
        modified = await db_open_data.get_fund_year_modified(pool, year=checked)
    return rows, modified


def _today(request: Request) -> date:
    today: date = request.app.state.endpoint.today()
    return today


def _validators(request: Request, dataset: str, fmt: str, modified: datetime | None) -> dict[str, str]:
    """A weak ETag and Last-Modified from when the data under the file last changed: the same
    file for as long as that holds, so a site that has it is told 304 instead of downloading it."""
    stamp = modified.astimezone(UTC) if modified is not None else EPOCH
    tag = hashlib.sha256(
        f"{LAYOUT}:{dataset}.{fmt}?{request.url.query}@{stamp.isoformat()}".encode()
    ).hexdigest()
    return {
        "ETag": f'W/"{tag[:32]}"',
        "Last-Modified": format_datetime(stamp, usegmt=True),  # HTTP dates are GMT (RFC 9110)
        "Cache-Control": "public, max-age=300",
        **LICENSE_HEADERS,
    }


def _not_modified(request: Request, headers: dict[str, str]) -> bool:
    if match := request.headers.get("if-none-match"):
        return headers["ETag"] in {t.strip() for t in match.split(",")} or match.strip() == "*"
    if since := request.headers.get("if-modified-since"):
        try:
            return parsedate_to_datetime(since) >= parsedate_to_datetime(headers["Last-Modified"])
        except (TypeError, ValueError):
            return False
    return False
