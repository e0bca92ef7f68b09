"""The working-day calendar in the database: loaded per year from ``data/calendar/<year>.csv``
(or by ``sunshine calendar load``), and the due dates of open cases counted in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import asyncpg

from db.executor import Connection, Executor
from db.queries import load
from domain.calendar import CalendarException, WorkingCalendar, parse_calendar_csv

Q = load("calendar")
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "calendar"


async def load_directory(conn: asyncpg.Connection, directory: Path = DATA_DIR) -> dict[str, int]:
    """Load every year file not yet in the database; returns how many days were stored per year.

    A year is loaded whole or not at all: a bad line refuses the file and names the line.
    """
    loaded = {r["year"] for r in await conn.fetch(Q.list_loaded_years)}
    counts: dict[str, int] = {}
    # A handful of small files, read once at set-up: not worth a thread.
    for path in sorted(directory.glob("*.csv")):  # noqa: ASYNC240
        year = int(path.stem)
        if year in loaded:
            continue
        days = parse_calendar_csv(path.read_text(encoding="utf-8"), year=year)
        async with conn.transaction():
            await conn.execute(Q.insert_year, year, f"data/calendar/{path.name}")
            await conn.copy_records_to_table(
                "calendar_days",
                records=[(d.day, d.is_working, d.name, year) for d in days],
                columns=["day", "is_working", "name", "year"],
            )
        counts[f"calendar {year}"] = len(days)
    return counts


# The State Council publishes next year's holidays late in the year, while a case received in
# November can fall due in January. Years after the last loaded one count Monday to Friday as
# working days until their calendar is loaded; years before the first loaded one stay unknown.
PROVISIONAL_YEARS = 2


async def get_calendar(db: Executor) -> WorkingCalendar:
    years = [r["year"] for r in await db.fetch(Q.list_loaded_years)]
    rows = await db.fetch(Q.list_calendar_days)
    provisional = range(max(years) + 1, max(years) + 1 + PROVISIONAL_YEARS) if years else range(0)
    return WorkingCalendar({r["day"]: r["is_working"] for r in rows}, frozenset([*years, *provisional]))


async def list_loaded_years(db: Executor) -> list[int]:
    return [r["year"] for r in await db.fetch(Q.list_loaded_years)]


async def list_years_loaded_in(db: Executor, *, years: Sequence[int]) -> list[int]:
    """Those of ``years`` whose calendar is loaded."""
    return [r["year"] for r in await db.fetch(Q.list_years_loaded_in, list(years))]


async def replace_year(
    conn: Connection, *, year: int, days: Sequence[CalendarException], source: str
) -> bool:
    """Store ``year``'s exceptions in place of any loaded before; whether one was. Run it in the
    caller's transaction, so the year is never seen half loaded."""
    replaced = await conn.fetchval(Q.delete_year, year) is not None
    await conn.execute(Q.insert_year, year, source)
    await conn.copy_records_to_table(
        "calendar_days",
        records=[(d.day, d.is_working, d.name, year) for d in days],
        columns=["day", "is_working", "name", "year"],
    )
    return replaced


@dataclass(frozen=True, slots=True)
class DueSpan:
    first_due: date | None
    last_due: date | None


async def get_open_due_span(db: Executor) -> DueSpan:
    """The earliest and latest due dates of the open cases."""
    row = await db.fetchrow(Q.get_open_due_span)
    return DueSpan(row["first_due"], row["last_due"]) if row else DueSpan(None, None)


async def lock_open_cases_due_from(conn: Connection, *, day: date) -> list[int]:
    """Ids of the open cases due on or after ``day``, locked for the caller's transaction."""
    return [r["id"] for r in await conn.fetch(Q.lock_open_cases_due_from, day)]


async def update_case_due_dates(
    conn: Connection, *, due_dates: Sequence[tuple[int, date | None, date | None]]
) -> None:
    """Set (case id, promised, statutory) due dates in one statement."""
    await conn.execute(
        Q.update_case_due_dates,
        [d[0] for d in due_dates],
        [d[1] for d in due_dates],
        [d[2] for d in due_dates],
    )
