"""Ratings of completed cases (好差评): five levels, once per case, by whoever holds the receipt.

The two lowest levels are bad ratings: the department must rectify within 15 working days, and
the supervision sweep raises a red card (RECTIFICATION_OVERDUE) when it does not.
"""

from __future__ import annotations

from datetime import datetime

from db import cases as db_cases
from db import ratings as db_ratings
from db.executor import Connection
from domain.calendar import WorkingCalendar, china_day
from domain.cases import COMPLETED, State, check_receipt
from domain.errors import DomainError, NotFound
from domain.ratings import RECTIFY_WITHIN_DAYS, RatingLevel, is_bad


async def rate(
    conn: Connection,
    *,
    case_no: str,
    query_code: str,
    level: RatingLevel,
    comment: str,
    at: datetime,
    calendar: WorkingCalendar,
) -> db_ratings.RatingRow:
    comment = comment.strip()
    if len(comment) > 500:
        raise DomainError("评价内容最多 500 个字", code="INVALID_FIELD")
    row = await db_cases.get_case_by_no(conn, case_no=case_no.strip()[:40])
    row = check_receipt(row, case_no=case_no, query_code=query_code)
    if State(row.state) not in COMPLETED:
        raise DomainError("办件办结后才能评价", code="CASE_NOT_COMPLETED")
    day = china_day(at)
    due = calendar.add_working_days(day, RECTIFY_WITHIN_DAYS) if is_bad(level) else None
    async with conn.transaction():
        if not await db_ratings.insert_rating(
            conn,
            case_id=row.id,
            level=int(level),
            comment=comment,
            at=at,
            day=day,
            department_id=row.department_id,
            rectify_due_on=due,
        ):
            raise DomainError("该办件已经评价过，每件只能评价一次", code="ALREADY_RATED")
    [rating] = await db_ratings.list_ratings_by_case(conn, case_ids=[row.id])
    return rating


async def rectify(
    conn: Connection, *, case_no: str, department_id: int, staff: str, note: str, at: datetime
) -> None:
    row = await db_cases.get_case_by_no(conn, case_no=case_no)
    if row is None or row.department_id != department_id:
        raise NotFound(f"未找到本部门的办件 {case_no}", code="CASE_NOT_FOUND")
    if not 5 <= len(note.strip()) <= 2000:
        raise DomainError("整改说明须为 5 到 2000 个字", code="INVALID_FIELD")
    if not await db_ratings.update_rating_rectified(
        conn, case_id=row.id, day=china_day(at), by=staff, note=note.strip()
    ):
        raise DomainError("该办件没有待整改的差评", code="NOTHING_TO_RECTIFY")
