"""Bulk open data read in chunks (a server-side cursor), so no table is held in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
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
    """Every published or cancelled power with its process map, in code order."""
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
