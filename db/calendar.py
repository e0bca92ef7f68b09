"""The working-day calendar in the database: loaded per year from ``data/calendar/<year>.csv``."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from db.executor import Executor
from db.queries import load
from domain.calendar import WorkingCalendar, parse_calendar_csv

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
