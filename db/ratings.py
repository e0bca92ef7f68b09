"""Ratings of completed cases (好差评) and the rectification of bad ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from db.executor import Connection, Executor
from db.queries import load

Q = load("ratings")


@dataclass(frozen=True, slots=True)
class RatingRow:
    case_id: int
    level: int
    comment: str
    rated_at: datetime
    rated_on: date
    rectify_due_on: date | None
    rectified_on: date | None
    rectified_by: str | None
    rectification: str | None


async def list_ratings_by_case(db: Executor, *, case_ids: Sequence[int]) -> list[RatingRow]:
    return [RatingRow(**r) for r in await db.fetch(Q.list_ratings_by_case, list(case_ids))]


async def insert_rating(
    conn: Connection,
    *,
    case_id: int,
    level: int,
    comment: str,
    at: datetime,
    day: date,
    department_id: int,
    rectify_due_on: date | None,
) -> bool:
    """False when the case was rated before (a case is rated once)."""
    return (
        await conn.fetchval(Q.insert_rating, case_id, level, comment, at, day, department_id, rectify_due_on)
        is not None
    )


async def update_rating_rectified(conn: Connection, *, case_id: int, day: date, by: str, note: str) -> bool:
    return await conn.execute(Q.update_rating_rectified, case_id, day, by, note) == "UPDATE 1"


@dataclass(frozen=True, slots=True)
class OverdueRectification:
    case_id: int
    department_id: int
    handler_staff_no: str | None
    level: int
    rated_on: date
    rectify_due_on: date


async def list_overdue_rectifications(db: Executor, *, today: date) -> list[OverdueRectification]:
    return [OverdueRectification(**r) for r in await db.fetch(Q.list_overdue_rectifications, today)]
