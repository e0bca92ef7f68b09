"""Bulk open data read in chunks (a server-side cursor), so no table is held in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from db.executor import Executor
from db.queries import load

Q = load("open_data")
CHUNK = 500


async def _stream(pool: asyncpg.Pool, query: str) -> AsyncIterator[dict[str, Any]]:
    async with pool.acquire() as conn, conn.transaction(readonly=True):
        async for record in conn.cursor(query, prefetch=CHUNK):
            yield dict(record)


def list_powers(pool: asyncpg.Pool) -> AsyncIterator[dict[str, Any]]:
    """Every published or cancelled power with its process map, materials and adjustments (each
    list as JSON text), in code order."""
    return _stream(pool, Q.list_powers)


def list_case_statistics(pool: asyncpg.Pool) -> AsyncIterator[dict[str, Any]]:
    """Counts per power and month, anonymised."""
    return _stream(pool, Q.list_case_statistics)


async def get_powers_modified(db: Executor) -> datetime | None:
    modified: datetime | None = await db.fetchval(Q.get_powers_modified)
    return modified


async def get_cases_modified(db: Executor) -> datetime | None:
    modified: datetime | None = await db.fetchval(Q.get_cases_modified)
    return modified


async def get_fund_year_modified(db: Executor, *, year: int) -> datetime | None:
    modified: datetime | None = await db.fetchval(Q.get_fund_year_modified, year)
    return modified


@dataclass(frozen=True, slots=True)
class AdjustmentChange:
    """A power adjustment (权力事项调整) as the change feed lists it."""

    id: int
    recorded_at: datetime
    kind: str
    effective_on: date
    reason: str
    document_no: str
    power_code: str
    power_name: str
    department_code: str


async def list_adjustment_changes(
    db: Executor, *, after_at: datetime, after_id: int, limit: int
) -> list[AdjustmentChange]:
    """Adjustments of public powers after the keyset position (``after_at``, ``after_id``),
    oldest first; those recorded in the last minute wait (see the query)."""
    rows = await db.fetch(Q.list_adjustment_changes, after_at, after_id, limit)
    return [AdjustmentChange(**r) for r in rows]


async def get_first_case_received(db: Executor) -> datetime | None:
    received: datetime | None = await db.fetchval(Q.get_first_case_received)
    return received
