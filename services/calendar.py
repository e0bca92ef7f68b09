"""Loading a year's working-day calendar, and what follows from it: the due dates of open cases
counted in that year are counted again, in the same transaction.

Until the State Council publishes a year's holidays, due dates that fall in it count Monday to
Friday as working days (``db.calendar.PROVISIONAL_YEARS``); such a due date is provisional, and
``/readyz`` and the case itself say so until the year is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from db import calendar as db_calendar
from db import cases as db_cases
from db.executor import Connection, Executor
from domain.calendar import CalendarNotLoaded, years_without_calendar
from domain.calendar_notice import YearCalendar
from domain.errors import InvalidInput
from services.supervision import case_from


@dataclass(frozen=True, slots=True)
class CalendarLoad:
    year: int
    days: int  # holidays and adjusted working days stored
    replaced: bool  # the year was loaded before
    cases_checked: int  # open cases due in or after the year
    cases_changed: int  # of which the promised or statutory due date moved


async def load_year(conn: Connection, *, calendar: YearCalendar, source: str) -> CalendarLoad:
    """Store ``calendar`` (replacing the year if loaded) and recompute the due dates of the open
    cases it can move, all in one transaction: no case is ever seen counted in the old calendar
    after the new one is in."""
    year = calendar.year
    async with conn.transaction():
        loaded = await db_calendar.list_loaded_years(conn)
        if loaded and not min(loaded) - 1 <= year <= max(loaded) + 1:
            gap = list(range(max(loaded) + 1, year)) or list(range(year + 1, min(loaded)))
            raise InvalidInput(
                f"已载入 {min(loaded)}–{max(loaded)} 年的工作日历，须先载入"
                f"{'、'.join(str(y) for y in gap)}年，日历才能连续（中间缺年会使跨年时限无法计算）",
                code="CALENDAR_GAP",
            )
        replaced = await db_calendar.replace_year(conn, year=year, days=calendar.exceptions, source=source)
        working = await db_calendar.get_calendar(conn)
        ids = await db_calendar.lock_open_cases_due_from(conn, day=date(year, 1, 1))
        changed: list[tuple[int, date | None, date | None]] = []
        for row in await db_cases.list_cases_by_id(conn, ids=ids):
            try:
                promised, statutory = case_from(row, []).due_dates(working)
            except CalendarNotLoaded:
                continue  # its clock starts in a year nobody loaded: nothing to count it in
            if (promised, statutory) != (row.promised_due_on, row.statutory_due_on):
                changed.append((row.id, promised, statutory))
        if changed:
            await db_calendar.update_case_due_dates(conn, due_dates=changed)
    return CalendarLoad(year, len(calendar.exceptions), replaced, len(ids), len(changed))


async def missing_years(db: Executor, *, today: date) -> list[int]:
    """The years in use without a calendar: this year, and the years open cases' due dates fall in."""
    loaded = await db_calendar.list_loaded_years(db)
    span = await db_calendar.get_open_due_span(db)
    start = min(today, span.first_due or today)
    return years_without_calendar(start, [today, span.last_due], loaded=loaded)
