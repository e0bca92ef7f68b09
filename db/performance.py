"""The facts a department's performance is scored from, per period, the formula's points, and
the rankings as published (``ranking_publications``, frozen)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from db.executor import Executor
from db.queries import load

Q = load("performance")


@dataclass(frozen=True, slots=True)
class CompletedFact:
    department_id: int
    received_at: datetime
    accepted_on: date | None
    completed_on: date
    promised_due_on: date | None
    promised_limit_days: int | None
    paused_days: int
    special_days: int


async def list_performance_rules(db: Executor) -> dict[str, Decimal]:
    return {r["code"]: r["points"] for r in await db.fetch(Q.list_performance_rules)}


async def list_completed_facts(db: Executor, *, start: date, end: date) -> list[CompletedFact]:
    return [CompletedFact(**r) for r in await db.fetch(Q.list_completed_facts, start, end)]


async def count_late_cases_by_department(
    db: Executor, *, start: date, end: date, today: date
) -> dict[int, int]:
    return {
        r["department_id"]: r["late"]
        for r in await db.fetch(Q.count_late_cases_by_department, start, end, today)
    }


async def count_case_cards_by_department(
    db: Executor, *, start: date, end: date, today: date, time_limit_rules: Sequence[str]
) -> dict[tuple[int, str], int]:
    """Cards on cases per owning department and how they count: ``red``, ``yellow``, ``serious``,
    ``unfounded`` or ``late_case`` (see ``db/sql/performance.sql``)."""
    return {
        (r["department_id"], r["kind"]): r["total"]
        for r in await db.fetch(Q.count_case_cards_by_department, start, end, list(time_limit_rules), today)
    }


async def count_subsidy_flags_by_department(
    db: Executor, *, start: date, end: date
) -> dict[tuple[int, str], int]:
    """Subsidy red flags per fund department: ``red``, ``yellow``, ``serious`` or ``unfounded``."""
    return {
        (r["department_id"], r["kind"]): r["total"]
        for r in await db.fetch(Q.count_subsidy_flags_by_department, start, end)
    }


async def list_fund_department_ids(db: Executor) -> set[int]:
    return {r["department_id"] for r in await db.fetch(Q.list_fund_department_ids)}


async def count_bad_ratings_by_department(db: Executor, *, start: date, end: date) -> dict[int, int]:
    return {
        r["department_id"]: r["total"] for r in await db.fetch(Q.count_bad_ratings_by_department, start, end)
    }


async def count_complaints_by_department(db: Executor, *, start: date, end: date) -> dict[int, int]:
    return {
        r["department_id"]: r["total"] for r in await db.fetch(Q.count_complaints_by_department, start, end)
    }


@dataclass(frozen=True, slots=True)
class PublicationRow:
    period: str
    published_at: datetime
    rule_version: str
    rules: dict[str, Decimal]
    rows: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class PublicationStamp:
    period: str
    published_at: datetime


async def get_publication(db: Executor, *, period: str) -> PublicationRow | None:
    r = await db.fetchrow(Q.get_publication, period)
    if r is None:
        return None
    return PublicationRow(
        period=r["period"],
        published_at=r["published_at"],
        rule_version=r["rule_version"],
        rules={code: Decimal(points) for code, points in orjson.loads(r["rules"]).items()},
        rows=orjson.loads(r["rows"]),
    )


async def insert_publication(
    db: Executor,
    *,
    period: str,
    start: date,
    end: date,
    published_at: datetime,
    rule_version: str,
    rules: dict[str, Decimal],
    rows: list[dict[str, Any]],
) -> None:
    """Store a period's ranking unless one is stored already (the first stands)."""
    await db.execute(
        Q.insert_publication,
        period,
        start,
        end,
        published_at,
        rule_version,
        orjson.dumps({code: str(points) for code, points in rules.items()}).decode(),
        orjson.dumps(rows).decode(),
    )


async def list_publications_after(
    db: Executor, *, after_at: datetime, after_period: str, limit: int
) -> list[PublicationStamp]:
    return [
        PublicationStamp(period=r["period"], published_at=r["published_at"])
        for r in await db.fetch(Q.list_publications_after, after_at, after_period, limit)
    ]
