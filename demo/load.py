"""Loading the demo county into a database: the calendar, the county, then the parts asked for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import asyncpg

from db import admin, calendar
from demo.cases import seed_cases
from demo.foundation import seed_foundation
from demo.subsidies import seed_subsidies
from services import red_flags

PARTS = ("cases", "subsidies")


async def load(
    url: str, *, seed: int, scale: float, parts: Sequence[str] = (), part_scale: float | None = None
) -> dict[str, int]:
    """The calendar and the demo county (powers, departments, maps), then the named ``parts``
    (a year of cases, three years of subsidies), each only into an empty database."""
    conn = await asyncpg.connect(url)
    try:
        counts = await calendar.load_directory(conn)
        counts.update(await seed_foundation(conn, seed=seed, scale=scale))
        loaders = {"cases": seed_cases, "subsidies": seed_subsidies}
        for part in parts:
            loaded = await loaders[part](conn, seed=seed, scale=part_scale or scale)
            if loaded:
                await admin.analyze(conn)
            counts.update(loaded)
    finally:
        await conn.close()
    if counts.get("payments"):
        # The inspectors' starting point: the red flags over the three years just loaded.
        pool = await asyncpg.create_pool(url, min_size=1, max_size=1)
        try:
            flags = await red_flags.run(pool, since=date(2024, 1, 1), until=date(2026, 11, 20))
        finally:
            await pool.close()
        counts["red-flag alerts"] = flags.total
    return counts
