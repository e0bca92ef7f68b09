"""Loading the demo county into a database: the calendar, the county, then the parts asked for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import asyncpg

from db import admin, calendar
from demo.cases import seed_cases
from demo.foundation import seed_foundation
from demo.progress import Progress, quiet
from demo.subsidies import seed_subsidies
from services import red_flags

PARTS = ("cases", "subsidies")

# Each part loads only into a database without it; this is how each tells (see its seed_*).
_PRESENT = {
    "cases": "SELECT EXISTS (SELECT 1 FROM cases)",
    "subsidies": "SELECT EXISTS (SELECT 1 FROM funds)",
}


async def load(
    url: str,
    *,
    seed: int,
    scale: float,
    parts: Sequence[str] = (),
    part_scale: float | None = None,
    progress: Progress = quiet,
) -> dict[str, int]:
    """The calendar and the demo county (powers, departments, maps), then the named ``parts``
    (a year of cases, three years of subsidies), each only into an empty database; ``progress``
    hears how far each part has come."""
    conn = await asyncpg.connect(url)
    try:
        counts = await calendar.load_directory(conn)
        counts.update(await seed_foundation(conn, seed=seed, scale=scale))
        loaders = {"cases": seed_cases, "subsidies": seed_subsidies}
        for part in parts:
            loaded = await loaders[part](conn, seed=seed, scale=part_scale or scale, progress=progress)
            if loaded:
                await admin.analyze(conn)
            counts.update(loaded)
    finally:
        await conn.close()
    if counts.get("payments"):
        # The inspectors' starting point: the red flags over the three years just loaded.
        progress("red flags", 0, 1)
        pool = await asyncpg.create_pool(url, min_size=1, max_size=1)
        try:
            flags = await red_flags.run(pool, since=date(2024, 1, 1), until=date(2026, 11, 20))
        finally:
            await pool.close()
        progress("red flags", 1, 1)
        counts["red-flag alerts"] = flags.total
    return counts


async def missing_parts(url: str, parts: Sequence[str] = PARTS) -> tuple[str, ...]:
    """Those of ``parts`` the database does not hold yet: what a load would still load."""
    conn = await asyncpg.connect(url)
    try:
        return tuple([part for part in parts if not await conn.fetchval(_PRESENT[part])])
    finally:
        await conn.close()
