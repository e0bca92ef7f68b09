"""A bulk load never stalls readers: while the demo's subsidies load (millions of rows at full
scale, in one transaction), the public's subsidy statistics keep answering in well under a
second."""

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
    try:
        load = asyncio.create_task(seed_subsidies(conn, seed=TEST_SEED, scale=0.05))
        slowest = 0.0
        answers = 0
        while not load.done():
            started = time.perf_counter()
            # Not answered from a cache: both read the tables being loaded.
            response = await fresh_client.get("/public/SubsidyAggregates", params={"year": "2026"})
            slowest = max(slowest, time.perf_counter() - started)
            assert response.status_code == 200, response.text
            answers += 1
            await asyncio.sleep(0.05)
        counts = await load
    finally:
        await conn.close()
    assert counts["payments"] > 0
    assert answers >= 5  # the load took long enough to be read during
    assert slowest < 1.0, f"a read waited {slowest:.2f} s on the load"
