"""A bulk load never stalls readers: while the demo's subsidies load (millions of rows at full
scale, in one transaction), the public's subsidy statistics keep answering in well under a
second, and so do the payments themselves, but for the moments the load takes to swap its fresh
partitions in and commit (db.bulk.swap_in: about 8 s at full scale, well under a second here)."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import httpx

from demo import seed_subsidies
from tests.conftest import TEST_SEED


async def test_reads_answer_within_a_second_while_subsidies_load(
    fresh_db: str, fresh_client: httpx.AsyncClient
) -> None:
    regions = (await fresh_client.get("/public/Regions")).json()
    assert regions["data"]["regions"]
    conn = await asyncpg.connect(fresh_db)
    reader = await asyncpg.connect(fresh_db)
    try:
        load = asyncio.create_task(seed_subsidies(conn, seed=TEST_SEED, scale=0.05))
        slowest = slowest_payments = 0.0
        answers = 0
        while not load.done():
            started = time.perf_counter()
            # Not answered from a cache: both read the tables being loaded.
            response = await fresh_client.get("/public/SubsidyAggregates", params={"year": "2026"})
            slowest = max(slowest, time.perf_counter() - started)
            assert response.status_code == 200, response.text
            started = time.perf_counter()
            await reader.fetchval("SELECT count(*) FROM payments WHERE household_id = 1")
            slowest_payments = max(slowest_payments, time.perf_counter() - started)
            answers += 1
            await asyncio.sleep(0.05)
        counts = await load
    finally:
        await conn.close()
        await reader.close()
    assert counts["payments"] > 0
    assert answers >= 5  # the load took long enough to be read during
    assert slowest < 1.0, f"a read waited {slowest:.2f} s on the load"
    assert slowest_payments < 1.0, f"a read of payments waited {slowest_payments:.2f} s on the load"
