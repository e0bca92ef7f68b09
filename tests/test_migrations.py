"""Migrations: applied by alembic, reversible, and re-appliable."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from db import migrate
from tests.conftest import Server

TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"


@pytest.fixture
async def empty_db(server: Server) -> AsyncIterator[str]:
    name = f"sunshine_mig_{uuid.uuid4().hex[:12]}"
    conn = await server.admin()
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    yield server.url(name)
    await server.drop(name)


async def tables(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        return [r["tablename"] for r in await conn.fetch(TABLES)]
    finally:
        await conn.close()


async def test_upgrade_downgrade_upgrade(empty_db: str) -> None:
    # alembic runs its own event loop, so it runs in a thread here.
    await asyncio.to_thread(migrate.upgrade, empty_db)
    after_first = await tables(empty_db)
    assert {"powers", "process_steps", "risk_points", "calendar_days"} <= set(after_first)
    await asyncio.to_thread(migrate.downgrade, empty_db, "base")
    assert await tables(empty_db) == ["alembic_version"]
    await asyncio.to_thread(migrate.upgrade, empty_db)
    assert await tables(empty_db) == after_first
