"""Build the demo county in memory and load it with COPY.

Generation is pure Python from one ``random.Random(seed)``: the same seed and scale give the same
rows, ids included.  Loading copies each table in one round trip, then moves the identity
sequences past the ids the seed chose so later inserts carry on from there.
"""

from __future__ import annotations

import asyncio
import random

import asyncpg

from demo.maps import draw_maps
from demo.organisation import build_departments, build_regions
from demo.powers import allocate_items, draft_powers, emit_powers
from demo.rows import Foundation

DEFAULT_SEED = 20261122

# Tables whose id the seed assigns and whose identity sequence must follow.
IDENTITY_TABLES = (
    "departments",
    "service_windows",
    "posts",
    "staff",
    "powers",
    "power_adjustments",
    "process_steps",
    "risk_points",
    "control_measures",
)


def build_foundation(*, seed: int = DEFAULT_SEED, scale: float = 1.0) -> Foundation:
    """Every row of the demo county. ``scale`` multiplies powers, maps and risk points; regions
    and departments stay whole."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = random.Random(seed)
    out = Foundation()
    build_regions(rng, out)
    departments = build_departments(rng, out)
    by_code = {department.row.code: department for department in departments}
    powers = draft_powers(rng, allocate_items(rng, departments, scale))
    # Maps come before the power rows: a power's procedure text is read off its map.
    draw_maps(rng, powers, by_code, scale, out)
    emit_powers(rng, powers, out)
    return out


async def seed_foundation(
    conn: asyncpg.Connection, *, seed: int = DEFAULT_SEED, scale: float = 1.0
) -> dict[str, int]:
    """Load the demo county when the database is empty (no rows in regions); return counts per
    table (empty dict if it was not empty)."""
    async with conn.transaction():
        # Two processes starting on an empty database must not both load it.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('sunshine-seed-foundation'))")
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM regions)"):
            return {}
        # Building is pure CPU work (a third of a second at full scale); keep the loop free meanwhile.
        foundation = await asyncio.to_thread(build_foundation, seed=seed, scale=scale)
        counts: dict[str, int] = {}
        # power_adjustments.elements goes in as JSON text, which asyncpg's default jsonb codec
        # passes through; a connection with a custom jsonb codec must accept str as well.
        for table, columns, rows in foundation.tables():
            if rows:
                await conn.copy_records_to_table(table, records=rows, columns=columns)
            counts[table] = len(rows)
        # The seed numbered each table's rows 1..n; identity columns carry on from n + 1.
        for table in IDENTITY_TABLES:
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence($1, 'id'), $2, false)", table, counts[table] + 1
            )
    return counts
