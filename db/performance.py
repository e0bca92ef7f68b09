"""The facts a department's performance is scored from, per period, and the formula's points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

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


async def count_cards_by_department_and_color(
    db: Executor, *, start: date, end: date
) -> dict[tuple[int, str], int]:
    return {
        (r["department_id"], r["color"]): r["total"]
        for r in await db.fetch(Q.count_cards_by_department_and_color, start, end)
    }


async def count_bad_ratings_by_department(db: Executor, *, start: date, end: date) -> dict[int, int]:
    return {
        r["department_id"]: r["total"] for r in await db.fetch(Q.count_bad_ratings_by_department, start, end)
    }


async def count_complaints_by_department(db: Executor, *, start: date, end: date) -> dict[int, int]:
    return {
        r["department_id"]: r["total"] for r in await db.fetch(Q.count_complaints_by_department, start, end)
    }
